"""Settings that shape an index; stored in its manifest so queries match the build."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

FORMAT_VERSION = 1
DEFAULT_INDEX = Path(".docqa/index")


def index_dir(path: str | Path | None = None) -> Path:
    """The index directory: `path`, else `DOCQA_INDEX`, else `.docqa/index`."""
    return Path(path or os.environ.get("DOCQA_INDEX") or DEFAULT_INDEX)


@dataclass(frozen=True)
class BuildSettings:
    """What decides passages and vectors; a change means re-embedding."""

    model: str
    chunk_tokens: int = 160
    overlap: int = 1
    chunker: int = 1  # bump when chunking logic changes

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SearchSettings:
    """How a query is answered from an index; free to change between queries."""

    depth: int = 100  # candidates fetched from each retriever before fusion
    rrf_k: int = 60
