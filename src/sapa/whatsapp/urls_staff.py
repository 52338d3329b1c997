"""Staff URLs of WhatsApp, under /staff/<library>/."""

from django.urls import path

from sapa.whatsapp import views

urlpatterns = [
    path("whatsapp/", views.settings_page, name="whatsapp-settings"),
    path("whatsapp/test/", views.test_page, name="whatsapp-test"),
    path("events/<int:event_id>/whatsapp/", views.event_page, name="whatsapp-event"),
    path("events/<int:event_id>/whatsapp/<int:message_id>/retry/", views.message_retry,
         name="whatsapp-message-retry"),
    path("events/<int:event_id>/whatsapp/broadcast.csv", views.event_csv, name="whatsapp-event-csv"),
]
