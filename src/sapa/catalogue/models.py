"""New arrivals from the library's catalogue: where they come from, what came, each import.

A `CatalogueSource` is an OAI-PMH endpoint (INLISLite, Koha), a SLiMS OPAC's
RSS feed, or "uploads" (MARC, MARCXML or CSV files sent by staff). Each
harvest or upload is an `ImportRun`, which lands whole or not at all; the
titles it brought are `Acquisition`s, one per catalogue identifier and library
(a second harvest updates them instead of adding copies).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    OAI_PMH = "oai_pmh", _("OAI-PMH (INLISLite, Koha)")
    SLIMS_RSS = "slims_rss", _("SLiMS OPAC RSS feed")
    UPLOAD = "upload", _("File upload (MARC, MARCXML, CSV)")


class MetadataPrefix(models.TextChoices):
    OAI_DC = "oai_dc", _("Dublin Core (oai_dc)")
    MARC21 = "marc21", _("MARC 21 (marc21, INLISLite)")
    MARCXML = "marcxml", _("MARCXML (marcxml, Koha)")


class CatalogueSource(models.Model):
    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="catalogue_sources")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=SourceKind.choices, default=SourceKind.OAI_PMH)
    base_url = models.URLField(
        _("address"), max_length=500, blank=True,
        help_text=_("OAI-PMH: the endpoint, e.g. https://opac.example.id/oai or "
                    "https://koha.example.id/cgi-bin/koha/oai.pl. SLiMS: the OPAC's address, "
                    "e.g. https://slims.example.id/. Uploads: leave empty."),
    )
    metadata_prefix = models.CharField(_("metadata format"), max_length=20, choices=MetadataPrefix.choices,
                                       default=MetadataPrefix.OAI_DC, blank=True)
    set_spec = models.CharField(_("set"), max_length=200, blank=True,
                                help_text=_("Optional OAI-PMH set, e.g. dewey:800. Empty: everything."))
    nightly = models.BooleanField(_("harvest every night"), default=True)
    last_harvested_at = models.DateTimeField(_("last harvested"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("catalogue source")
        verbose_name_plural = _("catalogue sources")

    def __str__(self):
        return self.name

    @property
    def can_harvest(self) -> bool:
        return self.kind in (SourceKind.OAI_PMH, SourceKind.SLIMS_RSS) and bool(self.base_url)


class Acquisition(models.Model):
    """One title that arrived in the library's catalogue."""

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="acquisitions")
    source = models.ForeignKey(CatalogueSource, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="acquisitions", verbose_name=_("source"))
    # The catalogue's own id (OAI identifier, MARC 001, the OPAC link) or "isbn:…".
    identifier = models.CharField(_("identifier"), max_length=300)
    title = models.CharField(_("title"), max_length=500)
    authors = models.CharField(_("authors"), max_length=500, blank=True)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    year = models.CharField(_("year"), max_length=10, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=20, blank=True, db_index=True)
    call_number = models.CharField(_("call number"), max_length=100, blank=True)
    cover_url = models.URLField(_("cover"), max_length=500, blank=True)
    subjects = models.JSONField(_("subjects"), default=list, blank=True)
    added_at = models.DateTimeField(_("added"), db_index=True)
    raw = models.JSONField(default=dict, blank=True)
    import_run = models.ForeignKey("ImportRun", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="acquisitions")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-added_at", "-id"]
        verbose_name = _("acquisition")
        verbose_name_plural = _("acquisitions")
        constraints = [models.UniqueConstraint(fields=["library", "identifier"],
                                               name="catalogue_acquisition_unique_identifier")]

    def __str__(self):
        return self.title


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    """One harvest or upload: when, who, how many, and what went wrong."""

    library = models.ForeignKey("libraries.Library", on_delete=models.CASCADE, related_name="catalogue_runs")
    source = models.ForeignKey(CatalogueSource, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="runs")
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    file_name = models.CharField(max_length=255, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    # The starter's language: a harvest job writes its messages in it.
    language = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    # [{"where": "record 3" / "line 7" / "page 2", "reason": "..."}], in the language of whoever started it.
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return self.created_count + self.updated_count
