"""The rate limiter (``lernen25.limits``): a sliding window, shared counts, clear refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lernen25 import limits
from lernen25.errors import RefusalKind, Refused

NAME = "tests.sample"


@pytest.fixture
def sample_limit(monkeypatch):
    """A limit of 5 per 10 seconds, registered for the test only."""
    spec = limits.Limit(NAME, 5, 10, "Bitte warten Sie %(seconds)d Sekunden.")
    monkeypatch.setitem(limits._limits, NAME, spec)
    return spec


def _refusal(actor, at: float) -> Refused | None:
    try:
        limits.consume(actor, NAME, now=at)
    except Refused as refusal:
        return refusal
    return None


def test_the_limit_passes_count_uses_and_refuses_the_next_with_a_wait(sample_limit):
    start = 1_000_000.0  # the start of a window
    assert [_refusal("k", start + i * 0.1) for i in range(5)] == [None] * 5
    refusal = _refusal("k", start + 0.6)
    assert refusal is not None
    assert refusal.kind == RefusalKind.RATE_LIMITED and refusal.status == 429
    assert 1 <= refusal.retry_after <= 20
    assert str(refusal.message) == f"Bitte warten Sie {refusal.retry_after} Sekunden."


def test_a_burst_across_a_window_boundary_does_not_pass_twice_the_limit(sample_limit):
    """A fixed window would take 5 at the end of one window and 5 more at the start of the next."""
    end_of_window = 1_000_009.5
    passed = sum(_refusal("k", end_of_window + i * 0.1) is None for i in range(10))  # within one second
    assert passed == 5


def test_waiting_the_retry_after_lets_the_next_use_through(sample_limit):
    start = 1_000_003.0
    for i in range(5):
        limits.consume("k", NAME, now=start + i)
    refusal = _refusal("k", start + 5)
    assert _refusal("k", start + 5 + refusal.retry_after) is None


def test_refused_attempts_do_not_count(sample_limit):
    start = 1_000_000.0
    for i in range(5):
        limits.consume("k", NAME, now=start + i * 0.01)
    for _ in range(50):  # hammering while refused
        assert _refusal("k", start + 1) is not None
    refusal = _refusal("k", start + 1)
    assert _refusal("k", start + 1 + refusal.retry_after) is None


def test_people_and_limits_are_counted_apart(sample_limit, lehrkraft_a, plg_leitung):
    for _ in range(5):
        limits.consume(lehrkraft_a, NAME)
    assert _refusal(lehrkraft_a, None) is not None
    limits.consume(plg_leitung, NAME)  # another person
    limits.consume(f"u{plg_leitung.pk}-other", NAME)  # another key


def test_unknown_and_doubly_registered_limits_are_errors(sample_limit):
    with pytest.raises(LookupError):
        limits.consume("k", "tests.no_such_limit")
    with pytest.raises(ValueError, match="twice"):
        limits.limit(NAME, 1, 1, "x")


@settings(max_examples=150, deadline=None)
@given(
    times=st.lists(st.floats(min_value=0, max_value=60, allow_nan=False), min_size=1, max_size=60).map(sorted),
)
def test_no_window_of_the_limits_length_ever_holds_more_than_the_limit(times):
    """Generated bursts: no span of one window (10 s) ever holds 2 x the limit.

    The estimate weights the previous window's count by how much of it still overlaps (uniform
    spread assumed): exact for steady use; in the worst case (the previous window's uses all at its
    very end) a span of one window can hold up to 2 x limit - 1, where a fixed window lets 2 x pass.
    """
    spec = limits.Limit(NAME, 5, 10, "%(seconds)d")
    key = f"gen-{id(times)}-{len(times)}"
    limits._limits[NAME] = spec
    try:
        limits.reset(key, NAME)
        start = 2_000_000.0
        passed = [t for t in times if _refusal(key, start + t) is None]
    finally:
        limits._limits.pop(NAME, None)
    for t in passed:
        assert sum(t <= other < t + spec.seconds for other in passed) <= 2 * spec.count - 1
    # And within any single fixed window (start is a window's start) never more than the limit.
    for window in range(7):
        assert sum(window * 10 <= t < (window + 1) * 10 for t in passed) <= spec.count


def test_consume_many_counts_each_actor_in_one_go_and_refuses_only_the_one_over(sample_limit):
    start = 1_000_000.0
    for i in range(5):
        limits.consume("busy", NAME, now=start + i * 0.01)
    refusals = limits.consume_many(["busy", "calm", "calm"], NAME, now=start + 0.1)
    assert refusals[0] is not None and refusals[0].kind == RefusalKind.RATE_LIMITED
    assert refusals[1:] == [None, None]
    # "calm" was counted twice; three more fit, the fourth does not
    assert [_refusal("calm", start + 0.2) for _ in range(3)] == [None] * 3
    assert _refusal("calm", start + 0.2) is not None
    assert _refusal("busy", start + 0.2) is not None  # the refused attempt did not count, but 5 did
