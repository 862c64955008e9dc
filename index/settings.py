"""Settings that shape an index and how it is queried, and the DOCQA_* configuration.

This module is the leaf of `index/`: it imports nothing from the package. The
environment is read in one place, `Config.from_env`, at start-up; everything else
takes its settings through constructors.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

FORMAT_VERSION = 2  # 2: sentence vectors and every build setting are always stored
DEFAULT_INDEX = Path(".docqa/index")
DEFAULT_MODEL = "all-MiniLM-L6-v2"
BACKENDS = ("torch", "onnx", "onnx-int8")
DEFAULT_BACKEND = "onnx-int8"  # ~2.7× torch on this CPU; SciFact nDCG@10 hybrid +0.007, dense −0.006 (RESULTS.md)

# Dense index type by size: exact search below the threshold, an HNSW graph above
# (benchmarks/scaling.py measures latency and recall@10 against exact search).
HNSW_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128


def check_backend(name: str) -> str:
    """`name` if it is a known embedding backend; a clear error otherwise."""
    if name not in BACKENDS:
        raise ValueError(f"unknown embedding backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return name


def models_dir_beside(index_root: Path) -> Path:
    """The default home of exported ONNX models: `models/` beside the index directory."""
    return Path(index_root).resolve().parent / "models"


@dataclass(frozen=True)
class Config:
    """Where the index lives and which model and backend embed: what `DOCQA_*` configures."""

    index: Path = DEFAULT_INDEX
    model: str = DEFAULT_MODEL  # the bundled MiniLM, or a local model directory
    backend: str = DEFAULT_BACKEND
    threads: int = 0  # ONNX intra-op threads; 0: min(2, CPUs)
    models: Path | None = None  # exported ONNX models; None: `models/` beside the index

    def __post_init__(self) -> None:
        check_backend(self.backend)

    @classmethod
    def from_env(cls, index: str | Path | None = None, default_index: Path = DEFAULT_INDEX,
                 environ: Mapping[str, str] = os.environ) -> Config:
        """The configuration: `DOCQA_INDEX` (unless `index` is given, else `default_index`),
        `DOCQA_MODEL`, `DOCQA_BACKEND`, `DOCQA_THREADS`, `DOCQA_MODELS`. The one place the
        environment is read."""
        models = environ.get("DOCQA_MODELS")
        return cls(index=Path(index or environ.get("DOCQA_INDEX") or default_index),
                   model=environ.get("DOCQA_MODEL") or DEFAULT_MODEL,
                   backend=check_backend(environ.get("DOCQA_BACKEND") or DEFAULT_BACKEND),
                   threads=int(environ.get("DOCQA_THREADS") or 0),
                   models=Path(models) if models else None)

    def with_index(self, index: str | Path | None) -> Config:
        """This configuration with another index directory (unchanged when `index` is None)."""
        return self if index is None else replace(self, index=Path(index))

    @property
    def models_dir(self) -> Path:
        """Where exported ONNX models are cached: `models`, else `models/` beside the index."""
        return self.models or models_dir_beside(self.index)

    def build_settings(self, **overrides: object) -> BuildSettings:
        """The build settings this configuration asks for (`overrides`: other fields)."""
        return BuildSettings(model=self.model, backend=self.backend).replace(**overrides)


@dataclass(frozen=True)
class BuildSettings:
    """What decides passages and vectors; a change means re-embedding."""

    model: str = DEFAULT_MODEL
    chunk_tokens: int = 160
    overlap: int = 1
    chunker: int = 1  # bump when chunking logic changes
    # embedding backend (torch | onnx | onnx-int8); queries use the one the index was built with
    backend: str = DEFAULT_BACKEND
    # BM25 k1 and b (chosen on SciFact train; bm25s' defaults are 1.5 and 0.75), and how many
    # neighbouring passages of its document each passage is indexed with, on each side: 1 lifts
    # SciFact BM25 (0.6857 -> 0.6958 nDCG@10) but blurs passages of long documents (article dev set
    # hit@1 0.861 -> 0.778), so 0. A change rebuilds BM25 only; the vectors stay.
    bm25_k1: float = 0.9
    bm25_b: float = 0.4
    bm25_context: int = 0

    def to_dict(self) -> dict:
        return asdict(self)

    def replace(self, **changes: object) -> BuildSettings:
        """A copy with `changes`; an unknown field name raises TypeError."""
        return replace(self, **changes) if changes else self

    def same_vectors(self, other: BuildSettings) -> bool:
        """Whether an index built with `other` has the passages and vectors these settings make."""
        def key(s: BuildSettings) -> dict:
            return {k: v for k, v in asdict(s).items() if not k.startswith("bm25_")}
        return key(self) == key(other)


@dataclass(frozen=True)
class SearchSettings:
    """How a query is answered from an index; free to change between queries."""

    # Defaults chosen on SciFact train (benchmarks/tune_retrieval.py, table in RESULTS.md).
    depth: int = 300  # candidates fetched from each retriever before fusion
    fusion: str = "zscore"  # "rrf", or weighted sum of "zscore" / "minmax" normalised scores
    rrf_k: int = 60
    dense_weight: float = 0.7  # weighted fusion: share of the dense score
    # RM3 and Rocchio query feedback were tried and not kept: benchmarks/feedback.py
