from django.urls import path

from sapa.whatsapp import views

urlpatterns = [
    # Under /api/ (a reserved library slug): Meta's webhook, one address per library.
    path("api/whatsapp/<slug:slug>/webhook", views.webhook, name="whatsapp-webhook"),
    path("p/<uuid:public_id>/<str:token>/whatsapp/stop/", views.optout, name="whatsapp-optout"),
]
