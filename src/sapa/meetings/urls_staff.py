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
    path("google/", views.google_account, name="meetings-google-account"),
    path("google/test/", views.google_test, name="meetings-google-test"),
    path("events/<int:event_id>/meet/", views.event_meet, name="meetings-event-meet"),
    path(
        "events/<int:event_id>/meet/attendance/",
        views.event_meet_attendance,
        name="meetings-event-meet-attendance",
    ),
]
