"""Staff pages of social media: the media library, the manual to-dos, hashtag sets and
post templates.

Who may do what, and how objects are fetched: see views_common.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from sapa.core.uploads import content_disposition_inline
from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view
from sapa.social.forms import HashtagSetForm, MediaUploadForm, PostTemplateForm
from sapa.social.media import MediaError, add_media
from sapa.social.models import (
    HashtagSet,
    ManualTask,
    MediaItem,
    MediaKind,
    PostTemplate,
    PostVariant,
    VariantState,
)

S = VariantState


# --- Media ---------------------------------------------------------------------------------------

@library_view(Role.STAFF)
def media_library(request):
    form = MediaUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            item = add_media(request.library, form.cleaned_data["file"],
                             alt_text=form.cleaned_data["alt_text"].strip(), uploaded_by=request.user)
        except MediaError as exc:
            form.add_error("file", str(exc))
        else:
            audit.record("social.media_added", library=request.library, obj=item, request=request)
            messages.success(request, _("Added to the media library."))
            return redirect("social-media", slug=request.library.slug)
    items = Paginator(MediaItem.objects.filter(library=request.library), 40).get_page(request.GET.get("page"))
    return render(request, "social/staff/media.html", {"form": form, "page": items},
                  status=400 if form.errors else 200)


@library_view(Role.STAFF)
def media_file(request, media_id):
    """A media item's file, to the library's staff only (to look at, or to download for a manual post)."""
    item = get_object_or_404(MediaItem, pk=media_id, library=request.library)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    inline = content_disposition_inline(item.mime_type)
    response = FileResponse(handle, as_attachment="download" in request.GET or not inline,
                            filename=item.original_name or None,
                            content_type=item.mime_type if inline else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Manual to-dos -------------------------------------------------------------------------------

@library_view(Role.STAFF)
def todos(request):
    tasks = ManualTask.objects.filter(library=request.library).select_related(
        "variant__channel", "variant__post", "assigned_to")
    open_tasks = list(tasks.filter(done_at__isnull=True).order_by("due_at"))
    for task in open_tasks:
        task.media = task.variant.ordered_media()
    done = tasks.filter(done_at__gte=timezone.now() - timedelta(days=14)).order_by("-done_at")[:20]
    # Posts that did not go out (refused, or "check by hand"): a to-do until someone retries or settles them.
    stuck = PostVariant.objects.filter(post__library=request.library, state__in=[S.FAILED, S.NEEDS_CHECK]) \
        .select_related("channel", "post").order_by("-updated_at")[:50]
    return render(request, "social/staff/todos.html", {"open_tasks": open_tasks, "done_tasks": done,
                                                        "stuck": stuck, "video": MediaKind.VIDEO})


# --- Hashtag sets and post templates (editors and admins) --------------------------------------

# kind -> (model, form, list URL name, edit URL name, delete URL name, audit prefix, labels)
_LIBRARY_OBJECTS = {
    "hashtags": {
        "model": HashtagSet, "form": HashtagSetForm, "list": "social-hashtags", "edit": "social-hashtag-edit",
        "create": "social-hashtag-create", "delete": "social-hashtag-delete", "audit": "social.hashtag_set",
        "title": gettext_lazy("Hashtag sets"), "new": gettext_lazy("New hashtag set"),
        "empty": gettext_lazy("No hashtag set yet."), "saved": gettext_lazy("Hashtag set saved."),
        "deleted": gettext_lazy("Hashtag set deleted."),
        "confirm": gettext_lazy("Delete the hashtag set “%(name)s”?"),
    },
    "templates": {
        "model": PostTemplate, "form": PostTemplateForm, "list": "social-templates",
        "edit": "social-template-edit", "create": "social-template-create", "delete": "social-template-delete",
        "audit": "social.post_template",
        "title": gettext_lazy("Post templates"), "new": gettext_lazy("New post template"),
        "empty": gettext_lazy("No post template yet."), "saved": gettext_lazy("Post template saved."),
        "deleted": gettext_lazy("Post template deleted."),
        "confirm": gettext_lazy("Delete the post template “%(name)s”?"),
    },
}


def _object_form(request, kind, data=None, instance=None):
    cfg = _LIBRARY_OBJECTS[kind]
    kwargs = {"library": request.library} if cfg["form"] is PostTemplateForm else {}
    return cfg["form"](data, instance=instance, **kwargs)


def _object_list(request, kind):
    cfg = _LIBRARY_OBJECTS[kind]
    rows = list(cfg["model"].objects.filter(library=request.library))
    for row in rows:
        row.edit_url = reverse(cfg["edit"], kwargs={"slug": request.library.slug, "object_id": row.pk})
        row.delete_url = reverse(cfg["delete"], kwargs={"slug": request.library.slug, "object_id": row.pk})
        row.summary = row.as_text() if kind == "hashtags" else row.text
    return render(request, "social/staff/objects.html", {
        "cfg": cfg, "kind": kind, "rows": rows,
        "create_url": reverse(cfg["create"], kwargs={"slug": request.library.slug})})


def _object_edit(request, kind, object_id=None):
    cfg = _LIBRARY_OBJECTS[kind]
    obj = (get_object_or_404(cfg["model"], pk=object_id, library=request.library)
           if object_id is not None else None)
    form = _object_form(request, kind, request.POST if request.method == "POST" else None, obj)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            item = form.save(commit=False)
            item.library = request.library
            item.save()
            audit.record(cfg["audit"] + ("_changed" if obj else "_created"), library=request.library,
                         obj=item, request=request, fields=sorted(form.changed_data))
        messages.success(request, str(cfg["saved"]))
        return redirect(cfg["list"], slug=request.library.slug)
    return render(request, "social/staff/object_form.html", {
        "cfg": cfg, "kind": kind, "form": form, "object": obj,
        "list_url": reverse(cfg["list"], kwargs={"slug": request.library.slug})},
        status=400 if form.errors else 200)


def _object_delete(request, kind, object_id):
    """GET: a page asking to confirm (works without JavaScript); POST: delete, audited."""
    cfg = _LIBRARY_OBJECTS[kind]
    obj = get_object_or_404(cfg["model"], pk=object_id, library=request.library)
    if request.method != "POST":
        used_by = list(obj.templates.filter(library=request.library)) if kind == "hashtags" else []
        return render(request, "social/staff/object_delete.html", {
            "cfg": cfg, "kind": kind, "object": obj, "used_by": used_by,
            "question": cfg["confirm"] % {"name": obj.name},
            "summary": obj.as_text() if kind == "hashtags" else obj.text,
            "list_url": reverse(cfg["list"], kwargs={"slug": request.library.slug})})
    with transaction.atomic():
        audit.record(cfg["audit"] + "_deleted", library=request.library, obj=obj, request=request, name=obj.name)
        obj.delete()
    messages.success(request, str(cfg["deleted"]))
    return redirect(cfg["list"], slug=request.library.slug)


@library_view(Role.EDITOR)
def hashtag_list(request):
    return _object_list(request, "hashtags")


@library_view(Role.EDITOR)
def hashtag_create(request):
    return _object_edit(request, "hashtags")


@library_view(Role.EDITOR)
def hashtag_edit(request, object_id):
    return _object_edit(request, "hashtags", object_id)


@require_http_methods(["GET", "POST"])
@library_view(Role.EDITOR)
def hashtag_delete(request, object_id):
    return _object_delete(request, "hashtags", object_id)


@library_view(Role.EDITOR)
def template_list(request):
    return _object_list(request, "templates")


@library_view(Role.EDITOR)
def template_create(request):
    return _object_edit(request, "templates")


@library_view(Role.EDITOR)
def template_edit(request, object_id):
    return _object_edit(request, "templates", object_id)


@require_http_methods(["GET", "POST"])
@library_view(Role.EDITOR)
def template_delete(request, object_id):
    return _object_delete(request, "templates", object_id)
