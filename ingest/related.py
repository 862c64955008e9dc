"""The curated list of related official documents (`corpus/related.toml`), to fetch by URL."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

from ingest.discover import default_corpus
from ingest.fetch import is_url
from ingest.records import RelatedSource

RELATED_FILE = Path("corpus") / "related.toml"


class RelatedError(ValueError):
    """The list cannot be read; the message says where and why, in one line."""


def read_related(path: Path | None = None) -> list[RelatedSource]:
    """The `[[document]]` entries of `path` (default: related.toml of the default corpus), in order."""
    path = path or default_corpus() / RELATED_FILE.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RelatedError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RelatedError(f"bad TOML in {path}: {exc}") from exc
    out = []
    for i, entry in enumerate(data.get("document", []), 1):
        url = str(entry.get("url", "")).strip() if isinstance(entry, dict) else ""
        if not is_url(url):
            raise RelatedError(f"{path}: document {i} needs an http(s) url")
        out.append(RelatedSource(url, _text(entry.get("title")), _text(entry.get("publisher")),
                                 _date(entry.get("published"), path, i)))
    return out


def _text(value: object) -> str | None:
    return (str(value).strip() or None) if value is not None else None


def _date(value: object, path: Path, i: int) -> str | None:
    """TOML dates (`2024-05-28`) or ISO strings; anything else is a mistake worth reporting."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        raise RelatedError(f"{path}: document {i} has a bad date {value!r} (use YYYY-MM-DD)") from None
