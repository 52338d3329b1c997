"""The draw algorithm (sapa.prizes.draw): properties under hypothesis, fairness by a chi-square
test, and fixed vectors that another implementation must reproduce (docs/draw-algorithm.md)."""

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from sapa.prizes import draw

seeds = st.binary(min_size=32, max_size=32).map(bytes.hex)
entry_lists = st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=60, unique=True)


def _entries(ids, salt="00" * 16):
    return sorted(draw.entry_hash(salt, i) for i in ids)


@settings(max_examples=200, deadline=None)
@given(seed=seeds, ids=entry_lists, n=st.integers(min_value=1, max_value=70), round_number=st.integers(1, 5))
def test_same_seed_and_list_give_the_same_winners(seed, ids, n, round_number):
    entries = _entries(ids)
    first = draw.select(seed, entries, n, round_number)
    # The list in any order is sorted first: the order it arrives in does not matter.
    assert draw.select(seed, list(reversed(entries)), n, round_number) == first
    assert draw.select(seed, entries, n, round_number) == first


@settings(max_examples=200, deadline=None)
@given(seed=seeds, ids=entry_lists, n=st.integers(min_value=1, max_value=70))
def test_nobody_wins_twice_and_every_winner_is_an_eligible_entry(seed, ids, n):
    entries = _entries(ids)
    winners = draw.select(seed, entries, n)
    assert len(winners) == min(n, len(entries))
    assert len(set(winners)) == len(winners)
    assert set(winners) <= set(entries)


@settings(max_examples=100, deadline=None)
@given(seed=seeds, other=seeds, ids=st.lists(st.integers(1, 10**6), min_size=20, max_size=40, unique=True))
def test_another_seed_or_round_gives_another_draw(seed, other, ids):
    entries = _entries(ids)
    if seed != other:
        assert draw.select(seed, entries, 5) != draw.select(other, entries, 5) or \
            draw.select(seed, entries, 5, 2) != draw.select(other, entries, 5, 2)


@settings(max_examples=100, deadline=None)
@given(seed=seeds)
def test_the_commitment_binds_the_seed(seed):
    assert draw.commitment(seed) == hashlib.sha256(seed.encode()).hexdigest()
    assert draw.seed_matches(seed, draw.commitment(seed))
    tampered = ("0" if seed[0] != "0" else "1") + seed[1:]
    assert not draw.seed_matches(tampered, draw.commitment(seed))


# Chi-square at the 0.1 % level: the critical values of the chi-square distribution
# (upper tail 0.001) for the degrees of freedom used here, from the standard tables
# (e.g. NIST/SEMATECH e-Handbook, 1.3.6.7.4). scipy is not installed.
CHI2_CRITICAL_0_001 = {9: 27.877, 19: 43.820}


def _chi_square(counts, expected):
    return sum((c - expected) ** 2 / expected for c in counts)


def test_every_entry_wins_first_place_equally_often_over_many_seeds():
    """10 entries, seeds i = 0..19 999 (fixed, so the test is reproducible): each entry is the
    first winner about 2 000 times; the chi-square statistic stays below the 0.1 % critical value."""
    entries = _entries(range(1, 11))
    counts = dict.fromkeys(entries, 0)
    trials = 20_000
    for i in range(trials):
        seed = hashlib.sha256(f"chi-square-{i}".encode()).hexdigest()
        counts[draw.select(seed, entries, 1)[0]] += 1
    statistic = _chi_square(counts.values(), trials / len(entries))
    assert statistic < CHI2_CRITICAL_0_001[9], (statistic, counts)


def test_every_entry_is_among_three_winners_equally_often():
    """20 entries, 3 winners a draw over 10 000 fixed seeds: each entry wins 3/20 of the draws."""
    entries = _entries(range(100, 120))
    counts = dict.fromkeys(entries, 0)
    trials = 10_000
    for i in range(trials):
        seed = hashlib.sha256(f"three-{i}".encode()).hexdigest()
        for winner in draw.select(seed, entries, 3):
            counts[winner] += 1
    statistic = _chi_square(counts.values(), trials * 3 / len(entries))
    assert statistic < CHI2_CRITICAL_0_001[19], (statistic, counts)


def test_a_biased_draw_fails_the_same_chi_square_test():
    """The test can fail: a draw that favours the first entry a little is caught."""
    entries = _entries(range(1, 11))
    counts = dict.fromkeys(entries, 0)
    trials = 20_000
    for i in range(trials):
        seed = hashlib.sha256(f"chi-square-{i}".encode()).hexdigest()
        winner = draw.select(seed, entries, 1)[0]
        if i % 10 == 0:  # one draw in ten goes to the first entry whatever the seed says
            winner = entries[0]
        counts[winner] += 1
    assert _chi_square(counts.values(), trials / len(entries)) > CHI2_CRITICAL_0_001[9]


def test_rejection_sampling_removes_the_modulo_bias():
    """With m entries the accepted hashes are below the largest multiple of m under 2**256."""
    for m in (1, 3, 7, 100, 2**255 + 1):
        limit = draw.SPACE - draw.SPACE % m
        assert limit % m == 0 and draw.SPACE - limit < m
    # With m just above 2**255 about half of the hashes are rejected: the loop goes on
    # (counter 1, 2, ...) and still ends with an index below m.
    index = draw.draw_index("ab" * 32, 1, 1, 2**255 + 1)
    assert 0 <= index < 2**255 + 1


def test_fixed_vector():
    """A worked example, repeated in docs/draw-algorithm.md, for other implementations."""
    seed = "0f" * 32
    salt = "5a" * 16
    entries = sorted(draw.entry_hash(salt, i) for i in (11, 12, 13, 14, 15))
    assert draw.entry_hash(salt, 11) == hashlib.sha256(f"{salt}:11".encode()).hexdigest()
    h = int(hashlib.sha256(f"{seed}:1:1:0".encode()).hexdigest(), 16)
    assert draw.select(seed, entries, 1) == [entries[h % 5]]
    ids = {draw.entry_hash(salt, i): i for i in (11, 12, 13, 14, 15)}
    assert draw.commitment(seed) == "7152f9958a983e3313fb2498d743af1e83a0ff5999650fd341f0368d1678992c"
    assert [ids[w] for w in draw.select(seed, entries, 3)] == [13, 14, 11]
