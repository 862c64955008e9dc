"""The one-line reasons beside skipped sources."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ingest.reasons import first_line, too_large


def test_too_large_examples() -> None:
    assert too_large(62_300_000, 50_000_000) == "too large (62.3 MB > limit 50.0 MB)"
    assert too_large(2_400, 2_000) == "too large (2,400 bytes > limit 2,000 bytes)"
    assert too_large(50_000_001, 50_000_000) == "too large (50,000,001 bytes > limit 50,000,000 bytes)"
    assert too_large(None, 100_000) == "too large (over the limit 0.1 MB)"


@given(st.integers(1, 10**10), st.integers(1, 10**10))
def test_too_large_always_shows_two_different_figures(limit: int, extra: int) -> None:
    reason = too_large(limit + extra, limit)
    got, lim = reason.removeprefix("too large (").removesuffix(")").split(" > limit ")
    assert got != lim


def test_first_line_is_one_short_line() -> None:
    assert first_line(ValueError("bad xref\nat offset 12")) == "bad xref"
    assert first_line(KeyError()) == "KeyError"  # no message: the exception's kind
    assert len(first_line(OSError("x" * 500))) == 200
