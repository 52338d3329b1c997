"""Staff event URLs, under /staff/<library>/events/ (see views_staff for the roles)."""

from django.urls import path

from sapa.events import views_staff as views

urlpatterns = [
    path("events/", views.event_list, name="staff-events"),
    path("events/new/", views.event_create, name="staff-event-create"),
    path("events/<int:event_id>/", views.event_detail, name="staff-event-detail"),
    path("events/<int:event_id>/edit/", views.event_edit, name="staff-event-edit"),
    path("events/<int:event_id>/speakers/", views.event_speakers, name="staff-event-speakers"),
    path("events/<int:event_id>/categories/", views.event_categories, name="staff-event-categories"),
    path("events/<int:event_id>/questions/", views.event_questions, name="staff-event-questions"),
    path("events/<int:event_id>/duplicate/", views.event_duplicate, name="staff-event-duplicate"),
    path("events/<int:event_id>/cancel/", views.event_cancel, name="staff-event-cancel"),
    path("events/<int:event_id>/registrations/", views.registrations, name="staff-registrations"),
    path("events/<int:event_id>/registrations/new/", views.registration_add, name="staff-registration-add"),
    path("events/<int:event_id>/registrations/export/", views.registrations_export,
         name="staff-registrations-export"),
    path("events/<int:event_id>/registrations/<int:registration_id>/", views.registration_edit,
         name="staff-registration-edit"),
    path("events/<int:event_id>/registrations/<int:registration_id>/cancel/", views.registration_cancel,
         name="staff-registration-cancel"),
    path("events/<int:event_id>/registrations/<int:registration_id>/promote/", views.registration_promote,
         name="staff-registration-promote"),
]
