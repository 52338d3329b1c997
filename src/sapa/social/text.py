"""Counting text the way each network counts it, and finding links, hashtags and mentions.

- Bluesky counts graphemes (what a reader sees as one character: "👩‍👩‍👧" is one)
  and UTF-8 bytes; its links are "facets" with UTF-8 byte offsets.
- X weighs characters (twitter-text v3): Latin and common punctuation 1,
  everything else (CJK, emoji) 2; every URL counts 23.
- Mastodon counts graphemes, each URL as the server's
  `characters_reserved_per_url` (23 by default), and a mention @user@domain as @user.
- The others count Unicode characters (code points).
"""

import unicodedata

import regex

URL_RE = regex.compile(r"""(?<![\w@/])(?:https?://|www\.)[^\s<>"']+""", regex.IGNORECASE)
HASHTAG_RE = regex.compile(r"(?<![\w&#])#(\w*\p{L}\w*)")
MENTION_RE = regex.compile(r"(?<![\w@])@([\w.]+(?:@[\w-]+(?:\.[\w-]+)+)?)")
GRAPHEME_RE = regex.compile(r"\X")
EMOJI_RE = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|[\u20e3\ufe0f]")

_TRAILING = ".,;:!?)]}'\""

# twitter-text v3: code point ranges that weigh 100 (one character); all else 200.
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
X_URL_LENGTH = 23


def find_urls(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of each link, in characters; trailing punctuation is not part of it."""
    found = []
    for match in URL_RE.finditer(text):
        url = match.group(0)
        while url and url[-1] in _TRAILING:
            # Keep a closing bracket that has its opening one inside the URL (Wikipedia links).
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if regex.match(r"(?i)(?:https?://|www\.)[\w-]", url):
            found.append((match.start(), match.start() + len(url), url))
    return found


def hashtags(text: str) -> list[str]:
    """Every hashtag, in order (repeats included: networks count them)."""
    return HASHTAG_RE.findall(_without_urls(text))


def mentions(text: str) -> list[str]:
    """Every @-mention, in order."""
    return MENTION_RE.findall(_without_urls(text))


def _without_urls(text: str) -> str:
    # "#" and "@" inside links are not hashtags or mentions.
    for start, end, _ in reversed(find_urls(text)):
        text = text[:start] + " " + text[end:]
    return text


def graphemes(text: str) -> int:
    """Number of grapheme clusters ("user-perceived characters")."""
    return len(GRAPHEME_RE.findall(text))


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


def _x_weight(cluster: str) -> int:
    if EMOJI_RE.search(cluster):
        return 2
    total = 0
    for ch in cluster:
        cp = ord(ch)
        total += 1 if any(lo <= cp <= hi for lo, hi in _X_LIGHT_RANGES) else 2
    return total


def x_length(text: str, url_length: int = X_URL_LENGTH) -> int:
    """X's weighted length: URLs count `url_length`, emoji and CJK count 2."""
    text = unicodedata.normalize("NFC", text)
    total, pos = 0, 0
    for start, end, _ in find_urls(text):
        total += sum(_x_weight(c) for c in GRAPHEME_RE.findall(text[pos:start])) + url_length
        pos = end
    total += sum(_x_weight(c) for c in GRAPHEME_RE.findall(text[pos:]))
    return total


def mastodon_length(text: str, url_length: int = 23) -> int:
    """Mastodon's count: graphemes, each URL as `url_length`, @user@domain as @user."""
    pieces, pos = [], 0
    for start, end, _ in find_urls(text):
        pieces.append(text[pos:start])
        pieces.append("x" * url_length)
        pos = end
    pieces.append(text[pos:])
    counted = "".join(pieces)
    counted = regex.sub(r"(?<![\w@])@([\w.]+)@[\w-]+(?:\.[\w-]+)+", r"@\1", counted)
    return graphemes(counted)


def byte_range(text: str, start: int, end: int) -> tuple[int, int]:
    """Character offsets [start, end) as UTF-8 byte offsets (Bluesky facets)."""
    return utf8_length(text[:start]), utf8_length(text[:end])
