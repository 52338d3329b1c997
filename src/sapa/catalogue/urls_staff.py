"""Staff URLs of new arrivals, under /staff/<library>/catalogue/."""

from django.urls import path

from sapa.catalogue import views_staff as views

urlpatterns = [
    path("catalogue/", views.acquisitions, name="catalogue-acquisitions"),
    path("catalogue/posts/", views.draft_posts, name="catalogue-draft-posts"),
    path("catalogue/upload/", views.upload, name="catalogue-upload"),
    path("catalogue/sources/", views.sources, name="catalogue-sources"),
    path("catalogue/sources/new/", views.source_form, name="catalogue-source-create"),
    path("catalogue/sources/<int:source_id>/", views.source_form, name="catalogue-source-edit"),
    path("catalogue/sources/<int:source_id>/harvest/", views.source_harvest, name="catalogue-source-harvest"),
    path("catalogue/runs/<int:run_id>/", views.run_detail, name="catalogue-run"),
]
