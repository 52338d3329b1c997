"""Public promotion URLs: /s/<code> (short links) and /<library>/links (link-in-bio).

Included at the site's root before the library catch-all; "s" is a reserved library slug.
"""

from django.urls import path

from sapa.promotion import views_public as views

urlpatterns = [
    path("s/<str:code>", views.short_link, name="short-link"),
    path("<slug:library_slug>/links", views.link_in_bio, name="link-in-bio"),
]
