"""Hybrid retrieval: dense and BM25 candidates from a store (`index.protocol`), fused.

Fusion is a weighted sum of each retriever's scores after normalisation over its
own candidates (`SearchSettings.fusion`: z-score or min-max), or reciprocal-rank
fusion; benchmarks/tune_retrieval.py measures the choices on SciFact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, get_args

import faiss
import numpy as np

from index.protocol import Candidates, Store
from index.settings import SearchSettings
from index.store import Index
from ingest.records import Passage

Retriever = Literal["hybrid", "dense", "bm25"]
RETRIEVERS: tuple[Retriever, ...] = get_args(Retriever)


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with the evidence for why it was found."""

    row: int
    passage: Passage
    score: float  # the score the ranking used (fused for hybrid)
    dense_score: float  # cosine of question and passage
    dense_rank: int | None  # 1-based among dense candidates, None if not fetched
    bm25_score: float
    bm25_rank: int | None

    def trace(self) -> dict:
        return {"dense_rank": self.dense_rank, "dense_score": round(self.dense_score, 4),
                "bm25_rank": self.bm25_rank, "bm25_score": round(self.bm25_score, 4),
                "fused_score": round(self.score, 6)}


def rrf(rankings: list[list[int]], k: int) -> dict[int, float]:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over the lists an item appears in."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, 1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return fused


def normalise(scores: np.ndarray, how: str) -> np.ndarray:
    """Scores made comparable across retrievers: z-scores, or min-max to [0, 1]."""
    scores = np.asarray(scores, dtype=np.float64)
    if len(scores) == 0:
        return scores
    if how == "zscore":  # scores.mean() and scores.std() as numpy computes them (tested), ~3x faster
        dev = scores - scores.sum() / len(scores)
        std = np.sqrt((dev * dev).sum() / len(scores))
        return dev / std if std > 0 else np.zeros_like(scores)
    lo, hi = scores.min(), scores.max()
    return (scores - lo) / (hi - lo) if hi > lo else np.ones_like(scores)


def weighted_sum(n: int, scores: list[np.ndarray], weights: list[float], how: str) -> np.ndarray:
    """Weighted sum of each retriever's scores of the same `n` items, each normalised over them.

    Every item carries its true score from every retriever (not a floor for "not in my
    top list"), so the normalisation sees the same candidates on both sides.
    """
    total = np.zeros(n)
    for sc, w in zip(scores, weights):
        total += w * normalise(sc, how)
    return total


ScoreRows = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def fuse(dense_ranked: list[int], bm25_ranked: list[int], score_rows: ScoreRows,
         settings: SearchSettings) -> dict[int, float]:
    """The hybrid score of every candidate; `score_rows(rows)` gives their dense and BM25 scores."""
    items, scores = fused(dense_ranked, bm25_ranked, score_rows, settings)
    return dict(zip(items.tolist(), scores.tolist()))


def fused(dense_ranked: list[int], bm25_ranked: list[int], score_rows: ScoreRows,
          settings: SearchSettings) -> tuple[np.ndarray, np.ndarray]:
    """`fuse` as two arrays: the candidates and their hybrid scores."""
    if settings.fusion == "rrf":
        return _arrays(rrf([dense_ranked, bm25_ranked], settings.rrf_k))
    # the union in ascending order; a set, not np.union1d: ~2x faster on 600 rows
    items = np.array(sorted(set(dense_ranked).union(bm25_ranked)), dtype=np.int64)
    dense, bm25 = score_rows(items)
    w = settings.dense_weight
    return items, weighted_sum(len(items), [dense, bm25], [w, 1.0 - w], settings.fusion)


def _arrays(order: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    return np.fromiter(order, np.int64, len(order)), np.fromiter(order.values(), np.float64, len(order))


def best(items: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` highest `scores`, best first; ties broken by lower item (the order of
    `sorted(items, key=lambda i: (-score[i], i))`, tested)."""
    return np.lexsort((items, -scores))[:k]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` highest scores, best first; ties broken by lower index."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k < len(scores):  # all items tied with the k-th, so that the lower index wins a tie
        part = np.flatnonzero(scores >= scores[np.argpartition(-scores, k - 1)[k - 1]])
    else:
        part = np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))][:k]


def top_positive(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` highest positive scores, best first; ties broken by lower index
    (the positive ones among `top_k(scores, k)`, ranked without the rest)."""
    positive = np.flatnonzero(scores > 0)
    return positive[top_k(scores[positive], k)]


def search(index: Store, query: str, query_vec: np.ndarray, k: int = 10,
           retriever: Retriever = "hybrid", settings: SearchSettings = SearchSettings(),
           found: Candidates | None = None) -> list[Hit]:
    """The `k` best passages for one query, each with dense and BM25 evidence.

    The store (the local index or Milvus) only fetches candidates and scores; ranking and
    fusion happen here, so every store answers alike. `found`: `candidates(index, query)` made
    before the query was encoded (a remote store starts its text search meanwhile).
    """
    q = found if found is not None else candidates(index, query)
    if q.size() == 0:
        return []
    depth = max(settings.depth, k)
    dense_ranked, dense_top = q.dense(query_vec, depth) if retriever != "bm25" else ([], [])
    bm25_ranked, bm25_top = q.bm25(depth) if retriever != "dense" else ([], [])
    if retriever == "dense":
        items, scores = _arrays(dict(zip(dense_ranked, dense_top)))
    elif retriever == "bm25":
        items, scores = _arrays(dict(zip(bm25_ranked, bm25_top)))
    else:
        items, scores = fused(dense_ranked, bm25_ranked, lambda rows: q.scores(rows, query_vec), settings)
    top = best(items, scores, k)
    dense_of, bm25_of = q.scores(items[top], query_vec)
    d_rank = dict(zip(dense_ranked, range(1, len(dense_ranked) + 1)))
    b_rank = dict(zip(bm25_ranked, range(1, len(bm25_ranked) + 1)))
    return [Hit(i, q.passage(i), s, float(d), d_rank.get(i), float(b), b_rank.get(i))
            for i, s, d, b in zip(items[top].tolist(), scores[top].tolist(), dense_of.tolist(), bm25_of.tolist())]


def candidates(index: Store, query: str) -> Candidates:
    """One query's view of a store: the local index's, or the store's own (`Store.candidates`)."""
    return LocalCandidates(index, query) if isinstance(index, Index) else index.candidates(query)


class LocalCandidates:
    """Candidates from the in-memory index: FAISS for dense, bm25s scores every passage once."""

    def __init__(self, index: Index, query: str) -> None:
        self.index, self.query = index, query

    @cached_property
    def _bm25(self) -> np.ndarray:
        return self.index.bm25.scores(self.query)

    def size(self) -> int:
        return len(self.index.passages)

    def dense(self, query_vec: np.ndarray, depth: int) -> tuple[list[int], list[float]]:
        return _faiss_top(self.index, query_vec, depth)

    def bm25(self, depth: int) -> tuple[list[int], list[float]]:
        scores = self._bm25
        ranked = top_positive(scores, depth)
        return ranked.tolist(), scores[ranked].tolist()

    def scores(self, rows: np.ndarray, query_vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.index.embeddings[rows] @ query_vec, self._bm25[rows]

    def passage(self, row: int) -> Passage:
        return self.index.passages[row]


def _faiss_top(index: Index, query_vec: np.ndarray, depth: int) -> tuple[list[int], list[float]]:
    # One query is too little work to share: OpenMP threads waiting on a busy core made a
    # 14k-passage search take 16 ms instead of 1.
    faiss.omp_set_num_threads(1)
    scores, ids = index.dense.search(query_vec.reshape(1, -1).astype(np.float32),
                                     min(depth, index.dense.ntotal))
    keep = ids[0] >= 0
    return ids[0][keep].tolist(), scores[0][keep].tolist()
