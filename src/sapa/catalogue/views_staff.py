"""Staff pages of new arrivals: recent acquisitions (search, draft posts), sources, harvests, uploads.

Roles: every staff member sees the titles, harvests, uploads and makes draft
posts (posts still go through review); editors add and change sources.
Every object is fetched through request.library: another library's id is a 404.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from sapa.catalogue import services, tasks
from sapa.catalogue.forms import DraftPostsForm, SourceForm, UploadForm
from sapa.catalogue.models import Acquisition, CatalogueSource, ImportRun, RunStatus
from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view

PAGE_SIZE = 50


def _source(request, source_id) -> CatalogueSource:
    return get_object_or_404(CatalogueSource, pk=source_id, library=request.library)


@library_view(Role.STAFF)
def acquisitions(request):
    query = request.GET.get("q", "").strip()
    rows = Acquisition.objects.filter(library=request.library).select_related("source")
    if query:
        rows = rows.filter(Q(title__icontains=query) | Q(authors__icontains=query) | Q(isbn__icontains=query)
                           | Q(call_number__icontains=query) | Q(publisher__icontains=query))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "catalogue/acquisitions.html", {"page": page, "q": query})


@library_view(Role.STAFF)
def draft_posts(request):
    """Chosen titles (?a=1&a=2 from the list) + a template + channels → draft posts."""
    qs = Acquisition.objects.filter(library=request.library)
    data = request.POST if request.method == "POST" else None
    initial = {"acquisitions": qs.filter(pk__in=[v for v in request.GET.getlist("a") if v.isdigit()])}
    form = DraftPostsForm(data, initial=initial, library=request.library, acquisitions_qs=qs)
    if request.method != "POST":
        chosen = initial["acquisitions"]
        form.fields["acquisitions"].queryset = chosen if chosen.exists() else qs[:PAGE_SIZE]
    if request.method == "POST" and form.is_valid():
        posts = services.make_draft_posts(
            request.library, list(form.cleaned_data["acquisitions"]), form.cleaned_data["template"],
            list(form.cleaned_data["channels"]), by=request.user, request=request)
        messages.success(request, ngettext(
            "%(n)d draft post was made. Check it and send it for review.",
            "%(n)d draft posts were made. Check them and send them for review.", len(posts)) % {"n": len(posts)})
        return redirect("catalogue-acquisitions", slug=request.library.slug)
    return render(request, "catalogue/draft_posts.html", {"form": form})


@library_view(Role.STAFF)
def sources(request):
    rows = list(CatalogueSource.objects.filter(library=request.library))
    for source in rows:
        source.latest_run = source.runs.order_by("-created_at", "-id").first()
    runs = ImportRun.objects.filter(library=request.library).select_related("source", "started_by")[:20]
    return render(request, "catalogue/sources.html", {
        "sources": rows, "runs": runs, "can_edit": request.membership.has_role(Role.EDITOR),
    })


@library_view(Role.EDITOR)
def source_form(request, source_id=None):
    source = _source(request, source_id) if source_id else None
    form = SourceForm(request.POST or None, instance=source)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save(commit=False)
            saved.library = request.library
            saved.save()
            audit.record("catalogue.source_saved" if source else "catalogue.source_created",
                         library=request.library, obj=saved, request=request, fields=sorted(form.changed_data))
        messages.success(request, _("Saved."))
        return redirect("catalogue-sources", slug=request.library.slug)
    return render(request, "catalogue/source_form.html", {"form": form, "source": source})


@library_view(Role.STAFF)
@require_POST
def source_harvest(request, source_id):
    source = _source(request, source_id)
    if not source.can_harvest:
        messages.error(request, _("This source takes uploaded files; there is nothing to harvest."))
        return redirect("catalogue-sources", slug=request.library.slug)
    with transaction.atomic():
        run = tasks.start_harvest(source, by=request.user, request=request)
    return redirect("catalogue-run", slug=request.library.slug, run_id=run.pk)


@library_view(Role.STAFF)
def run_detail(request, run_id):
    run = get_object_or_404(ImportRun.objects.select_related("source", "started_by"), pk=run_id,
                            library=request.library)
    template = "catalogue/_run.html" if request.headers.get("HX-Request") else "catalogue/run.html"
    return render(request, template, {"run": run})


@library_view(Role.STAFF)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        run = services.import_file(request.library, upload_file.read(), file_name=upload_file.name,
                                   fmt=form.cleaned_data["format"], by=request.user, request=request)
        if run.status == RunStatus.DONE:
            messages.success(request, _("%(new)d new titles, %(updated)d updated.")
                             % {"new": run.created_count, "updated": run.updated_count})
            return redirect("catalogue-run", slug=request.library.slug, run_id=run.pk)
        return render(request, "catalogue/upload.html", {"form": UploadForm(), "run": run}, status=400)
    return render(request, "catalogue/upload.html", {"form": form, "run": None},
                  status=400 if form.errors else 200)
