"""Settings that shape an index; stored in its manifest so queries match the build."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

FORMAT_VERSION = 1
DEFAULT_INDEX = Path(".docqa/index")

# Dense index type by size: exact search below the threshold, an HNSW graph above
# (benchmarks/scaling.py measures latency and recall@10 against exact search).
HNSW_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


def index_dir(path: str | Path | None = None, default: Path = DEFAULT_INDEX) -> Path:
    """The index directory: `path`, else `DOCQA_INDEX`, else `default` (`.docqa/index`)."""
    return Path(path or os.environ.get("DOCQA_INDEX") or default)


@dataclass(frozen=True)
class BuildSettings:
    """What decides passages and vectors; a change means re-embedding."""

    model: str
    chunk_tokens: int = 160
    overlap: int = 1
    chunker: int = 1  # bump when chunking logic changes
    # embedding backend (torch | onnx | onnx-int8); queries use the one the index was built with
    backend: str = field(default_factory=lambda: _backend())
    # BM25 k1 and b (chosen on SciFact train; bm25s' defaults are 1.5 and 0.75), and how many
    # neighbouring passages of its document each passage is indexed with, on each side: 1 lifts
    # SciFact BM25 (0.6857 -> 0.6958 nDCG@10) but blurs passages of long documents (article dev set
    # hit@1 0.861 -> 0.778), so 0. A change rebuilds BM25 only; the vectors stay.
    bm25_k1: float = 0.9
    bm25_b: float = 0.4
    bm25_context: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    def same_vectors(self, other: BuildSettings) -> bool:
        """Whether an index built with `other` has the passages and vectors these settings make."""
        def key(s: BuildSettings) -> dict:
            return {k: v for k, v in asdict(s).items() if not k.startswith("bm25_")}
        return key(self) == key(other)


@dataclass(frozen=True)
class Prf:
    """RM3-style pseudo-relevance feedback for BM25: `terms` new terms from the top `docs`
    passages, given `weight` of the final score."""

    docs: int = 10
    terms: int = 10
    weight: float = 0.3


@dataclass(frozen=True)
class SearchSettings:
    """How a query is answered from an index; free to change between queries."""

    # Defaults chosen on SciFact train (benchmarks/tune_retrieval.py, table in RESULTS.md).
    depth: int = 300  # candidates fetched from each retriever before fusion
    fusion: str = "zscore"  # "rrf", or weighted sum of "zscore" / "minmax" normalised scores
    rrf_k: int = 60
    dense_weight: float = 0.7  # weighted fusion: share of the dense score
    rocchio_beta: float = 0.0  # > 0: move the query vector towards its top dense passages
    rocchio_docs: int = 3
    prf: Prf | None = None  # pseudo-relevance feedback for BM25


def _backend() -> str:
    from index.embedder import backend_name

    return backend_name()
