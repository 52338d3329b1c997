#!/usr/bin/env python
"""Black-box probe: strangers and other libraries' staff must get nothing from a library's staff URLs.

    .venv/bin/python scripts/probe.py [--url http://127.0.0.1:8000] [--victim balitbangdiklat]
                                      [--attacker admin@tetangga.test] [--password ...]

Against a running Sapa server (as `./run` starts it) it requests, with GET and
POST (a valid CSRF token, so that the answer is the permission check's):

- every staff URL of the URL conf (/staff/<library>/..., /admin/..., revoking a
  token of the victim library's admin), its parameters filled with real ids and
  slugs of the victim library's objects;
- every API operation of the OpenAPI document that takes a token, with its own
  method and the victim's slugs and ids;

as an anonymous visitor and as the attacker, an admin of ANOTHER library (logged
in through the login form, and with an API token made on their account page).

Allowed answers: 302/303 to the login page, 401, 403, 404, 405 (the method is
refused before anything is looked up). Anything else (200, another redirect, a
500) is a violation: the table lists it and the exit code is 1.

It reads the victim's ids from the server's database (the same DATABASE_URL /
SAPA_DATA_DIR as the server), since a stranger would guess them: sequential ids
and slugs from the public pages. Only the requests decide the verdict.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

ALLOWED = {401, 403, 404, 405}
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
MISSING_ID = "987654321"

# A URL parameter -> the model whose id fills it and the lookups that tie it to a library.
MODEL_PARAMS = {
    "membership_id": ("libraries.Membership", ["library"]),
    "invitation_id": ("libraries.Invitation", ["library"]),
    "email_id": ("mail.Email", ["library"]),
    "event_id": ("events.Event", ["library"]),
    "registration_id": ("events.Registration", ["event__library"]),
    "link_id": ("promotion.ShortLink", ["library"]),
    "item_id": ("promotion.PinnedLink", ["library"]),
    "source_id": ("catalogue.CatalogueSource", ["library"]),
    "run_id": ("catalogue.ImportRun", ["source__library", "library"]),
    "post_id": ("social.Post", ["library"]),
    "variant_id": ("social.PostVariant", ["post__library"]),
    "channel_id": ("social.Channel", ["library"]),
    "media_id": ("social.MediaItem", ["library"]),
    "window_id": ("attendance.CheckInWindow", ["event__library"]),
    "import_id": ("attendance.ReportImport", ["event__library"]),
    "question_id": ("live.LiveQuestion", ["event__library", "board__event__library"]),
    "hand_id": ("live.Hand", ["event__library", "board__event__library"]),
    "prize_id": ("prizes.Prize", ["event__library"]),
    "draw_id": ("prizes.Draw", ["event__library"]),
    "winner_id": ("prizes.Winner", ["draw__event__library", "event__library"]),
    "recipient_id": ("certificates.ExtraRecipient", ["event__library"]),
    "design_id": ("certificates.CertificateDesign", ["event__library"]),
    "generation_id": ("certificates.Generation", ["event__library", "design__event__library"]),
    "certificate_id": ("certificates.Certificate", ["event__library"]),
    "article_id": ("news.Article", ["library"]),
    "photo_id": ("news.GalleryPhoto", ["article__library"]),
}
# The generic `object_id` of the social pages, by the folder before it.
OBJECT_BY_FOLDER = {
    "hashtags": ("social.HashtagSet", ["library"]),
    "templates": ("social.PostTemplate", ["library"]),
}
WORDS = {
    "action": "approve",
    "kind": "pinned",
    "layout": "classic",
    "size": "portrait",
    "fmt": "csv",
    "key": "registrations",
    "code": "x",
    "app_label": "libraries",
    "url": "x",
    "path": "x",
    "content_type_id": "1",
}


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sapa.settings")
    import django

    django.setup()


class Victim:
    """Real ids and slugs of the victim library's objects (from the database)."""

    def __init__(self, slug: str):
        from sapa.libraries.models import Library

        self.library = Library.objects.get(slug=slug)
        self.slug = slug
        self.unfilled: set[str] = set()
        self._cache: dict[tuple, str] = {}

    def _object_id(self, label: str, lookups: list[str], name: str) -> str:
        from django.apps import apps
        from django.core.exceptions import FieldError

        key = (label, name)
        if key not in self._cache:
            model = apps.get_model(label)
            found = None
            for lookup in lookups:
                try:
                    found = (
                        model.objects.filter(**{lookup: self.library})
                        .order_by("pk")
                        .values_list("pk", flat=True)
                        .first()
                    )
                except FieldError:
                    continue
                if found is not None:
                    break
            if found is None:
                self.unfilled.add(f"{name} ({label})")
            self._cache[key] = str(found) if found is not None else MISSING_ID
        return self._cache[key]

    def event_slug(self) -> str:
        from sapa.events.models import Event

        event = Event.objects.filter(library=self.library).order_by("pk").first()
        return event.slug if event else "x"

    def admin_token_id(self) -> str:
        from sapa.libraries.models import ApiToken, Membership, Role

        admins = Membership.objects.filter(library=self.library, role=Role.ADMIN).values("user")
        token = ApiToken.objects.filter(user__in=admins).order_by("pk").first()
        if token is None:
            self.unfilled.add("token_id (libraries.ApiToken)")
            return MISSING_ID
        return str(token.pk)

    def value(self, name: str, route: str) -> str:
        if name in ("slug", "library", "library_slug"):
            return self.slug
        if name == "event_slug":
            return self.event_slug()
        if name == "token_id":
            return self.admin_token_id()
        if name == "object_id" and not route.startswith("admin/"):
            folder = route.split("<")[-2].rstrip("/").rsplit("/", 1)[-1]
            if folder in OBJECT_BY_FOLDER:
                return self._object_id(*OBJECT_BY_FOLDER[folder], name=f"{folder}:{name}")
        if name in MODEL_PARAMS:
            return self._object_id(*MODEL_PARAMS[name], name=name)
        if name in WORDS:
            return WORDS[name]
        return "1"


def _walk(patterns, prefix=""):
    from django.urls import URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _fill(route: str, victim: Victim) -> str:
    route = route.lstrip("^").rstrip("$")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: victim.value(m.group(1), route), route)
    return "/" + PARAM.sub(lambda m: victim.value(m.group(2), route), route)


def staff_urls(victim: Victim) -> list[str]:
    """Every URL of the URL conf that belongs to a library's staff (or the admin), filled in."""
    from django.urls import get_resolver

    urls = set()
    for route in _walk(get_resolver().url_patterns):
        if (
            route.startswith(("staff/<slug:slug>/", "admin/"))
            or route == "accounts/me/tokens/<int:token_id>/revoke/"
        ):
            urls.add(_fill(route, victim))
    return sorted(urls)


def _example(schema: dict, openapi: dict, depth: int = 0):
    """A minimal valid value of a JSON schema: the request must reach the permission check,
    not stop at validation (a 422 would prove nothing)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = openapi.get("components", {}).get("schemas", {}).get(name, {})
    for key in ("allOf", "anyOf", "oneOf"):
        if schema.get(key):
            return _example(schema[key][0], openapi, depth + 1)
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {
            name: _example(prop, openapi, depth + 1)
            for name, prop in schema.get("properties", {}).items()
            if name in schema.get("required", [])
        }
    if kind == "array":
        return []
    if kind == "integer" or kind == "number":
        return 1
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        import datetime

        return datetime.date.today().isoformat()
    if schema.get("format") == "date-time":
        import datetime

        return datetime.datetime.now(datetime.UTC).isoformat()
    if schema.get("enum"):
        return schema["enum"][0]
    return "x"


def api_operations(openapi: dict, victim: Victim) -> tuple[list[tuple], list[str]]:
    """(method, path, query, body, victim's) of every API operation that takes a token; the public ones."""
    operations, public = [], []
    for path, methods in openapi.get("paths", {}).items():
        for method, operation in methods.items():
            if method.lower() not in ("get", "post", "put", "patch", "delete"):
                continue
            if not operation.get("security"):
                public.append(f"{method.upper()} {path}")
                continue
            filled = re.sub(
                r"\{(\w+)\}", lambda m, route="api/" + path: victim.value(m.group(1), route), path
            )
            query = {
                p["name"]: _example(p.get("schema", {}), openapi)
                for p in operation.get("parameters", [])
                if p.get("in") == "query" and p.get("required")
            }
            body = None
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = _example(content["application/json"].get("schema", {}), openapi)
            # Paths without a library in them are the token owner's own (/me, /libraries).
            about_victim = "{slug}" in path or "{library}" in path
            operations.append((method.upper(), filled, query, body, about_victim))
    return operations, public


def also_from_urlconf(victim: Victim, operations: list[tuple], public: list[str]) -> list[tuple]:
    """API routes of the URL conf that the OpenAPI document does not list (asked with GET and POST)."""
    from django.urls import get_resolver

    known = {op[1] for op in operations}
    public_paths = {re.sub(r"\{(\w+)\}", "", p.split(" ", 1)[1]) for p in public}
    extra = []
    for route in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/") or route in (
            "api/v1/",
            "api/v1/openapi.json",
            "api/v1/docs",
        ):
            continue
        filled = _fill(route, victim)
        bare = "/" + re.sub(r"<[^>]+>", "", route)
        if filled in known or bare in public_paths:
            continue
        extra += [("GET", filled, {}, {}, True), ("POST", filled, {}, {}, True)]
    return extra


class Actor:
    def __init__(self, name: str, base_url: str, *, token: str = ""):
        self.name = name
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(
            base_url=base_url, timeout=20, follow_redirects=False, headers=headers
        )
        self.csrf = ""

    def get_csrf(self) -> None:
        """The CSRF cookie (a login rotates it); Django takes its value as the form's token too."""
        if not self.client.cookies.get("csrftoken"):
            self.client.get("/accounts/login/")
        self.csrf = self.client.cookies.get("csrftoken", "")

    def request(self, method: str, path: str, *, api: tuple | None = None) -> tuple[int, str]:
        headers = {"X-CSRFToken": self.csrf} if self.csrf else {}
        kwargs: dict = {"headers": headers}
        if api is not None:
            query, body = api
            kwargs["params"] = query
            if method != "GET":
                kwargs["json"] = body if body is not None else {}
        elif method != "GET":
            kwargs["data"] = {"csrfmiddlewaretoken": self.csrf}
        request = self.client.build_request(method, path, **kwargs)
        # Streams (the live board) answer with a body that never ends: read the status only.
        response = self.client.send(request, stream=True)
        try:
            return response.status_code, response.headers.get("location", "")
        finally:
            response.close()


def login(actor: Actor, email: str, password: str) -> None:
    actor.get_csrf()
    response = actor.client.post(
        "/accounts/login/",
        data={"csrfmiddlewaretoken": actor.csrf, "email": email, "password": password},
    )
    if response.status_code != 302:
        raise SystemExit(f"probe: cannot log in as {email} ({response.status_code})")
    actor.get_csrf()


def make_token(actor: Actor) -> str:
    page = actor.client.post(
        "/accounts/me/",
        data={"csrfmiddlewaretoken": actor.csrf, "action": "token", "name": "probe"},
        headers={"X-CSRFToken": actor.csrf},
    )
    found = re.search(r"sapa_[A-Za-z0-9_\-]+", page.text)
    if not found:
        raise SystemExit("probe: the account page did not show a new API token")
    return found.group(0)


def verdict(status: int, location: str) -> bool:
    """True when the answer gives nothing away."""
    if status in ALLOWED:
        return True
    if status in (301, 302, 303, 307, 308):
        return urlparse(location).path.startswith(LOGIN_PATHS)
    return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("SAPA_PROBE_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--victim", default="balitbangdiklat", help="slug of the library attacked")
    parser.add_argument(
        "--attacker", default="admin@tetangga.test", help="an admin of ANOTHER library"
    )
    parser.add_argument(
        "--password", default=os.environ.get("SAPA_DEMO_PASSWORD", "sapa-demo-2020")
    )
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--list", action="store_true", help="print every request and its answer")
    parser.add_argument(
        "--self-check",
        action="store_true",
        help="let the attacker be on the victim's staff: the probe must then find violations "
        "(proof that it sees access where there is some)",
    )
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")

    _setup_django()
    victim = Victim(args.victim)
    from sapa.libraries.models import Membership

    member = Membership.objects.filter(
        user__email__iexact=args.attacker, library=victim.library
    ).exists()
    if member and not args.self_check:
        raise SystemExit(
            f"probe: {args.attacker} is on {args.victim}'s staff; choose another library's"
        )

    pages = staff_urls(victim)
    openapi = httpx.get(base + "/api/v1/openapi.json", timeout=20).json()
    api_ops, public = api_operations(openapi, victim)
    api_ops += also_from_urlconf(victim, api_ops, public)

    anonymous = Actor("anonymous", base)
    anonymous.get_csrf()
    attacker = Actor("other library (session)", base)
    login(attacker, args.attacker, args.password)
    token = make_token(attacker)
    anon_api = Actor("anonymous (API)", base)
    attacker_api = Actor("other library (token)", base, token=token)

    jobs = []
    for actor in (anonymous, attacker):
        for path in pages:
            jobs += [(actor, "GET", path, None), (actor, "POST", path, None)]
    own = []
    for method, path, query, body, about_victim in api_ops:
        jobs.append((anon_api, method, path, (query, body)))
        if about_victim:
            jobs.append((attacker_api, method, path, (query, body)))
        else:
            own.append(f"{method} {path}")

    def run(job):
        actor, method, path, api = job
        try:
            status, location = actor.request(method, path, api=api)
        except httpx.HTTPError as exc:
            return job, 0, f"{type(exc).__name__}"
        return job, status, location

    # The attacker's session last: nothing the anonymous requests do can change it.
    with ThreadPoolExecutor(args.threads) as pool:
        results = list(pool.map(run, jobs))

    table: dict[str, Counter] = defaultdict(Counter)
    violations = []
    for (actor, method, path, _), status, location in results:
        table[actor.name][status] += 1
        if not verdict(status, location):
            violations.append((actor.name, method, path, status, location))

    statuses = sorted({s for counts in table.values() for s in counts})
    print(
        f"Probe of {base}: library '{args.victim}' attacked by anonymous visitors and by "
        f"{args.attacker} (admin of another library)"
    )
    print(
        f"{len(pages)} staff/admin URLs from the URL conf (GET and POST each), "
        f"{len(api_ops)} token API operations (OpenAPI and URL conf); "
        f"{len(public)} public API operations not probed: {', '.join(public)}; "
        f"the token owner's own, asked anonymously only: {', '.join(own)}"
    )
    header = f"{'actor':<26}" + "".join(f"{s:>7}" for s in statuses) + f"{'total':>8}"
    print(header)
    print("-" * len(header))
    for name in (anonymous.name, attacker.name, anon_api.name, attacker_api.name):
        counts = table[name]
        print(
            f"{name:<26}"
            + "".join(f"{counts.get(s, 0):>7}" for s in statuses)
            + f"{sum(counts.values()):>8}"
        )
    if victim.unfilled:
        print(
            "No object of the victim library for: "
            + ", ".join(sorted(victim.unfilled))
            + f" (id {MISSING_ID} used)"
        )
    if violations:
        print(
            f"\n{len(violations)} VIOLATIONS (an answer other than 302 to login/401/403/404/405):"
        )
        for name, method, path, status, location in violations:
            print(f"  {status} {method:<5} {path}  [{name}]{' -> ' + location if location else ''}")
        return 1
    if args.list:
        for (actor, method, path, _), status, location in results:
            print(
                f"  {status} {method:<5} {path}  [{actor.name}]{' -> ' + location if location else ''}"
            )
    print("\nNo violation: every answer was a redirect to the login page, 401, 403, 404 or 405.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
