"""Survey staff URLs, under /staff/<library>/events/<id>/survey/."""

from django.urls import path

from sapa.survey import views_staff as views

urlpatterns = [
    path("events/<int:event_id>/survey/", views.results, name="survey-results"),
    path("events/<int:event_id>/survey/settings/", views.settings_page, name="survey-settings"),
    path("events/<int:event_id>/survey/open/", views.open_survey, name="survey-open"),
    path("events/<int:event_id>/survey/close/", views.close_survey, name="survey-close"),
    path("events/<int:event_id>/survey/invite/", views.invite, name="survey-invite"),
    path("events/<int:event_id>/survey/export/", views.export, name="survey-export"),
]
