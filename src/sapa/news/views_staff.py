"""Staff pages of news: articles (list, write, edit, workflow steps, gallery, history and
helpfulness answers), categories, the helpfulness summary, and an event's reports.

Who may do what (members below the role get 404, as everywhere in the staff area):

- staff: write articles, send them for review, add photos, start a report from
  an event, publish or schedule an article an editor approved.
- editor and admin: also approve or ask for changes, edit published articles,
  take them offline, and edit the categories.

Every object is fetched through request.library: another library's article,
photo, category or event answers 404. The rules are in sapa.news.services and
sapa.news.workflow; these views only call them.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sapa.events.models import Event
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view
from sapa.news import report, services, workflow
from sapa.news.forms import ArticleForm, CategoryForm, PhotoForm, ScheduleForm
from sapa.news.models import Article, ArticleState, Category, GalleryPhoto
from sapa.news.text import PhotoError

PAGE_SIZE = 25


def _article(request, article_id) -> Article:
    return get_object_or_404(Article.objects.select_related("library", "category", "author", "editor", "event"),
                             pk=article_id, library=request.library)


def _is_editor(request) -> bool:
    return request.membership.has_role(Role.EDITOR)


def _back(article):
    return redirect("staff-news-article", slug=article.library.slug, article_id=article.pk)


@library_view(Role.STAFF)
def article_list(request):
    services.ensure_default_categories(request.library)
    articles = Article.objects.filter(library=request.library).select_related("category")
    state = request.GET.get("state", "")
    if state in ArticleState.values:
        articles = articles.filter(state=state)
    articles = articles.order_by("-updated_at", "-id")
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "news/staff/list.html", {
        "page": page, "state": state, "states": ArticleState.choices, "is_editor": _is_editor(request),
    })


def _save_form(request, form, article, before=None):
    try:
        services.save_article(article, by=request.user, tags=form.cleaned_data["tags"],
                              cover=form.cleaned_data.get("cover_upload"), request=request, before=before)
    except PhotoError as exc:
        form.add_error("cover_upload", str(exc))
        return False
    return True


@library_view(Role.STAFF)
def article_create(request):
    services.ensure_default_categories(request.library)
    article = Article(library=request.library, author=request.user)
    form = ArticleForm(request.POST or None, request.FILES or None, instance=article, library=request.library,
                       initial={"author": request.user.pk,
                                "category": Category.objects.filter(library=request.library).first()})
    if request.method == "POST" and form.is_valid():
        article = form.save(commit=False)
        if _save_form(request, form, article):
            messages.success(request, _("Draft saved. Send it for review when it is ready."))
            return _back(article)
    return render(request, "news/staff/form.html", {"form": form, "article": None},
                  status=400 if form.errors else 200)


@library_view(Role.STAFF)
def article_edit(request, article_id):
    article = _article(request, article_id)
    if article.state == ArticleState.PUBLISHED and not _is_editor(request):
        raise Http404
    before = services.snapshot(article)
    before_state = article.state
    form = ArticleForm(request.POST or None, request.FILES or None, instance=article, library=request.library)
    if request.method == "POST" and form.is_valid():
        article = form.save(commit=False)
        if _save_form(request, form, article, before=before):
            article.refresh_from_db()
            if article.state == ArticleState.DRAFT and before_state != ArticleState.DRAFT:
                messages.success(request, _("Saved. The change needs an editor's approval again."))
            else:
                messages.success(request, _("Saved."))
            return _back(article)
    return render(request, "news/staff/form.html", {"form": form, "article": article},
                  status=400 if form.errors else 200)


@library_view(Role.STAFF)
def article_detail(request, article_id):
    return _detail_page(request, _article(request, article_id))


def _detail_page(request, article, *, photo_form=None, status=200):
    """The article's staff page; a refused photo is shown in its form with status 400."""
    answers = article.helpful_answers.all()
    return render(request, "news/staff/article.html", {
        "article": article, "body": article.body_html, "photos": article.photos.all(),
        "tags": article.tags.all(), "history": article.revisions.select_related("actor")[:50],
        "is_editor": _is_editor(request), "photo_form": photo_form or PhotoForm(),
        "schedule_form": ScheduleForm(tz_name=request.library.time_zone),
        "tally": services.tally(answers),
        "comments": answers.exclude(comment="").order_by("-commented_at")[:100],
        "tz_name": request.library.time_zone,
    }, status=status)


@library_view(Role.STAFF)
@require_POST
def article_action(request, article_id, action):
    """One workflow step: submit, approve, changes, publish, schedule, unschedule, unpublish."""
    article = _article(request, article_id)
    comment = request.POST.get("comment", "").strip()
    try:
        if action == "submit":
            workflow.submit_for_review(article, by=request.user, request=request)
            messages.success(request, _("Sent to the editors for review."))
        elif action == "approve":
            workflow.approve(article, by=request.user, comment=comment, request=request)
            messages.success(request, _("Approved. It can now be published or scheduled."))
        elif action == "changes":
            workflow.request_changes(article, by=request.user, comment=comment, request=request)
            messages.success(request, _("Sent back to the writer with your comment."))
        elif action == "publish":
            workflow.publish(article, by=request.user, request=request)
            messages.success(request, _("Published."))
        elif action == "schedule":
            form = ScheduleForm(request.POST, tz_name=request.library.time_zone)
            if not form.is_valid():
                for error in form.errors.get("at", []):
                    messages.error(request, error)
                return _back(article)
            workflow.publish(article, by=request.user, at=form.cleaned_data["at"], request=request)
            messages.success(request, _("Scheduled."))
        elif action == "unschedule":
            workflow.unschedule(article, by=request.user, request=request)
            messages.success(request, _("Taken off the schedule; it stays approved."))
        elif action == "unpublish":
            workflow.unpublish(article, by=request.user, request=request)
            messages.success(request, _("Taken off the public site; it is a draft again."))
        else:
            raise Http404
    except PermissionDenied:
        messages.error(request, _("An editor must do this."))
    except workflow.InvalidTransition:
        messages.error(request, _("This step is not possible in the article's current state "
                                  "(someone may have changed it meanwhile)."))
    except ValueError as exc:
        messages.error(request, str(exc))
    return _back(article)


@library_view(Role.STAFF)
@require_POST
def photo_add(request, article_id):
    article = _article(request, article_id)
    if article.state == ArticleState.PUBLISHED and not _is_editor(request):
        raise Http404
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_photo(article, form.cleaned_data["image"], by=request.user,
                               caption=form.cleaned_data["caption"], credit=form.cleaned_data["credit"],
                               request=request)
        except PhotoError as exc:
            form.add_error("image", str(exc))
        else:
            messages.success(request, _("Photo added to the gallery."))
            return _back(article)
    return _detail_page(request, article, photo_form=form, status=400)


@library_view(Role.STAFF)
@require_POST
def photo_remove(request, article_id, photo_id):
    article = _article(request, article_id)
    if article.state == ArticleState.PUBLISHED and not _is_editor(request):
        raise Http404
    photo = get_object_or_404(GalleryPhoto, pk=photo_id, article=article)
    services.remove_photo(photo, by=request.user, request=request)
    messages.success(request, _("Photo removed."))
    return _back(article)


@library_view(Role.STAFF)
@require_POST
def cover_remove(request, article_id):
    article = _article(request, article_id)
    if article.state == ArticleState.PUBLISHED and not _is_editor(request):
        raise Http404
    services.remove_cover(article, by=request.user, request=request)
    messages.success(request, _("Cover photo removed."))
    return _back(article)


@library_view(Role.STAFF)
def feedback(request):
    """Helpfulness across the library's articles."""
    articles, total = services.feedback_summary(request.library)
    return render(request, "news/staff/feedback.html", {"articles": articles, "total": total})


@library_view(Role.EDITOR)
def categories(request):
    library = request.library
    services.ensure_default_categories(library)
    form = CategoryForm(request.POST or None, library=library, prefix="new")
    if request.method == "POST":
        delete_id = request.POST.get("delete")
        if delete_id:
            category = get_object_or_404(Category, pk=delete_id, library=library)
            if category.articles.exists():
                messages.error(request, _("%(name)s still has articles; move them to another category first.")
                               % {"name": category.name})
            else:
                services.record_category_change(library, "deleted", category, by=request.user, request=request)
                category.delete()
                messages.success(request, _("Category deleted."))
            return redirect("staff-news-categories", slug=library.slug)
        rename_id = request.POST.get("rename")
        if rename_id:
            category = get_object_or_404(Category, pk=rename_id, library=library)
            rename = CategoryForm({"name": request.POST.get("name", ""), "position": category.position},
                                  instance=category, library=library)
            if rename.is_valid():
                rename.save()
                services.record_category_change(library, "renamed", category, by=request.user, request=request)
                messages.success(request, _("Category renamed."))
            else:
                for error in rename.errors.get("name", []):
                    messages.error(request, error)
            return redirect("staff-news-categories", slug=library.slug)
        if form.is_valid():

            category = form.save(commit=False)
            category.library = library
            category.slug = slugify(category.name)[:60]
            category.save()
            services.record_category_change(library, "created", category, by=request.user, request=request)
            messages.success(request, _("Category added."))
            return redirect("staff-news-categories", slug=library.slug)
    return render(request, "news/staff/categories.html", {
        "form": form, "categories": Category.objects.filter(library=library),
    })


@library_view(Role.STAFF)
def event_reports(request, event_id):
    """An event's reports, and the button that starts one with the event's facts filled in."""
    event = get_object_or_404(Event.objects.select_related("library"), pk=event_id, library=request.library)
    if request.method == "POST":
        article = report.start_report(event, by=request.user, request=request)
        messages.success(request, _("A draft report was written from the event's numbers. Check it, add "
                                    "photos, then send it for review."))
        return redirect("staff-news-edit", slug=request.library.slug, article_id=article.pk)
    return render(request, "news/staff/event_reports.html", {
        "event": event, "articles": event.news_articles.filter(library=request.library).order_by("-created_at"),
    })

