"""Prizes staff URLs, under /staff/<library>/events/<id>/prizes/."""

from django.urls import path

from sapa.prizes import views_staff as views

urlpatterns = [
    path("events/<int:event_id>/prizes/", views.event_prizes, name="prizes-event"),
    path("events/<int:event_id>/prizes/new/", views.prize_form, name="prizes-prize-new"),
    path("events/<int:event_id>/prizes/<int:prize_id>/", views.prize_form, name="prizes-prize-edit"),
    path("events/<int:event_id>/prizes/<int:prize_id>/delete/", views.prize_delete, name="prizes-prize-delete"),
    path("events/<int:event_id>/prizes/draws/new/", views.draw_prepare, name="prizes-draw-prepare"),
    path("events/<int:event_id>/prizes/draws/<int:draw_id>/", views.draw_detail, name="prizes-draw"),
    path("events/<int:event_id>/prizes/draws/<int:draw_id>/run/", views.draw_run, name="prizes-draw-run"),
    path("events/<int:event_id>/prizes/draws/<int:draw_id>/present/", views.present, name="prizes-present"),
    path("events/<int:event_id>/prizes/winners/", views.winners, name="prizes-winners"),
    path("events/<int:event_id>/prizes/winners/export/", views.winners_export, name="prizes-winners-export"),
    path("events/<int:event_id>/prizes/winners/<int:winner_id>/ship/", views.winner_ship,
         name="prizes-winner-ship"),
    path("events/<int:event_id>/prizes/winners/<int:winner_id>/delivered/", views.winner_delivered,
         name="prizes-winner-delivered"),
]
