"""Staff promotion URLs, under /staff/<library>/promotion/.

"Attach a flyer to a new post" (promotion-flyer-post) is sapa.social's: in sapa.social.urls_staff.
"""

from django.urls import path

from sapa.promotion import views_staff as views

urlpatterns = [
    path("promotion/", views.home, name="promotion-home"),
    path("promotion/events/<int:event_id>/", views.event_links, name="promotion-event"),
    path("promotion/events/<int:event_id>/flyer/<str:layout>/<str:size>", views.flyer, name="promotion-flyer"),
    path("promotion/events/<int:event_id>/dashboard/", views.event_dashboard, name="promotion-dashboard"),
    path("promotion/events/<int:event_id>/dashboard/<str:key>.<str:fmt>", views.chart_file,
         name="promotion-chart"),
    path("promotion/links/<int:link_id>/qr.<str:fmt>", views.link_qr, name="promotion-qr"),
    path("promotion/bio/", views.bio, name="promotion-bio"),
    path("promotion/bio/<str:kind>/<int:item_id>/", views.bio_edit, name="promotion-bio-edit"),
    path("promotion/report/", views.report, name="promotion-report"),
]
