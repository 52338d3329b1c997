"""Public event URLs: /e/<slug>/, the personal link /p/<id>/<token>/, /<library>/events.ics.

Included at the site's root before the library catch-all; "e" and "p" are
reserved library slugs.
"""

from django.urls import path

from sapa.events import views_public as views

urlpatterns = [
    path("e/<slug:slug>/", views.event_page, name="event-public"),
    path("e/<slug:slug>/terdaftar/", views.registered, name="event-registered"),
    path("p/<uuid:public_id>/<str:token>/", views.manage, name="registration-manage"),
    path("p/<uuid:public_id>/<str:token>/ics", views.manage_ics, name="registration-ics"),
    path("p/<uuid:public_id>/<str:token>/batal/", views.manage_cancel, name="registration-cancel"),
    path("p/<uuid:public_id>/<str:token>/hapus/", views.manage_delete, name="registration-delete"),
    path("p/<uuid:public_id>/<str:token>/data.json", views.manage_export, name="registration-export"),
    path("<slug:library_slug>/events.ics", views.library_ics, name="library-events-ics"),
]
