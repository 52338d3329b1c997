"""Certificates public URLs: /v/ is a reserved library slug."""

from django.urls import path

from sapa.certificates import views_public as views

urlpatterns = [
    path("v/<str:code>/", views.verify, name="certificate-verify"),
    path("v/<str:code>/<str:token>/", views.download, name="certificate-download"),
]
