"""Public news endpoints: a library's published articles (no token needed).

Only published articles; the same rule as the public pages
(sapa.news.services.published_articles). URLs and images are absolute.
"""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from sapa.libraries.models import Library
from sapa.news import services
from sapa.news.views_public import absolute

router = Router(tags=["news (public)"])
MAX_LIMIT = 100


class ArticleOut(Schema):
    slug: str
    title: str
    summary: str
    url: str
    published_at: datetime
    category: str | None
    tags: list[str]
    author: str
    editor: str
    image: str | None
    image_credit: str


class ArticleDetailOut(ArticleOut):
    body_html: str


def _out(article, *, body=False) -> dict:
    data = {
        "slug": article.slug, "title": article.title, "summary": article.summary,
        "url": absolute(article.get_absolute_url()), "published_at": article.published_at,
        "category": article.category.name if article.category else None,
        "tags": [t.name for t in article.tags.all()],
        "author": article.author_label, "editor": article.editor_label,
        "image": absolute(article.cover.url) if article.cover else None, "image_credit": article.cover_credit,
    }
    if body:
        data["body_html"] = article.body_html
    return data


@router.get("/libraries/{library}/news", auth=None, response=list[ArticleOut],
            summary="A library's published articles, newest first")
def list_articles(request, library: str, category: str | None = None, tag: str | None = None, limit: int = 20):
    lib = get_object_or_404(Library, slug=library)
    articles = services.published_articles(lib).prefetch_related("tags")
    if category:
        articles = articles.filter(category__slug=category)
    if tag:
        articles = articles.filter(tags__slug=tag)
    return [_out(a) for a in articles[:max(1, min(limit, MAX_LIMIT))]]


@router.get("/libraries/{library}/news/{slug}", auth=None, response=ArticleDetailOut,
            summary="One published article, with its sanitized HTML")
def article_detail(request, library: str, slug: str):
    lib = get_object_or_404(Library, slug=library)
    article = get_object_or_404(services.published_articles(lib).prefetch_related("tags"), slug=slug)
    return _out(article, body=True)
