from django.urls import path

from sapa.meetings import views_staff as views

urlpatterns = [
    path("zoom/", views.account, name="meetings-zoom-account"),
    path("zoom/test/", views.account_test, name="meetings-zoom-test"),
    path("events/<int:event_id>/zoom/", views.event_meeting, name="meetings-event"),
    path(
        "events/<int:event_id>/zoom/attendance/",
        views.event_attendance,
        name="meetings-event-attendance",
    ),
]
