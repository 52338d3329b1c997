"""The library's outbox page (sapa.mail keeps the emails; this staff page is the library's)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sapa.libraries import audit
from sapa.libraries.models import Role
from sapa.libraries.tenancy import library_view
from sapa.mail import services
from sapa.mail.models import Email, EmailState


@library_view(Role.EDITOR)
def outbox(request):
    """The library's emails and their state: what went out, what waits, what failed."""
    emails = Email.objects.filter(library=request.library).only(
        "id", "to", "subject", "state", "attempts", "created_at", "sent_at", "last_error", "next_attempt_at"
    )
    state = request.GET.get("state", "")
    if state in EmailState.values:
        emails = emails.filter(state=state)
    page = Paginator(emails, 50).get_page(request.GET.get("page"))
    return render(request, "mail/outbox.html", {"page": page, "state": state, "states": EmailState.choices})


@library_view(Role.EDITOR)
@require_POST
def outbox_retry(request, email_id):
    email = get_object_or_404(Email, pk=email_id, library=request.library,
                              state__in=[EmailState.FAILED, EmailState.UNCERTAIN])
    services.retry_now(email)
    audit.record("email.retried", library=request.library, obj=email, request=request)
    messages.success(request, _("The email will be sent again."))
    return redirect("library-outbox", slug=request.library.slug)
