from django.urls import path

from sapa.meetings import views_public as views

urlpatterns = [
    path("hooks/zoom/<str:key>/", views.zoom_webhook, name="meetings-zoom-webhook"),
]
