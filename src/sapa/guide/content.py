"""The guide (Panduan): Markdown files in content/<language>/, rendered server-side.

Each staff section is a file `NN-<slug>.md` (NN orders the sections); `peserta.md`
is the participants' help page, shown per library. The first `# ` line is the
title. In the text:

- **«Label»** names a button or link exactly as the app shows it (in that
  language); `/staff/balitbangdiklat/...` in backticks names a page by its path
  (the demo library's). tests/guide/test_guide_content.py checks both against
  the translation catalogues, the sources and the URL conf.
- Pictures point at ../../static/guide/gambar/<name>.webp, a path that also works
  when the Markdown is read on a code forge; scripts/guide_pictures.py makes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import markdown
import nh3
from django.conf import settings
from django.templatetags.static import static

CONTENT = Path(__file__).resolve().parent / "content"
PICTURE_PREFIX = "../../static/"
PARTICIPANT_SLUG = "peserta"
LABEL_RE = re.compile(r"\*\*«([^»]+)»\*\*")
PATH_RE = re.compile(r"`(/[^`\s]*)`")
PICTURE_RE = re.compile(r"!\[[^\]]*\]\(\.\./\.\./static/(guide/gambar/[^)\s]+)\)")

ALLOWED_TAGS = {
    "h1",
    "h2",
    "h3",
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "a",
    "img",
    "figure",
    "blockquote",
    "br",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "loading", "width", "height"},
    "h2": {"id"},
    "h3": {"id"},
}


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    source: str
    order: int


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _language(language: str | None) -> str:
    code = (language or settings.LANGUAGE_CODE).split("-")[0]
    return code if (CONTENT / code).is_dir() else settings.LANGUAGE_CODE


@lru_cache(maxsize=8)
def sections(language: str | None = None) -> tuple[Section, ...]:
    """The staff guide's sections in order (the participants' page is not among them)."""
    folder = CONTENT / _language(language)
    found = []
    for path in sorted(folder.glob("[0-9][0-9]-*.md")):
        source = path.read_text(encoding="utf-8")
        first = source.lstrip().splitlines()[0]
        found.append(
            Section(
                slug=path.stem[3:],
                title=first.lstrip("# ").strip(),
                source=source,
                order=int(path.stem[:2]),
            )
        )
    return tuple(found)


def section(slug: str, language: str | None = None) -> Section | None:
    if slug == PARTICIPANT_SLUG:
        path = CONTENT / _language(language) / f"{PARTICIPANT_SLUG}.md"
        source = path.read_text(encoding="utf-8")
        return Section(
            slug=slug,
            title=source.lstrip().splitlines()[0].lstrip("# ").strip(),
            source=source,
            order=0,
        )
    return next((s for s in sections(language) if s.slug == slug), None)


def _picture_src(value: str) -> str | None:
    if value.startswith(PICTURE_PREFIX) and ".." not in value[len(PICTURE_PREFIX) :]:
        return static(value[len(PICTURE_PREFIX) :])
    return None


@lru_cache(maxsize=64)
def render(source: str, replacements: tuple[tuple[str, str], ...] = ()) -> str:
    """Markdown to safe HTML: the title line dropped, pictures served from static, lazily."""
    body = source.lstrip().split("\n", 1)[1] if source.lstrip().startswith("# ") else source
    for old, new in replacements:
        body = body.replace(old, new)
    html = markdown.markdown(body, extensions=["tables", "toc"], output_format="html")
    html = html.replace("<img ", '<img loading="lazy" ')

    def attribute_filter(tag, attribute, value):
        if tag == "img" and attribute == "src":
            return _picture_src(value)
        return value

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "http", "mailto"},
        attribute_filter=attribute_filter,
        link_rel=None,
    )


def labels(source: str) -> list[str]:
    return LABEL_RE.findall(source)


def paths(source: str) -> list[str]:
    return PATH_RE.findall(source)


def pictures(source: str) -> list[str]:
    return PICTURE_RE.findall(source)


# The staff page (URL name, by prefix) -> its section of the guide. The first match wins.
SECTION_BY_URL_NAME = (
    ("library-audit", "privasi"),
    ("library-", "perpustakaan"),
    ("account", "perpustakaan"),
    ("invitation-", "perpustakaan"),
    ("social-", "kanal"),
    ("staff-registration", "pendaftaran"),
    ("staff-event", "acara"),
    ("promotion-", "promosi"),
    ("attendance-checkin", "hari-h"),
    ("live-", "hari-h"),
    ("attendance-", "setelah"),
    ("survey-", "setelah"),
    ("prizes-", "setelah"),
    ("certificates-", "setelah"),
    ("staff-news", "setelah"),
    ("meetings-event-attendance", "setelah"),
    ("meetings-event-meet-attendance", "setelah"),
    ("meetings-event", "acara"),
    ("meetings-", "perpustakaan"),
    ("whatsapp-event", "pendaftaran"),
    ("whatsapp-message", "pendaftaran"),
    ("whatsapp-", "perpustakaan"),
)


def section_for(url_name: str | None) -> str | None:
    if not url_name:
        return None
    if url_name == "staff-events":
        return "acara"
    return next((slug for prefix, slug in SECTION_BY_URL_NAME if url_name.startswith(prefix)), None)
