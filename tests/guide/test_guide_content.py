"""The guide names only pages, buttons and pictures that exist.

The Markdown marks a button or link label as **«Label»** and a page by its path in
backticks (`/staff/balitbangdiklat/...`). A label must be the translation (msgstr in
that language's catalogues) of a message the code still uses; a path must resolve
to a page of the URL conf (not the library catch-all); a picture must be one that
scripts/guide_pictures.py makes. Rename a button or a page and these tests fail,
naming the guide file and the stale label.
"""

import gettext
import importlib.util
import re
import sys
from functools import cache
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

from sapa.guide import content

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "sapa"
STATIC = SRC / "guide" / "static"
LANGUAGES = ("id", "en")


def _compiled(language):
    """(msgid, msgstr) of every compiled catalogue of the language (apps may differ)."""
    entries = set()
    for mo in sorted(SRC.glob(f"**/locale/{language}/LC_MESSAGES/django.mo")):
        with mo.open("rb") as f:
            for key, text in gettext.GNUTranslations(f)._catalog.items():
                msgid = (key[0] if isinstance(key, tuple) else key).split("\x04")[-1]
                if msgid:
                    entries.add((msgid, text))
    return entries


@cache
def catalogue(language):
    """The text the app shows -> the msgids it comes from, in `language`.

    English is the source language: a message English leaves untranslated shows its
    msgid (msgfmt leaves such entries out of the .mo, so the msgids come from the
    Indonesian catalogue, which translates every message).
    """
    translated = _compiled(language)
    shown = set(translated)
    if language == "en":
        overridden = {msgid for msgid, text in translated if text != msgid}
        shown |= {(msgid, msgid) for msgid, _text in _compiled("id") if msgid not in overridden}
    by_text = {}
    for msgid, text in shown:
        by_text.setdefault(text, set()).add(msgid)
    return by_text


@cache
def sources():
    """The text of every template and Python module of the app (the guide's own excepted)."""
    parts = []
    for path in SRC.rglob("*"):
        if (
            path.suffix in (".html", ".txt", ".py")
            and "migrations" not in path.parts
            and not path.is_relative_to(SRC / "guide" / "content")
        ):
            parts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(parts)


def label_problem(label, language):
    """Why `label` is not a label the app shows in `language` (None when it is)."""
    msgids = catalogue(language).get(label)
    if not msgids:
        return f"«{label}» is no translation in the {language} catalogues"
    text = sources()
    if not any(f'"{m}"' in text or f"'{m}'" in text for m in msgids):
        return f"«{label}» translates {sorted(msgids)}, which no template or module uses any more"
    return None


def path_problem(path):
    try:
        match = resolve(path)
    except Resolver404:
        return f"{path} is no page of Sapa"
    if match.url_name == "library-public" and path.strip("/") != "balitbangdiklat":
        return f"{path} only falls through to a library's public site"
    return None


def guide_files(language):
    return sorted((content.CONTENT / language).glob("*.md"))


def pictures_script():
    spec = importlib.util.spec_from_file_location(
        "guide_pictures", ROOT / "scripts" / "guide_pictures.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("guide_pictures", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_label_the_guide_names_is_shown_by_the_app(language):
    problems = []
    count = 0
    for path in guide_files(language):
        for label in content.labels(path.read_text(encoding="utf-8")):
            count += 1
            if problem := label_problem(label, language):
                problems.append(f"{path.relative_to(ROOT)}: {problem}")
    assert count > 50, "the guide names hardly any buttons: is the «» marking gone?"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_the_guide_names_exists(language):
    problems = []
    count = 0
    for path in guide_files(language):
        for page in content.paths(path.read_text(encoding="utf-8")):
            count += 1
            if problem := path_problem(page):
                problems.append(f"{path.relative_to(ROOT)}: {problem}")
    assert count > 15
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_picture_the_guide_shows_exists_and_is_made_by_the_command(language):
    made = pictures_script().picture_names()
    problems = []
    for path in guide_files(language):
        for picture in content.pictures(path.read_text(encoding="utf-8")):
            if not (STATIC / picture).is_file():
                problems.append(
                    f"{path.name}: {picture} is missing (run scripts/guide_pictures.py)"
                )
            if Path(picture).name not in made:
                problems.append(f"{path.name}: {picture} is not made by scripts/guide_pictures.py")
    assert not problems, "\n".join(problems)


def test_the_pictures_stay_small():
    pictures = list((STATIC / "guide" / "gambar").glob("*.webp"))
    assert len(pictures) >= 20
    assert all(p.stat().st_size < 80_000 for p in pictures), [
        p.name for p in pictures if p.stat().st_size >= 80_000
    ]
    assert sum(p.stat().st_size for p in pictures) < 1_000_000


def test_both_languages_have_the_same_sections_and_pictures():
    names = {lang: [p.name for p in guide_files(lang)] for lang in LANGUAGES}
    assert names["id"] == names["en"]
    for name in names["id"]:
        pictures = {
            lang: content.pictures((content.CONTENT / lang / name).read_text())
            for lang in LANGUAGES
        }
        assert pictures["id"] == pictures["en"], name


def test_the_checks_catch_a_stale_label_and_page():
    """A renamed button, an unused message and a removed page are each reported."""
    assert label_problem("Simpan", "id") is None
    assert label_problem("Save", "en") is None
    assert "no translation" in label_problem("Tombol yang tidak ada", "id")
    assert path_problem("/staff/balitbangdiklat/events/1/registrations/") is None
    assert "no page" in path_problem("/staff/balitbangdiklat/events/1/tidak-ada/")
    assert "public site" in path_problem("/tidak-ada/")
    # A translation whose message no template uses any more (e.g. a label the code dropped).
    sources.cache_clear()
    try:
        original = sources()
        sources.cache_clear()
        import unittest.mock as mock

        with mock.patch(
            f"{__name__}.sources", lambda: original.replace('"Save the minutes"', '"x"')
        ):
            assert "no template" in label_problem("Simpan menitnya", "id")
    finally:
        sources.cache_clear()


def test_labels_paths_and_pictures_are_marked_as_the_guide_says():
    text = "Tekan **«Simpan»** di `/staff/x/` ![a](../../static/guide/gambar/a-phone.webp)"
    assert content.labels(text) == ["Simpan"]
    assert content.paths(text) == ["/staff/x/"]
    assert content.pictures(text) == ["guide/gambar/a-phone.webp"]
    assert re.search(r"«", content.render("# T\n\n**«Simpan»**")) is not None
