"""Attendance staff URLs, under /staff/<library>/events/<id>/attendance/ (see views_staff)."""

from django.urls import path

from sapa.attendance import views_staff as views

urlpatterns = [
    path("events/<int:event_id>/attendance/", views.overview, name="attendance-event"),
    path("events/<int:event_id>/attendance/rule/", views.rule, name="attendance-rule"),
    path("events/<int:event_id>/attendance/export/", views.export, name="attendance-export"),
    path("events/<int:event_id>/attendance/checkin/", views.checkin_open, name="attendance-checkin-open"),
    path("events/<int:event_id>/attendance/checkin/<int:window_id>/", views.checkin_screen,
         name="attendance-checkin-screen"),
    path("events/<int:event_id>/attendance/checkin/<int:window_id>/close/", views.checkin_close,
         name="attendance-checkin-close"),
    path("events/<int:event_id>/attendance/import/", views.import_upload, name="attendance-import"),
    path("events/<int:event_id>/attendance/import/<int:import_id>/", views.import_preview,
         name="attendance-import-preview"),
    path("events/<int:event_id>/attendance/import/<int:import_id>/discard/", views.import_discard,
         name="attendance-import-discard"),
    path("events/<int:event_id>/chat/", views.chat, name="attendance-chat"),
    path("events/<int:event_id>/chat/<int:import_id>/", views.chat_preview, name="attendance-chat-preview"),
]
