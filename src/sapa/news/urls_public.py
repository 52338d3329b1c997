"""News public URLs under /<library>/berita/ ("berita" is a reserved library slug)."""

from django.urls import path

from sapa.news import views_public as views
from sapa.news.feeds import ArticlesAtom, ArticlesRss

urlpatterns = [
    path("<slug:library_slug>/berita/", views.news_list, name="news-list"),
    path("<slug:library_slug>/berita/rss.xml", ArticlesRss(), name="news-rss"),
    path("<slug:library_slug>/berita/atom.xml", ArticlesAtom(), name="news-atom"),
    path("<slug:library_slug>/berita/<slug:slug>", views.news_article, name="news-article"),
    path("<slug:library_slug>/berita/<slug:slug>/membantu", views.helpful, name="news-helpful"),
    path("<slug:library_slug>/berita/<slug:slug>/komentar", views.helpful_comment, name="news-helpful-comment"),
]
