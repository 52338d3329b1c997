"""Attendance public URLs: the check-in page and the personal link's check-in."""

from django.urls import path

from sapa.attendance import views_public as views

urlpatterns = [
    path("e/<slug:slug>/hadir/", views.checkin, name="attendance-checkin"),
    path("p/<uuid:public_id>/<str:token>/hadir/", views.checkin_personal, name="attendance-checkin-personal"),
]
