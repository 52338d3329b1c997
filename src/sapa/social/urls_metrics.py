"""Staff social media metrics URLs, under /staff/<library>/social/metrics/."""

from django.urls import path

from sapa.social import views_metrics as views

urlpatterns = [
    path("social/metrics/", views.overview, name="social-metrics"),
    path("social/metrics/data.csv", views.overview_csv, name="social-metrics-csv"),
    path("social/metrics/import/", views.import_csv, name="social-metrics-import"),
    path("social/metrics/channels/<int:channel_id>/", views.channel_overview, name="social-metrics-channel"),
    path("social/metrics/channels/<int:channel_id>/data.csv", views.channel_csv,
         name="social-metrics-channel-csv"),
]
