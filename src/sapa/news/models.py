"""News and reports: articles with their categories, tags, photo gallery, history of
changes, and the visitors' "Apakah informasi di atas cukup membantu?" answers.

The article's states and the allowed moves between them are listed once, in
sapa.news.workflow.TRANSITIONS.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The categories every library starts with (editable per library).
DEFAULT_CATEGORIES = [("terkini", "Terkini"), ("opini", "Opini"), ("pengumuman", "Pengumuman")]


def cover_path(instance, filename):
    return f"news/{instance.library_id}/covers/{filename}"


def gallery_path(instance, filename):
    return f"news/{instance.article.library_id}/gallery/{filename}"


class Category(models.Model):
    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="news_categories")
    name = models.CharField(_("name"), max_length=60)
    slug = models.SlugField(_("address"), max_length=60)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("news category")
        verbose_name_plural = _("news categories")
        constraints = [models.UniqueConstraint(fields=["library", "slug"], name="news_category_unique_slug")]

    def __str__(self):
        return self.name


class Tag(models.Model):
    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="news_tags")
    name = models.CharField(_("name"), max_length=50)
    slug = models.SlugField(max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["library", "slug"], name="news_tag_unique_slug")]

    def __str__(self):
        return self.name


class ArticleState(models.TextChoices):
    """The life of an article. Allowed changes: sapa.news.workflow.TRANSITIONS."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    SCHEDULED = "scheduled", _("Scheduled")
    PUBLISHED = "published", _("Published")


class Article(models.Model):
    """A news item or an event report of one library.

    `body` is the Markdown the staff write; `body_html` is its sanitized HTML
    (sapa.news.text.render_body), written on every save by the services so the
    public page never renders Markdown.
    """

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="articles")
    slug = models.SlugField(_("address"), max_length=120)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("lead"), max_length=500, blank=True,
                               help_text=_("One or two sentences: shown in lists, feeds and shared links."))
    body = models.TextField(_("text"), blank=True)
    body_html = models.TextField(blank=True, editable=False)
    cover = models.ImageField(_("cover photo"), upload_to=cover_path, blank=True)
    cover_alt = models.CharField(_("cover photo description"), max_length=250, blank=True)
    cover_credit = models.CharField(_("photo credit"), max_length=150, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("author (staff account)"))
    author_name = models.CharField(_("author (name)"), max_length=150, blank=True)
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("editor (staff account)"))
    editor_name = models.CharField(_("editor (name)"), max_length=150, blank=True)
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="articles", verbose_name=_("category"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name=_("tags"))
    event = models.ForeignKey("events.Event", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="news_articles", verbose_name=_("event"))
    state = models.CharField(_("status"), max_length=12, choices=ArticleState.choices,
                             default=ArticleState.DRAFT, db_index=True)
    scheduled_at = models.DateTimeField(_("publish at"), null=True, blank=True, db_index=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-created_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [models.UniqueConstraint(fields=["library", "slug"], name="news_article_unique_slug")]
        indexes = [models.Index(fields=["library", "state", "published_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("news-article", kwargs={"library_slug": self.library.slug, "slug": self.slug})

    @property
    def author_label(self) -> str:
        if self.author_name:
            return self.author_name
        return self.author.display_name if self.author else ""

    @property
    def editor_label(self) -> str:
        if self.editor_name:
            return self.editor_name
        return self.editor.display_name if self.editor else ""

    @property
    def is_published(self) -> bool:
        return self.state == ArticleState.PUBLISHED


# What each revision's action means, for the history on the staff page.
ACTION_LABELS = {
    "created": _("Created"),
    "edited": _("Edited"),
    "submitted_for_review": _("Sent for review"),
    "approved": _("Approved"),
    "changes_requested": _("Changes asked for"),
    "scheduled": _("Scheduled"),
    "rescheduled": _("Rescheduled"),
    "unscheduled": _("Taken off the schedule"),
    "published": _("Published"),
    "unpublished": _("Taken offline"),
    "photo_added": _("Photo added"),
    "photo_removed": _("Photo removed"),
    "cover_removed": _("Cover photo removed"),
}


class ArticleRevision(models.Model):
    """One change of an article: who, what (the fields changed, or the workflow step), a comment."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=40)
    changes = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)
    state = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.article_id} {self.action}"

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.action, self.action)


class GalleryPhoto(models.Model):
    """A photo of the article's gallery, resized on upload, with its caption and credit."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to=gallery_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    credit = models.CharField(_("photo credit"), max_length=150, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.caption or self.image.name


class HelpfulAnswer(models.Model):
    """One visitor's answer to "Apakah informasi di atas cukup membantu?" for one article.

    A visitor is a random id in a long-lived cookie (no login, no personal
    data); the unique constraint makes a second answer impossible, even when
    two submits race.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="helpful_answers")
    visitor_id = models.CharField(max_length=64)
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    commented_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["article", "visitor_id"], name="news_one_answer_per_visitor")]

    def __str__(self):
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"
