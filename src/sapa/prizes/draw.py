"""The draw algorithm, exactly as docs/draw-algorithm.md writes it down.

Pure Python, no Django: `sapa verify-draw` and anyone else can recompute a
draw from its published data with nothing but this file (or the document).

- seed: 64 lowercase hex characters (32 random bytes), secret until the draw;
- commitment = SHA-256(ASCII bytes of the seed), in lowercase hex;
- an entry: 64 random lowercase hex characters, drawn fresh for each eligible
  registration in each round (nothing about the person or their id can be
  computed from it; only the server knows whose it is);
- the published list: the entries sorted as strings (ascending);
- winner k (k = 1..n) of round R: the hash
      h = SHA-256(ASCII of seed + ":" + R + ":" + k + ":" + c)
  read as a 256-bit big-endian unsigned integer, for c = 0, 1, 2, ... until
  h < 2**256 - (2**256 mod m), where m is the number of entries left; then
  index = h mod m in the list of entries left, and that entry is taken out of
  it (no replacement). The rejection step removes the modulo bias.
"""

import hashlib
import hmac
import re
import secrets

SEED_RE = re.compile(r"^[0-9a-f]{64}$")
HASH_RE = re.compile(r"^[0-9a-f]{64}$")
SPACE = 1 << 256


def new_seed() -> str:
    """A fresh secret seed: 32 random bytes from the operating system, as hex."""
    return secrets.token_hex(32)


def new_salt() -> str:
    return secrets.token_hex(16)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def commitment(seed: str) -> str:
    """SHA-256 of the seed's ASCII hex."""
    return sha256_hex(seed)


def seed_matches(seed: str, published_commitment: str) -> bool:
    return hmac.compare_digest(commitment(seed), published_commitment)


def new_entry() -> str:
    """The published form of one eligible registration in one round: random, so the
    list cannot be mapped back to registration ids (a hash of salt and id could,
    by hashing every small id with the published salt)."""
    return secrets.token_hex(32)


def entry_hash(salt: str, registration_id: int) -> str:
    """A deterministic entry, only for the fixed test vectors of docs/draw-algorithm.md."""
    return sha256_hex(f"{salt}:{int(registration_id)}")


def draw_index(seed: str, round_number: int, k: int, m: int) -> int:
    """The index (0-based) of winner k among m entries left, without modulo bias."""
    if m <= 0:
        raise ValueError("no entries left")
    limit = SPACE - (SPACE % m)
    counter = 0
    while True:
        h = int(sha256_hex(f"{seed}:{round_number}:{k}:{counter}"), 16)
        if h < limit:
            return h % m
        counter += 1


def select(seed: str, entries: list[str], n: int, round_number: int = 1) -> list[str]:
    """The winners' entries, in draw order: n (or all, when fewer) of the sorted `entries`."""
    remaining = sorted(entries)
    if len(set(remaining)) != len(remaining):
        raise ValueError("entries must be distinct")
    winners = []
    for k in range(1, min(n, len(remaining)) + 1):
        winners.append(remaining.pop(draw_index(seed, round_number, k, len(remaining))))
    return winners


def assign_prizes(winners: list[str], prizes: list[str]) -> list[tuple[str, str]]:
    """Winner k gets the k-th prize of the published prize list."""
    return list(zip(winners, prizes, strict=False))


def verify(data: dict) -> list[str]:
    """Recompute a drawn round from its published JSON; the differences found ([] = OK)."""
    problems = []
    seed = data.get("seed")
    entries = data.get("entries") or []
    if data.get("state") != "drawn" or not seed:
        return ["the draw has not been run yet: no seed is published"]
    if not SEED_RE.match(str(seed)):
        problems.append("the seed is not 64 lowercase hex characters")
        return problems
    if commitment(seed) != data.get("commitment"):
        problems.append(f"commitment: SHA-256(seed) = {commitment(seed)}, published {data.get('commitment')}")
    if entries != sorted(entries):
        problems.append("the published entries are not sorted")
    if len(set(entries)) != len(entries):
        problems.append("the published entries repeat")
    if any(not HASH_RE.match(str(e)) for e in entries):
        problems.append("an entry is not a SHA-256 hex digest")
    try:
        expected = select(seed, entries, int(data.get("winners_count", 0)), int(data.get("round", 1)))
    except ValueError as exc:
        return [*problems, str(exc)]
    published = [w.get("entry") for w in data.get("winners") or []]
    if published != expected:
        for i in range(max(len(published), len(expected))):
            got = published[i] if i < len(published) else None
            want = expected[i] if i < len(expected) else None
            if got != want:
                problems.append(f"winner {i + 1}: recomputed {want}, published {got}")
    prizes = data.get("prizes") or []
    for i, winner in enumerate(data.get("winners") or []):
        want = prizes[i] if i < len(prizes) else None
        if winner.get("prize") != want:
            problems.append(f"winner {i + 1}: prize {winner.get('prize')!r}, the list gives {want!r}")
    return problems
