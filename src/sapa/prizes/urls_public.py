"""Prizes public URLs: the draw page /undian/<id>/ (and data.json), the claim form /klaim/<id>/<token>/."""

from django.urls import path

from sapa.prizes import views_public as views

urlpatterns = [
    path("undian/<str:public_id>/", views.draw_page, name="draw-public"),
    path("undian/<str:public_id>/data.json", views.draw_json, name="draw-json"),
    path("klaim/<uuid:public_id>/<str:token>/", views.claim, name="prize-claim"),
]
