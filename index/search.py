"""Hybrid retrieval: dense (FAISS) and BM25 candidates fused by reciprocal rank."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from index.settings import SearchSettings
from index.store import Index
from ingest.records import Passage

Retriever = Literal["hybrid", "dense", "bm25"]


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


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the `k` highest scores, best first; ties broken by lower index."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return sorted(part.tolist(), key=lambda i: (-scores[i], i))


def search(index: Index, query: str, query_vec: np.ndarray, k: int = 10,
           retriever: Retriever = "hybrid", settings: SearchSettings = SearchSettings()) -> list[Hit]:
    """The `k` best passages for one query, each with dense and BM25 evidence."""
    n = len(index.passages)
    if n == 0:
        return []
    depth = max(settings.depth, k)
    dense_ranked, dense_top = _faiss_top(index, query_vec, depth) if retriever != "bm25" else ([], [])
    bm25_scores = index.bm25.scores(query)
    bm25_ranked = [i for i in top_k(bm25_scores, depth) if bm25_scores[i] > 0] if retriever != "dense" else []
    if retriever == "dense":
        order = dict(zip(dense_ranked, dense_top))
    elif retriever == "bm25":
        order = {i: float(bm25_scores[i]) for i in bm25_ranked}
    else:
        order = rrf([dense_ranked, bm25_ranked], settings.rrf_k)
    ranked = sorted(order, key=lambda i: (-order[i], i))[:k]
    dense_of = (index.embeddings[ranked] @ query_vec).tolist()
    d_rank = {i: r for r, i in enumerate(dense_ranked, 1)}
    b_rank = {i: r for r, i in enumerate(bm25_ranked, 1)}
    return [Hit(i, index.passages[i], order[i], float(d), d_rank.get(i), float(bm25_scores[i]),
                b_rank.get(i)) for i, d in zip(ranked, dense_of)]


def _faiss_top(index: Index, query_vec: np.ndarray, depth: int) -> tuple[list[int], list[float]]:
    scores, ids = index.dense.search(query_vec.reshape(1, -1).astype(np.float32),
                                     min(depth, index.dense.ntotal))
    keep = ids[0] >= 0
    return ids[0][keep].tolist(), scores[0][keep].tolist()
