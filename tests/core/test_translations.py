"""The Indonesian catalogue is complete, current and compiled.

Indonesian is Sapa's default language, so a string that is marked for
translation but missing from (or untranslated in) locale/id shows English on
an Indonesian screen. These tests name every such string:

- every entry of the committed django.po has a msgstr and no fuzzy flag;
- every msgid that makemessages finds in the source is in the committed .po
  (needs GNU gettext's xgettext; skipped without it);
- the committed django.mo holds exactly the .po's translations, so a machine
  without gettext (which cannot run compilemessages) still shows Indonesian.

To fix a failure: `make messages` (or makemessages -l id -l en, see Makefile),
translate the new or fuzzy entries in src/sapa/locale/id/LC_MESSAGES/django.po,
then compilemessages, and commit both the .po and the .mo.
"""

import gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command

import sapa

SOURCE = Path(sapa.__file__).resolve().parent
PO = SOURCE / "locale" / "id" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
IGNORE = ["static/sapa/vendor/*"]  # as in scripts/messages.sh
# Apps with a locale/ folder of their own keep their strings there (docs/decisions.md).
APP_CATALOGUES = sorted(SOURCE.glob("*/locale/id/LC_MESSAGES/django.po"))
CATALOGUES = [PO, *APP_CATALOGUES]


def _name(po: Path) -> str:
    return "main" if po == PO else po.parents[3].name


catalogues = pytest.mark.parametrize("po", CATALOGUES, ids=[_name(p) for p in CATALOGUES])


# --- a small reader of .po files (stdlib only) --------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # index -> text; 0 for a singular
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(
        default_factory=list
    )  # the "#:" comments: where the string is used
    line: int = 0

    @property
    def key(self):
        return (self.msgctxt, self.msgid)

    def __str__(self):
        context = f" [context {self.msgctxt!r}]" if self.msgctxt is not None else ""
        where = f" ({self.references[0]})" if self.references else ""
        return f"line {self.line}: {self.msgid!r}{context}{where}"


_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+"(.*)"\s*$')


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def read_po(path: Path) -> list[Entry]:
    """Every active entry of the file, the header (msgid "") included; obsolete (#~) ones left out."""
    entries, entry, target = [], None, None

    def finish():
        if entry is not None and target is not None:
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if target is not None and target[0] == "msgstr":  # comments start the next entry
                finish()
                entry, target = None, None
            if entry is None:
                entry = Entry()
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            elif line.startswith("#:"):
                entry.references.extend(line[2:].split())
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, text = match.groups()
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()
                entry, target = None, None
            if entry is None:
                entry = Entry()
            text = _unquote(text)
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                entry.msgstr[target[1]] = text
            else:
                target = (keyword, None)
                setattr(entry, keyword, text)
                if keyword == "msgid":
                    entry.line = number
            continue
        if line.startswith('"') and line.endswith('"') and target is not None:
            text = _unquote(line[1:-1])
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += text
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + text)
            continue
        raise AssertionError(f"{path}:{number}: cannot read this line: {raw!r}")
    finish()
    return entries


def messages(path: Path) -> list[Entry]:
    return [entry for entry in read_po(path) if entry.msgid != "" or entry.msgctxt is not None]


def header(path: Path) -> dict[str, str]:
    first = read_po(path)[0]
    assert first.msgid == "" and first.msgctxt is None, f"{path}: the header entry must come first"
    pairs = (line.split(":", 1) for line in first.msgstr[0].splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def listing(entries) -> str:
    return "\n".join(f"  {entry}" for entry in entries)


# --- the tests ------------------------------------------------------------------


@catalogues
def test_the_indonesian_header_is_valid(po):
    fields = header(po)
    assert fields["Language"] == "id"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert "fuzzy" not in read_po(po)[0].flags


@catalogues
def test_every_indonesian_entry_is_translated_and_not_fuzzy(po):
    PO = po  # noqa: N806  (the messages below name the file)
    entries = messages(PO)
    if po == CATALOGUES[0]:
        assert len(entries) > 100, "the Indonesian catalogue looks empty"
    untranslated = [
        e for e in entries if not e.msgstr or any(not text for text in e.msgstr.values())
    ]
    fuzzy = [e for e in entries if "fuzzy" in e.flags]
    problems = []
    if untranslated:
        problems.append(
            f"{len(untranslated)} entries of {PO} have no translation:\n{listing(untranslated)}"
        )
    if fuzzy:
        problems.append(
            f"{len(fuzzy)} entries of {PO} are fuzzy (check them, then drop the flag):\n"
            f"{listing(fuzzy)}"
        )
    assert not problems, "\n".join(problems)


@catalogues
def test_plural_entries_have_exactly_one_form(po):
    wrong = [e for e in messages(po) if e.msgid_plural is not None and sorted(e.msgstr) != [0]]
    assert not wrong, f"Indonesian has one plural form (msgstr[0] only):\n{listing(wrong)}"


@catalogues
def test_placeholders_are_kept(po):
    pattern = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{\w*\}")
    wrong = []
    for entry in messages(po):
        expected = sorted(
            set(pattern.findall(entry.msgid)) | set(pattern.findall(entry.msgid_plural or ""))
        )
        for text in entry.msgstr.values():
            if text and sorted(set(pattern.findall(text))) != expected:
                wrong.append(entry)
                break
    assert not wrong, f"placeholders differ between msgid and msgstr:\n{listing(wrong)}"


@catalogues
def test_the_compiled_catalogue_matches_the_po(po):
    PO, MO = po, po.with_suffix(".mo")  # noqa: N806
    assert MO.exists(), f"{MO} is missing: run compilemessages and commit it"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in messages(PO):
        if not entry.msgstr.get(0) or "fuzzy" in entry.flags:
            continue  # reported by the test above; msgfmt leaves them out
        if entry.msgid_plural is not None:
            if entry.msgctxt is None:
                got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            else:
                got = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
        elif entry.msgctxt is None:
            got = compiled.gettext(entry.msgid)
        else:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
        if got != entry.msgstr[0]:
            stale.append(entry)
    assert not stale, (
        f"{MO} is older than {PO.name}; run compilemessages (in src/sapa) and commit the "
        f".mo. {len(stale)} translations differ:\n{listing(stale)}"
    )


@catalogues
def test_the_english_header_is_valid(po):
    english = po.parents[2] / "en" / "LC_MESSAGES" / "django.po"
    if not english.exists():
        pytest.skip("no English catalogue")
    fields = header(english)
    assert fields["Language"] == "en"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert "fuzzy" not in read_po(english)[0].flags


@pytest.mark.skipif(
    not shutil.which("xgettext") or not shutil.which("msguniq"),
    reason="GNU gettext (xgettext) is not installed: cannot extract the source's strings",
)
def test_every_string_in_the_code_is_in_the_indonesian_catalogue(tmp_path, monkeypatch, settings):
    """makemessages runs on a copy of the source, so the committed catalogue is never touched."""
    copy = tmp_path / "sapa"
    skipped = {SOURCE / "data", SOURCE / "static" / "sapa" / "vendor"}

    def ignore(directory, names):
        return [
            name
            for name in names
            if name in ("__pycache__", "locale") or Path(directory, name) in skipped
        ]

    shutil.copytree(SOURCE, copy, ignore=ignore)
    (copy / "locale").mkdir()
    for po in APP_CATALOGUES:  # empty locale folders route each app's strings to its own
        (copy / po.parents[3].name / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command(
        "makemessages", locale=["id"], ignore_patterns=IGNORE, no_obsolete=True, verbosity=0
    )

    missing, found_any = [], False
    for po in CATALOGUES:
        made = copy / po.relative_to(SOURCE)
        extracted = {entry.key: entry for entry in messages(made)} if made.exists() else {}
        found_any = found_any or bool(extracted)
        committed = {entry.key for entry in messages(po)}
        missing += [
            entry
            for key, entry in sorted(extracted.items(), key=lambda kv: (kv[0][1], kv[0][0] or ""))
            if key not in committed
        ]
    assert found_any, "makemessages found no strings at all"
    if missing:
        lines = [
            f"  {entry.msgid!r}"
            + (f" [context {entry.msgctxt!r}]" if entry.msgctxt else "")
            + (f"  ({', '.join(entry.references)})" if entry.references else "")
            for entry in missing
        ]
        pytest.fail(
            f"{len(missing)} strings marked for translation in the code are not in their catalogue "
            f"(src/sapa/locale or the app's own locale/). Run "
            f"`scripts/messages.sh`, translate them, compilemessages, and commit the .po and .mo:\n"
            + "\n".join(lines),
            pytrace=False,
        )
