"""Fetching new titles from a catalogue over HTTP: OAI-PMH ListRecords and SLiMS's RSS feed.

Requests go through sapa.core.outbound: only public addresses (or the ranges the
admin allowed), at most a few redirects, each checked; a resumption page goes to the
configured address again. Every request has a timeout and every answer a size cap.
The whole harvest is fetched first and returned as a list, so the caller can store it
in one transaction or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.timezone import make_aware
from django.utils.translation import gettext as _

from sapa.catalogue import parsers
from sapa.catalogue.models import CatalogueSource, MetadataPrefix, SourceKind
from sapa.core import outbound

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
MAX_PAGES = 1000
MAX_RESPONSE_BYTES = 20 * 1024 * 1024


class HarvestError(Exception):
    """The harvest cannot go on; `message` says why, in the user's language."""

    def __init__(self, message: str, *, where: str = ""):
        super().__init__(message)
        self.message = message
        self.where = where


@dataclass
class Harvest:
    items: list[parsers.Item]
    pages: int = 0
    deleted: int = 0


def _client() -> httpx.Client:
    timeout = getattr(settings, "CATALOGUE_HTTP_TIMEOUT", 30)
    return outbound.client(timeout=httpx.Timeout(timeout, connect=10),
                           headers={"User-Agent": "Sapa (library new arrivals)"})


def _get(client: httpx.Client, url: str, params: dict | None, *, where: str) -> bytes:
    try:
        response = outbound.send(client, "GET", url, params=params, max_redirects=outbound.MAX_REDIRECTS)
    except outbound.OutboundError as exc:
        raise HarvestError(exc.message, where=where) from None
    if response.is_redirect:
        raise HarvestError(_("The catalogue keeps redirecting. Check the address."), where=where)
    if response.status_code != 200:
        raise HarvestError(_("The catalogue answered with HTTP status %(status)d.")
                           % {"status": response.status_code}, where=where)
    if len(response.content) > MAX_RESPONSE_BYTES:
        raise HarvestError(_("The catalogue's answer is larger than 20 MB."), where=where)
    return response.content


OAI_ERROR_MESSAGES = {
    "badArgument": lambda: _("The catalogue refused the request's arguments (badArgument)."),
    "badResumptionToken": lambda: _("The catalogue no longer accepts the page token (badResumptionToken): "
                                    "it may have expired. Harvest again."),
    "badVerb": lambda: _("This address does not speak OAI-PMH (badVerb). Check the address."),
    "cannotDisseminateFormat": lambda: _("The catalogue does not offer this metadata format "
                                         "(cannotDisseminateFormat). Choose another one."),
    "noSetHierarchy": lambda: _("The catalogue has no sets (noSetHierarchy). Leave the set empty."),
    "idDoesNotExist": lambda: _("The catalogue does not know the requested record (idDoesNotExist)."),
}


def _from_value(source: CatalogueSource) -> str | None:
    """`from` for an incremental harvest: the day of the last one (day granularity is what every
    repository accepts; re-reading that day's records only updates them)."""
    if not source.last_harvested_at:
        return None
    return source.last_harvested_at.astimezone(UTC).strftime("%Y-%m-%d")


def _header_datestamp(text: str):
    text = (text or "").strip()
    moment = parse_datetime(text.replace("Z", "+00:00")) if "T" in text else None
    if moment is None:
        day = parse_date(text[:10]) if text else None
        if day is None:
            return None
        moment = datetime(day.year, day.month, day.day)
    if moment.tzinfo is None:
        moment = make_aware(moment, UTC)
    return moment


def harvest_oai(source: CatalogueSource) -> Harvest:
    """All records of a ListRecords harvest, following resumption tokens to the last page."""
    prefix = source.metadata_prefix or MetadataPrefix.OAI_DC
    params = {"verb": "ListRecords", "metadataPrefix": prefix}
    if source.set_spec:
        params["set"] = source.set_spec
    since = _from_value(source)
    if since:
        params["from"] = since
    result = Harvest(items=[])
    seen_tokens = set()
    with _client() as client:
        while True:
            result.pages += 1
            where = _("page %(n)d") % {"n": result.pages}
            root = _parse_oai(_get(client, source.base_url, params, where=where), where)
            error = root.find(f"{{{OAI_NS}}}error")
            if error is not None:
                code = error.get("code", "")
                if code == "noRecordsMatch":
                    break
                message = OAI_ERROR_MESSAGES.get(code)
                text = message() if message else _("The catalogue answered with an OAI-PMH error: %(code)s.") \
                    % {"code": code or "?"}
                detail = (error.text or "").strip()
                raise HarvestError(f"{text} {detail}".strip() if detail and not message else text, where=where)
            list_records = root.find(f"{{{OAI_NS}}}ListRecords")
            if list_records is None:
                raise HarvestError(_("The answer is not an OAI-PMH ListRecords response."), where=where)
            for number, record in enumerate(list_records.findall(f"{{{OAI_NS}}}record"), 1):
                item = _oai_item(record, prefix)
                if item is None:
                    result.deleted += 1
                elif not item.title:
                    raise HarvestError(_("Record %(n)d (%(id)s) has no title.")
                                       % {"n": number, "id": item.identifier}, where=where)
                else:
                    result.items.append(item)
            token_el = list_records.find(f"{{{OAI_NS}}}resumptionToken")
            token = (token_el.text or "").strip() if token_el is not None else ""
            if not token:
                break
            if token in seen_tokens or result.pages >= MAX_PAGES:
                raise HarvestError(_("The catalogue keeps sending the same page token; the harvest was "
                                     "stopped."), where=where)
            seen_tokens.add(token)
            # resumptionToken is an exclusive argument: nothing else goes with it but the verb.
            params = {"verb": "ListRecords", "resumptionToken": token}
    return result


def _parse_oai(data: bytes, where: str):
    try:
        root = parsers.parse_xml(data)
    except parsers.ParseError as exc:
        raise HarvestError(exc.problems[0].reason, where=where) from None
    if root.tag != f"{{{OAI_NS}}}OAI-PMH":
        raise HarvestError(_("The answer is not an OAI-PMH document. Check the address."), where=where)
    return root


def _oai_item(record, prefix: str) -> parsers.Item | None:
    header = record.find(f"{{{OAI_NS}}}header")
    if header is None:
        return None
    if header.get("status") == "deleted":
        return None
    identifier = (header.findtext(f"{{{OAI_NS}}}identifier") or "").strip()
    added_at = _header_datestamp(header.findtext(f"{{{OAI_NS}}}datestamp") or "")
    metadata = record.find(f"{{{OAI_NS}}}metadata")
    payload = next((child for child in metadata if isinstance(child.tag, str)), None) \
        if metadata is not None else None
    if payload is None:
        return parsers.Item(identifier=identifier, title="")
    if prefix == MetadataPrefix.OAI_DC:
        item = parsers.item_from_dc(payload, identifier=identifier, added_at=added_at)
    else:
        item = parsers.item_from_marc(parsers.marc_from_xml(payload), identifier=identifier, added_at=added_at)
    item.raw = {"oai_identifier": identifier, "datestamp": header.findtext(f"{{{OAI_NS}}}datestamp"),
                "metadata": item.raw}
    return item


def slims_feed_url(base_url: str) -> str:
    """The OPAC's RSS address: as given when it already asks for rss=true, else the OPAC's search as RSS."""
    parts = urlsplit(base_url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    if query.get("rss") == "true":
        return base_url
    path = parts.path if parts.path.endswith(".php") else parts.path.rstrip("/") + "/index.php"
    query.update({"search": "search", "keywords": "", "rss": "true"})
    return urlunsplit((parts.scheme, parts.netloc, path, urlencode(query), ""))


def harvest_slims(source: CatalogueSource) -> Harvest:
    """The titles of a SLiMS OPAC's RSS feed (its newest entries)."""
    with _client() as client:
        data = _get(client, slims_feed_url(source.base_url), None, where=_("feed"))
    try:
        items = parsers.parse_slims_rss(data, source.base_url)
    except parsers.ParseError as exc:
        raise HarvestError(exc.problems[0].reason, where=exc.problems[0].where) from None
    return Harvest(items=items, pages=1)


def harvest(source: CatalogueSource) -> Harvest:
    if source.kind == SourceKind.OAI_PMH:
        return harvest_oai(source)
    if source.kind == SourceKind.SLIMS_RSS:
        return harvest_slims(source)
    raise HarvestError(_("This source takes uploaded files; there is nothing to harvest."))
