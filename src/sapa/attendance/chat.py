"""The saved Zoom chat → messages with their time, sender, recipient and text.

Three shapes (docs/attendance.md):

- older:   ``10:02:11	 From  Siti Rahmawati : Selamat pagi``
- newer:   ``10:02:11 From Siti Rahmawati to Everyone:`` then the message on the
  next lines, each indented with a tab; a recipient may carry ``(Direct Message)``
  (older: ``(Privately)``)
- cloud recording: ``00:02:11<TAB>Siti Rahmawati:<TAB>Selamat pagi``

The local chat has only the time of day: the day is the event's, in its time
zone, moved to the next day when the chat runs past midnight. A cloud
recording's chat counts the time since the recording started: Sapa adds it to
the event's start.
"""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from sapa.attendance.files import FileProblem, check_size, decode

_TIME = r"(?P<t>\d{1,2}:\d{2}(?::\d{2})?)"
CLOUD = re.compile(_TIME + r"\t(?P<sender>[^\t]+?):\t?(?P<text>.*)$")
FROM = re.compile(_TIME + r"[ \t]+From[ \t]+(?P<rest>.*)$")
PRIVATE = re.compile(r"\s*\((?:Direct Message|Privately|Pesan Langsung|Secara Pribadi)\)\s*", re.IGNORECASE)
EVERYONE = {"everyone", "semua orang", "semua", "everyone (in waiting room)"}

QUESTION = re.compile(
    r"\?|\b(?:tanya|bertanya|pertanyaan|menanyakan|ditanyakan|nanya)\b", re.IGNORECASE)
THANKS = re.compile(
    r"\b(?:terima\s*kasih|terimakasih|trima\s*kasih|makasih|makasi|mksh|trims|tks|thx|thanks?|thank\s+you|"
    r"matur\s+nuwun|hatur\s+nuhun|tq)\b", re.IGNORECASE)


def is_question(text: str) -> bool:
    """A question: a '?' or "tanya", "pertanyaan", "izin bertanya", "mau tanya"..."""
    return bool(QUESTION.search(text))


def is_thanks(text: str) -> bool:
    """Thanks: "terima kasih", "makasih", "trims", "tks", "thank you"..."""
    return bool(THANKS.search(text))


@dataclass
class Message:
    line: int
    clock: time
    sender: str
    recipient: str
    private: bool
    text: str
    sent_at: datetime | None = None


@dataclass
class Chat:
    format: str  # "zoom-old", "zoom-new", "zoom-cloud"
    messages: list[Message]


def _clock(text: str) -> time:
    parts = [int(p) for p in text.split(":")]
    while len(parts) < 3:
        parts.append(0)
    return time(*parts)


def _split_recipient(rest: str) -> tuple[str, str, bool, str | None]:
    """`Siti to Everyone:` / `Siti : hi` / `Siti to Budi(Direct Message) : hi` →
    (sender, recipient, private, text or None when the text follows on the next lines)."""
    stripped = rest.rstrip()
    if " : " in rest:
        head, _sep, text = rest.partition(" : ")
    elif stripped.endswith(":"):
        head, text = stripped[:-1], None
    elif ": " in rest:
        head, _sep, text = rest.partition(": ")
    else:
        raise ValueError(rest)
    private = bool(PRIVATE.search(head))
    head = PRIVATE.sub(" ", head).strip()
    sender, recipient = head, ""
    match = re.match(r"^(?P<sender>.+?)\s+to\s+(?P<to>.+)$", head, re.IGNORECASE)
    if match:
        sender, recipient = match["sender"].strip(), match["to"].strip()
    if recipient.casefold() in EVERYONE:
        recipient = "Everyone"
    elif recipient:
        private = True
    return " ".join(sender.split()), recipient, private, text


def parse_chat(data: bytes, *, tz_name: str, starts_at: datetime) -> Chat:
    """Read a saved Zoom chat. Raises FileProblem (line and reason) for anything else."""
    check_size(data)
    text = decode(data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    messages: list[Message] = []
    kinds = set()
    current: Message | None = None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        cloud = CLOUD.match(line)
        header = FROM.match(line)
        if header:
            try:
                sender, recipient, private, inline = _split_recipient(header["rest"])
            except ValueError:
                raise FileProblem(_("a message line without “:” after the sender."), line=number) from None
            current = Message(number, _clock(header["t"]), sender, recipient, private, inline or "")
            messages.append(current)
            kinds.add("zoom-old" if inline is not None else "zoom-new")
            continue
        if cloud:
            current = Message(number, _clock(cloud["t"]), " ".join(cloud["sender"].split()), "", False,
                              cloud["text"].strip())
            messages.append(current)
            kinds.add("zoom-cloud")
            continue
        if current is None:
            raise FileProblem(_("this is not a saved Zoom chat: a message starts with its time "
                                "(HH:MM:SS) and the sender."), line=number)
        piece = line[1:] if line.startswith("\t") else line
        current.text = f"{current.text}\n{piece.rstrip()}" if current.text else piece.strip()
    if not messages:
        raise FileProblem(_("The file has no chat messages."))
    for message in messages:
        message.text = message.text.strip()
    kind = "zoom-new" if "zoom-new" in kinds else ("zoom-cloud" if "zoom-cloud" in kinds else "zoom-old")
    if kinds == {"zoom-cloud"}:
        # A cloud recording's chat counts from the start of the recording, not the clock.
        for message in messages:
            c = message.clock
            message.sent_at = starts_at + timedelta(hours=c.hour, minutes=c.minute, seconds=c.second)
    else:
        _date_messages(messages, ZoneInfo(tz_name), starts_at)
    return Chat(kind, messages)


def _date_messages(messages: list[Message], tz: ZoneInfo, starts_at: datetime) -> None:
    """Give each message a date: the event's local day (or the day before or after,
    whichever is nearest the start for the first message), then one day more each
    time the clock runs backwards by more than six hours (past midnight)."""
    local_start = starts_at.astimezone(tz)
    first = messages[0].clock
    candidates = [datetime.combine(local_start.date() + timedelta(days=d), first, tzinfo=tz) for d in (-1, 0, 1)]
    day = min(candidates, key=lambda c: abs((c - local_start).total_seconds())).date()
    previous = None
    for message in messages:
        moment = datetime.combine(day, message.clock, tzinfo=tz)
        if previous is not None and moment < previous - timedelta(hours=6):
            day += timedelta(days=1)
            moment += timedelta(days=1)
        message.sent_at = moment
        previous = moment
