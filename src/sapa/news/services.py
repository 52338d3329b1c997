"""The rules of news: categories, writing and editing articles, the gallery, what the public
sees, and the helpfulness answers. The workflow steps are in sapa.news.workflow; the
report drafted from an event is in sapa.news.report.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.news import text, workflow
from sapa.news.models import (
    DEFAULT_CATEGORIES,
    Article,
    ArticleState,
    Category,
    GalleryPhoto,
    HelpfulAnswer,
    Tag,
)

MAX_COMMENT = 1000
# Fields whose change is a change of content (sends an article back for approval).
CONTENT_FIELDS = ("title", "slug", "summary", "body", "cover_credit", "cover_alt", "author_id", "author_name",
                  "editor_id", "editor_name", "category_id")


# --- Categories and tags ---------------------------------------------------------------------

def ensure_default_categories(library) -> list[Category]:
    """The library's categories; Terkini, Opini and Pengumuman are created the first time."""
    categories = list(Category.objects.filter(library=library))
    if not categories:
        with transaction.atomic():
            for position, (slug, name) in enumerate(DEFAULT_CATEGORIES):
                Category.objects.get_or_create(library=library, slug=slug,
                                               defaults={"name": name, "position": position})
        categories = list(Category.objects.filter(library=library))
    return categories


def unique_slug(model, library, base: str, *, exclude_pk=None, max_length=120) -> str:
    """`base` slugified, with -2, -3... when the library already has it."""
    root = (slugify(base) or "berita")[:max_length - 4].strip("-") or "berita"
    taken = model.objects.filter(library=library, slug__startswith=root)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    names = set(taken.values_list("slug", flat=True))
    slug, n = root, 2
    while slug in names:
        slug = f"{root}-{n}"
        n += 1
    return slug


def tags_from_text(library, value: str) -> list[Tag]:
    """Tags from "a, b, c": existing ones by their address, new ones created."""
    tags = []
    seen = set()
    for name in (part.strip() for part in (value or "").split(",")):
        slug = slugify(name)[:60]
        if not name or not slug or slug in seen:
            continue
        seen.add(slug)
        tag, _ = Tag.objects.get_or_create(library=library, slug=slug, defaults={"name": name[:50]})
        tags.append(tag)
    return tags


# --- Articles -----------------------------------------------------------------------------------

def snapshot(article) -> dict:
    """The content fields of an article (to tell later what an edit changed)."""
    return {name: getattr(article, name) for name in CONTENT_FIELDS}


def save_article(article: Article, *, by, tags: str | None = None, cover=None, request=None,
                 before: dict | None = None) -> Article:
    """Create or change an article (from the staff form): body rendered, cover resized, history kept.

    A new article is a draft. A change by someone who may not approve sends an
    article in review, approved or scheduled back to draft; only editors may
    change a published article. `cover` is an uploaded file (checked and
    resized here; text.PhotoError says what is wrong with it).
    """
    library = article.library
    creating = article.pk is None
    workflow.require_role(by, library, Role.STAFF)
    if not creating and article.state == ArticleState.PUBLISHED:
        workflow.require_role(by, library, Role.EDITOR)
    processed = text.process_photo(cover, width=text.COVER_WIDTH) if cover else None
    with transaction.atomic():
        if not article.slug:
            article.slug = unique_slug(Article, library, article.title, exclude_pk=article.pk)
        article.body_html = text.render_body(article.body, library.pk)
        if creating:
            article.created_by = by
            article.state = ArticleState.DRAFT
        if processed:
            content, name, _size = processed
            article.cover.save(name, content, save=False)
        old_tags = set() if creating else set(article.tags.values_list("name", flat=True))
        article.save()
        new_tags = old_tags
        if tags is not None:
            chosen = tags_from_text(library, tags)
            article.tags.set(chosen)
            new_tags = {t.name for t in chosen}
        if creating:
            workflow.record_change(article, "created", actor=by, request=request)
        else:
            after = snapshot(article)
            changes = {k: [before.get(k), v] for k, v in after.items() if before and before.get(k) != v}
            if processed:
                changes["cover"] = ["", article.cover.name]
            if new_tags != old_tags:
                changes["tags"] = [", ".join(sorted(old_tags)), ", ".join(sorted(new_tags))]
            if changes:
                workflow.content_edited(article, by=by)
                workflow.record_change(article, "edited", actor=by, request=request,
                                       changes={k: [str(a), str(b)] for k, (a, b) in changes.items()})
    return article


def remove_cover(article: Article, *, by, request=None) -> None:
    """Take the cover photo off an article."""
    workflow.require_role(by, article.library, Role.STAFF)
    with transaction.atomic():
        article.cover = ""
        article.save(update_fields=["cover", "updated_at"])
        workflow.record_change(article, "cover_removed", actor=by, request=request)


def _require_gallery_change(article: Article, by) -> None:
    workflow.require_role(by, article.library, Role.STAFF)
    if article.state == ArticleState.PUBLISHED:
        workflow.require_role(by, article.library, Role.EDITOR)


def add_photo(article: Article, uploaded, *, by, caption: str = "", credit: str = "", request=None) -> GalleryPhoto:
    """Add a photo to the article's gallery (checked and resized; text.PhotoError if not a photo).

    The gallery is content: the rule of save_article holds (only an editor
    changes a published article; a change by someone below editor sends an
    article in review, approved or scheduled back to draft).
    """
    _require_gallery_change(article, by)
    content, name, (width, height) = text.process_photo(uploaded, width=text.GALLERY_WIDTH)
    with transaction.atomic():
        workflow.content_edited(article, by=by)
        position = (article.photos.order_by("-position").values_list("position", flat=True).first() or 0) + 1
        photo = GalleryPhoto(article=article, caption=caption.strip()[:300], credit=credit.strip()[:150],
                             position=position, width=width, height=height)
        photo.image.save(name, content, save=False)
        photo.save()
        workflow.record_change(article, "photo_added", actor=by, request=request, photo=photo.pk)
    return photo


def remove_photo(photo: GalleryPhoto, *, by, request=None) -> None:
    """Remove a photo from the gallery (its file too); the rule of add_photo holds."""
    article = photo.article
    _require_gallery_change(article, by)
    with transaction.atomic():
        workflow.content_edited(article, by=by)
        name = photo.image.name
        photo.delete()
        workflow.record_change(article, "photo_removed", actor=by, request=request, file=name)
    storage = GalleryPhoto._meta.get_field("image").storage
    transaction.on_commit(lambda: storage.delete(name))


# --- What the public sees -----------------------------------------------------------------------

def published_articles(library):
    """The library's published articles, newest first."""
    return (Article.objects.filter(library=library, state=ArticleState.PUBLISHED,
                                   published_at__lte=timezone.now())
            .select_related("library", "category", "author", "editor").order_by("-published_at", "-id"))


def home_section(library) -> dict | None:
    """The latest articles on the library's public home (nothing when there are none)."""
    articles = list(published_articles(library)[:3])
    if not articles:
        return None
    return {"template": "news/public/_home_section.html", "articles": articles, "library": library}


# --- "Apakah informasi di atas cukup membantu?" -----------------------------------------------------

def answer_helpful(article: Article, visitor_id: str, helpful: bool) -> tuple[HelpfulAnswer, bool]:
    """Record a visitor's answer; (answer, created). A second answer changes nothing.

    The unique constraint on (article, visitor) decides, so two racing
    submits of one visitor store one answer.
    """
    try:
        with transaction.atomic():
            return HelpfulAnswer.objects.create(article=article, visitor_id=visitor_id, helpful=helpful), True
    except IntegrityError:
        return HelpfulAnswer.objects.get(article=article, visitor_id=visitor_id), False


def add_comment(article: Article, visitor_id: str, comment: str) -> bool:
    """Attach the comment of a visitor who answered "Tidak" (once); True when stored."""
    comment = (comment or "").strip()
    if not comment:
        raise ValueError(_("Write a comment, or leave the form."))
    if len(comment) > MAX_COMMENT:
        raise ValueError(_("Keep the comment under %(n)s characters.") % {"n": MAX_COMMENT})
    updated = HelpfulAnswer.objects.filter(article=article, visitor_id=visitor_id, helpful=False,
                                           comment="").update(comment=comment, commented_at=timezone.now())
    return bool(updated)


def tally(answers) -> dict:
    """Yes, no, total and the share of yes (percent, or None without answers) of a queryset."""
    counts = answers.aggregate(yes=Count("id", filter=Q(helpful=True)), no=Count("id", filter=Q(helpful=False)),
                               comments=Count("id", filter=~Q(comment="")))
    total = counts["yes"] + counts["no"]
    return {**counts, "total": total, "yes_percent": round(100 * counts["yes"] / total) if total else None,
            "no_percent": round(100 * counts["no"] / total) if total else None}


def feedback_summary(library) -> tuple[list[Article], dict]:
    """Every article with answers, with its yes/no counts; and the whole library's tally."""
    articles = list(Article.objects.filter(library=library).annotate(
        yes=Count("helpful_answers", filter=Q(helpful_answers__helpful=True)),
        no=Count("helpful_answers", filter=Q(helpful_answers__helpful=False)),
        comments=Count("helpful_answers", filter=~Q(helpful_answers__comment="")),
    ).filter(Q(yes__gt=0) | Q(no__gt=0)).order_by("-published_at", "-id"))
    for article in articles:
        total = article.yes + article.no
        article.yes_percent = round(100 * article.yes / total) if total else None
    return articles, tally(HelpfulAnswer.objects.filter(article__library=library))


def record_category_change(library, action: str, category, *, by, request=None) -> None:
    audit.record(f"news.category_{action}", library=library, actor=by, obj=category, request=request)
