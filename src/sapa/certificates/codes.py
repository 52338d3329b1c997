"""Verification codes: 16 random Crockford base-32 characters (80 bits) and 4 check
characters.

The check is the first 20 bits of SHA-256 over the random part: a code with a
typo, a swapped pair or a hand-made change fails it (all but one in a million)
and is answered "invalid" without a database look-up. It is deliberately not
keyed with SECRET_KEY: a certificate printed today must still verify after the
installation's key was rotated. Unguessability comes from the 80 random bits.
"""

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
RANDOM_CHARS = 16
CHECK_CHARS = 4
LENGTH = RANDOM_CHARS + CHECK_CHARS
# What people mistype for what they saw (Crockford's decoding rules).
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _check(body: str) -> str:
    digest = int.from_bytes(hashlib.sha256(("sapa-certificate:" + body).encode()).digest()[:4], "big")
    chars = []
    for _ in range(CHECK_CHARS):
        chars.append(ALPHABET[digest & 31])
        digest >>= 5
    return "".join(chars)


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return body + _check(body)


def normalize(raw: str) -> str:
    """Upper case, without spaces and dashes, with O/I/L read as 0/1."""
    return "".join(ch for ch in (raw or "").upper() if ch not in " -").translate(_READ_AS)


def is_well_formed(code: str) -> bool:
    """True when `code` (normalized) has the right length, alphabet and check characters."""
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return False
    return secrets.compare_digest(_check(code[:RANDOM_CHARS]), code[RANDOM_CHARS:])


def grouped(code: str) -> str:
    """ABCD-EFGH-JKMN-PQRS-TVWX, for reading aloud or typing."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))
