"""Live public URLs: the board of an event at /e/<slug>/live/."""

from django.urls import path

from sapa.live import views_public as views

urlpatterns = [
    path("e/<slug:slug>/live/", views.board, name="live-board"),
    path("e/<slug:slug>/live/stream/", views.stream, name="live-stream"),
    path("e/<slug:slug>/live/vote/<int:question_id>/", views.vote, name="live-vote"),
    path("e/<slug:slug>/live/tangan/", views.hand, name="live-hand"),
    path("e/<slug:slug>/live/masuk/<uuid:public_id>/<str:token>/", views.enter, name="live-enter"),
    path("e/<slug:slug>/live/saya/", views.identify, name="live-identify"),
]
