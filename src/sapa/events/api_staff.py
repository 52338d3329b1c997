"""Staff event endpoints: registrations list and export, within the token owner's libraries.

A library that the token's owner is not a member of, and any event outside it,
answers 404 (the one error body), as the staff pages do. Listing and export
both hand out participants' personal data in bulk, so both need editor or
admin, like the export button (a member below that gets 403, since they
already know the event exists), and both write the audit entry
`registrations.exported` (the list with format "api-list" and the page).
"""

from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from ninja import Field as NinjaField
from ninja import Query, Router, Schema

from sapa.api.errors import ApiError
from sapa.api.types import Day, IdOrZero, Text
from sapa.events import exports
from sapa.events.models import Event, RegistrationStatus
from sapa.libraries.models import Membership, Role

router = Router(tags=["events (staff)"])

MAX_PAGE_SIZE = 500


class RegistrationOut(Schema):
    id: int
    status: str
    name: str
    email: str
    whatsapp: str
    institution: str
    category: str | None
    category_id: int | None
    answers: dict[str, Any]
    source: str
    channel: str
    created_at: datetime
    confirmed_at: datetime | None
    waitlisted_at: datetime | None
    cancelled_at: datetime | None


class RegistrationPage(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    results: list[RegistrationOut]


class RegistrationFilters(Schema):
    status: str = NinjaField("", description="confirmed, waitlisted, cancelled or active (the first two)")
    category: IdOrZero | None = NinjaField(None, description="a category id; 0 for no category")
    q: Text = NinjaField("", description="search in name, email, institution and WhatsApp number")
    date_from: Day | None = NinjaField(None, description="registered on or after (event's local day)")
    date_to: Day | None = NinjaField(None, description="registered on or before (event's local day)")


class ErrorBody(Schema):
    error: dict[str, Any]


def _event(request, slug: str, event_slug: str, role: str = Role.STAFF) -> Event:
    membership = get_object_or_404(Membership.objects.select_related("library"), user=request.auth,
                                   library__slug=slug)
    event = get_object_or_404(Event.objects.select_related("library"), library=membership.library,
                              slug=event_slug)
    if not membership.has_role(role):
        from django.utils.translation import gettext as _

        raise ApiError(403, "forbidden", _("Listing or exporting registrations needs the editor or admin role."))
    return event


def _query(event, filters: RegistrationFilters):
    if filters.status and filters.status not in (*RegistrationStatus.values, "active"):
        from django.utils.translation import gettext as _

        raise ApiError(400, "bad_request", _("Unknown status: use confirmed, waitlisted, cancelled or active."))
    return exports.registrations_query(event, **filters.dict())


def _out(r) -> RegistrationOut:
    return RegistrationOut(
        id=r.pk, status=r.status, name=r.name, email=r.email, whatsapp=r.whatsapp,
        institution=r.institution, category=r.category.name if r.category else None,
        category_id=r.category_id, answers=r.answers or {}, source=r.source, channel=r.channel,
        created_at=r.created_at, confirmed_at=r.confirmed_at, waitlisted_at=r.waitlisted_at,
        cancelled_at=r.cancelled_at,
    )


@router.get("/libraries/{slug}/events/{event_slug}/registrations", response=RegistrationPage,
            summary="An event's registrations, paginated and filtered")
def list_registrations(request, slug: str, event_slug: str, filters: Query[RegistrationFilters],
                       page: int = 1, page_size: int = 100):
    event = _event(request, slug, event_slug, role=Role.EDITOR)
    page_size = min(max(page_size, 1), MAX_PAGE_SIZE)
    paginator = Paginator(_query(event, filters).select_related("category").order_by("id"), page_size)
    current = paginator.get_page(page)
    exports.record_export(event, "api-list", rows=len(current.object_list), request=request, via="api",
                          filters={k: str(v) for k, v in filters.dict().items() if v not in (None, "")},
                          page=current.number)
    return RegistrationPage(count=paginator.count, page=current.number, pages=paginator.num_pages,
                            page_size=page_size, results=[_out(r) for r in current])


@router.get("/libraries/{slug}/events/{event_slug}/registrations/export",
            response={200: None, 403: ErrorBody},
            summary="Export an event's registrations (CSV or XLSX), streamed",
            description="`format`: `csv` (comma), `csv-semicolon` (for Excel in Indonesian) or `xlsx`. "
                        "The same filters as the list. Each export is written to the audit log.")
def export_registrations(request, slug: str, event_slug: str, filters: Query[RegistrationFilters],
                         format: str = "csv"):  # noqa: A002 (the query parameter's public name)
    event = _event(request, slug, event_slug, role=Role.EDITOR)
    if format not in exports.FORMATS:
        from django.utils.translation import gettext as _

        raise ApiError(400, "bad_request", _("Unknown format: use csv, csv-semicolon or xlsx."))
    qs = _query(event, filters)
    return exports.export_response(event, qs, format, request=request, via="api",
                                   filters={k: str(v) for k, v in filters.dict().items() if v not in (None, "")})
