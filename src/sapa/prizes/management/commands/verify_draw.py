"""`sapa verify-draw <URL or JSON file>`: recompute a draw from its published data.

Reads the public draw page (its JSON is linked from it as rel="alternate"), the
JSON itself, or a saved JSON file; recomputes the commitment from the seed and
the winners from the seed and the sorted entries (sapa.prizes.draw, written
down in docs/draw-algorithm.md); prints OK, or each difference and exits 1.
Needs no database.
"""

import json
import re
from pathlib import Path
from urllib.parse import urljoin

import httpx
from django.core.management.base import BaseCommand, CommandError

from sapa.prizes import draw as algorithm

ALTERNATE = re.compile(
    r"<link\b[^>]*\brel=[\"']alternate[\"'][^>]*\btype=[\"']application/json[\"'][^>]*\bhref=[\"']([^\"']+)"
    r"|<link\b[^>]*\btype=[\"']application/json[\"'][^>]*\bhref=[\"']([^\"']+)", re.I)


def load(source: str, *, client: httpx.Client | None = None) -> dict:
    """The published data of a draw from a URL (page or JSON) or a file."""
    if source.startswith(("http://", "https://")):
        own = client is None
        client = client or httpx.Client(timeout=20, follow_redirects=True)
        try:
            response = client.get(source)
            response.raise_for_status()
            if "json" not in response.headers.get("content-type", ""):
                found = ALTERNATE.search(response.text)
                if not found:
                    raise CommandError(f"{source}: no published JSON found on this page")
                response = client.get(urljoin(source, found.group(1) or found.group(2)))
                response.raise_for_status()
            return response.json()
        except httpx.HTTPError as exc:
            raise CommandError(f"{source}: {exc}") from exc
        finally:
            if own:
                client.close()
    path = Path(source)
    if not path.exists():
        raise CommandError(f"{source}: no such file")
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CommandError(f"{source}: not JSON ({exc})") from exc


class Command(BaseCommand):
    help = "Recompute a door prize draw from its public page or JSON and say whether it matches."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("source", help="the public draw page's URL, its data.json URL, or a JSON file")

    def handle(self, *args, **options):
        data = load(options["source"])
        if not isinstance(data, dict) or "entries" not in data or "commitment" not in data:
            raise CommandError("this is not the published data of a Sapa draw")
        problems = algorithm.verify(data)
        title = f"{data.get('event', '?')} — round {data.get('round', '?')}"
        if problems:
            for problem in problems:
                self.stdout.write(f"DIFFERS: {problem}")
            raise CommandError(f"{title}: the published result does NOT match the recomputation")
        self.stdout.write(
            f"OK: {title}: SHA-256(seed) is the commitment and the {len(data.get('winners', []))} "
            f"winners follow from the seed and the {len(data['entries'])} entries.")
