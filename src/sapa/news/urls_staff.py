"""News staff URLs, under /staff/<library>/news/ (see views_staff for the roles)."""

from django.urls import path

from sapa.news import views_staff as views

urlpatterns = [
    path("news/", views.article_list, name="staff-news"),
    path("news/new/", views.article_create, name="staff-news-create"),
    path("news/categories/", views.categories, name="staff-news-categories"),
    path("news/feedback/", views.feedback, name="staff-news-feedback"),
    path("news/<int:article_id>/", views.article_detail, name="staff-news-article"),
    path("news/<int:article_id>/edit/", views.article_edit, name="staff-news-edit"),
    path("news/<int:article_id>/cover/remove/", views.cover_remove, name="staff-news-cover-remove"),
    path("news/<int:article_id>/photos/", views.photo_add, name="staff-news-photo-add"),
    path("news/<int:article_id>/photos/<int:photo_id>/remove/", views.photo_remove, name="staff-news-photo-remove"),
    path("news/<int:article_id>/<slug:action>/", views.article_action, name="staff-news-action"),
    path("events/<int:event_id>/report/", views.event_reports, name="staff-news-event"),
]
