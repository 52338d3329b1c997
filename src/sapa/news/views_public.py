"""Public news pages: the list, the article (with Open Graph and Twitter card tags), and the
"Apakah informasi di atas cukup membantu?" answers. Only published articles exist here.

Visitors are told apart by a random id in a long-lived cookie (no login, no
personal data); answers are rate-limited per address, so clearing cookies in a
loop cannot flood the tally.
"""

import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sapa.core import ratelimit
from sapa.core.net import client_ip
from sapa.libraries.models import Library
from sapa.news import services
from sapa.news.forms import CommentForm
from sapa.news.models import Category, HelpfulAnswer, Tag

PAGE_SIZE = 10
VISITOR_COOKIE = "sapa_pengunjung"
VISITOR_COOKIE_AGE = 2 * 365 * 24 * 3600
_VISITOR_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Answers (and comments) per address per hour: enough for an office behind one address.
HELPFUL_LIMIT = ratelimit.Limit("news-helpful", 60, 3600)


def absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.BASE_URL + url


def _library(library_slug) -> Library:
    return get_object_or_404(Library, slug=library_slug)


def _article(library, slug):
    return get_object_or_404(services.published_articles(library), slug=slug)


def visitor_id(request) -> str | None:
    value = request.COOKIES.get(VISITOR_COOKIE, "")
    return value if _VISITOR_RE.match(value) else None


def _set_visitor(response, value: str) -> None:
    response.set_cookie(VISITOR_COOKIE, value, max_age=VISITOR_COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=settings.HTTPS)


def news_list(request, library_slug):
    library = _library(library_slug)
    articles = services.published_articles(library)
    category = tag = None
    if request.GET.get("kategori"):
        category = get_object_or_404(Category, library=library, slug=request.GET["kategori"])
        articles = articles.filter(category=category)
    if request.GET.get("tag"):
        tag = get_object_or_404(Tag, library=library, slug=request.GET["tag"])
        articles = articles.filter(tags=tag)
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "news/public/list.html", {
        "library": library, "page": page, "category": category, "tag": tag,
        "categories": Category.objects.filter(library=library, articles__state="published").distinct(),
    })


def news_article(request, library_slug, slug):
    library = _library(library_slug)
    article = _article(library, slug)
    photos = list(article.photos.all())
    image = article.cover.url if article.cover else (photos[0].image.url if photos else
                                                     (library.logo.url if library.logo else ""))
    visitor = visitor_id(request)
    answer = HelpfulAnswer.objects.filter(article=article, visitor_id=visitor).first() if visitor else None
    return render(request, "news/public/article.html", {
        "library": library, "article": article, "body": mark_safe(article.body_html),  # noqa: S308 (sanitized by nh3)
        "photos": photos, "tags": list(article.tags.all()),
        "og_image": absolute(image) if image else "",
        "canonical": absolute(article.get_absolute_url()),
        "answer": answer, "comment_form": CommentForm() if answer and not answer.helpful and not answer.comment else None,
    })


def _limited(request) -> bool:
    return ratelimit.is_limited(HELPFUL_LIMIT, client_ip(request))


@require_POST
def helpful(request, library_slug, slug):
    """Ya or Tidak: one answer per visitor; a second one changes nothing and says so."""
    library = _library(library_slug)
    article = _article(library, slug)
    target = article.get_absolute_url() + "#membantu"
    value = request.POST.get("answer")
    if value not in ("ya", "tidak"):
        messages.error(request, _("Choose Ya or Tidak."))
        return redirect(target)
    if _limited(request):
        messages.error(request, _("Too many answers from your network. Please try again in an hour."))
        return redirect(target)
    visitor = visitor_id(request) or secrets.token_urlsafe(24)
    answer, created = services.answer_helpful(article, visitor, value == "ya")
    if not created:
        messages.info(request, _("You had already answered this question; your first answer counts."))
    response = redirect(target)
    _set_visitor(response, visitor)
    return response


@require_POST
def helpful_comment(request, library_slug, slug):
    """The optional comment after "Tidak" (once, limited in length)."""
    library = _library(library_slug)
    article = _article(library, slug)
    target = article.get_absolute_url() + "#membantu"
    visitor = visitor_id(request)
    if visitor is None:
        raise Http404
    if _limited(request):
        messages.error(request, _("Too many answers from your network. Please try again in an hour."))
        return redirect(target)
    form = CommentForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("comment", []):
            messages.error(request, error)
        return redirect(target)
    try:
        stored = services.add_comment(article, visitor, form.cleaned_data["comment"])
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect(target)
    if stored:
        messages.success(request, _("Thank you for your comment: it helps us write better."))
    else:
        messages.info(request, _("Your comment was already received."))
    return redirect(target)
