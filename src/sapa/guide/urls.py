"""The guide's URLs: /bantuan/ and /<library>/bantuan/ ("bantuan" is a reserved library slug)."""

from django.urls import path

from sapa.guide import views

urlpatterns = [
    path("bantuan/", views.guide_index, name="guide"),
    path("bantuan/<slug:section>/", views.guide_section, name="guide-section"),
    path("<slug:library_slug>/bantuan/", views.participant_help, name="guide-participant"),
]
