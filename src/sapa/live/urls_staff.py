"""Live staff URLs, under /staff/<library>/events/<id>/live/ (any staff member moderates)."""

from django.urls import path

from sapa.live import views_staff as views

urlpatterns = [
    path("events/<int:event_id>/live/", views.moderate, name="live-moderate"),
    path("events/<int:event_id>/live/fragment/", views.moderate_fragment, name="live-moderate-fragment"),
    path("events/<int:event_id>/live/present/", views.present, name="live-present"),
    path("events/<int:event_id>/live/present/fragment/", views.present_fragment, name="live-present-fragment"),
    path("events/<int:event_id>/live/stream/", views.staff_stream, name="live-staff-stream"),
    path("events/<int:event_id>/live/settings/", views.board_settings, name="live-settings"),
    path("events/<int:event_id>/live/q/<int:question_id>/<slug:action>/", views.question_action,
         name="live-question-action"),
    path("events/<int:event_id>/live/hands/<int:hand_id>/lower/", views.hand_lower, name="live-hand-lower"),
    path("events/<int:event_id>/live/hands/<slug:action>/", views.hands_action, name="live-hands-action"),
]
