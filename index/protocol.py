"""What retrieval and answers need from an index, whichever store holds it.

Two stores implement it: the local index (`index.store.Index`, in memory, the default)
and Milvus (`index.milvus_store.MilvusIndex`, embedded Milvus Lite or a server). Search,
fusion and answer selection are docqa's own and run on top of either, so both answer
alike; a store only finds candidates, scores given rows and hands out stored records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

import numpy as np

from index.settings import BuildSettings
from ingest.records import Passage


class Candidates(Protocol):
    """One query's view of a store. Rows are the store's passage ids (ints)."""

    def size(self) -> int:
        """Passages in the store (0: nothing to search)."""

    def dense(self, query_vec: np.ndarray, depth: int) -> tuple[list[int], list[float]]:
        """The `depth` passages closest to `query_vec`, best first, with their cosines."""

    def bm25(self, depth: int) -> tuple[list[int], list[float]]:
        """The `depth` best BM25 passages with a positive score, best first, with their scores."""

    def scores(self, rows: np.ndarray, query_vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Dense and BM25 scores of `rows` (0 where BM25 finds none of the query's terms)."""

    def passage(self, row: int) -> Passage:
        """The stored passage `row`."""


class TermStats(Protocol):
    n: int  # passages the statistics count

    def idf(self, terms: set[str]) -> dict[str, float]:
        """BM25's inverse document frequency of each term over the store's passages."""


class Store(Protocol):
    """An index as answers see it. The local `Index` has these attributes; so has `MilvusIndex`."""

    settings: BuildSettings  # how the index was built (backend, chunking, BM25 k1 and b)
    bm25: TermStats  # term weights for the answer scorer

    @property
    def docs(self) -> Iterable:
        """Every document (`DocEntry`), in index order."""

    @property
    def doc_by_id(self) -> Mapping:
        """doc_id -> `DocEntry` with the full document (text, regions, pages)."""

    def sentence_vectors(self, row: int) -> np.ndarray | None:
        """Unit vectors of passage `row`'s sentences, made at ingest (None if not stored)."""

    def candidates(self, query: str) -> Candidates:
        """A view for one query (the local index gets `index.search.LocalCandidates`)."""
