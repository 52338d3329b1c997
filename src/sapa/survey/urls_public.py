"""Survey public URLs: /survei/<registration>/<token>/ (the token of the personal link)."""

from django.urls import path

from sapa.survey import views_public as views

urlpatterns = [
    path("survei/<uuid:public_id>/<str:token>/", views.respond, name="survey-respond"),
]
