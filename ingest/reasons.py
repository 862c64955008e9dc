"""One-line reasons shown beside a source that was skipped: sizes over a limit, error messages."""

from __future__ import annotations


def too_large(size: int | None, limit: int) -> str:
    """Why a file, download or upload of `size` bytes (None: unknown, a stream cut off) is
    refused: both in MB, or in bytes for limits under 0.1 MB or where MB would read alike."""
    def unit(n: int) -> str:
        return f"{n / 1e6:.1f} MB" if limit >= 100_000 else f"{n:,} bytes"

    if size is None:
        return f"too large (over the limit {unit(limit)})"
    got, lim = unit(size), unit(limit)
    if got == lim:  # rounded alike: give the exact counts
        got, lim = f"{size:,} bytes", f"{limit:,} bytes"
    return f"too large ({got} > limit {lim})"


def first_line(exc: Exception) -> str:
    """An exception's message cut to one short line, for a reason shown beside a source."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
