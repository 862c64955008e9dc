"""Query feedback tried on SciFact train and not kept (benchmarks/tune_retrieval.py, RESULTS.md):
RM3-style pseudo-relevance feedback for BM25, and Rocchio feedback for the dense query vector.

Kept here, beside the script that measures them, so the "tried and not kept" rows can be
reproduced; the product's search has neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.sparse import csc_matrix, csr_matrix

from index.bm25 import Bm25, tokenize


@dataclass(frozen=True)
class Prf:
    """RM3-style pseudo-relevance feedback for BM25: `terms` new terms from the top `docs`
    passages, given `weight` of the final score."""

    docs: int = 10
    terms: int = 10
    weight: float = 0.3


def prf_scores(bm: Bm25, query: str, prf: Prf | None) -> np.ndarray:
    """BM25 scores of every passage for `query`, with `prf` feedback when given."""
    scores = bm.scores(query)
    terms = [t for t in tokenize([query])[0] if t in bm.retriever.vocab_dict]
    if prf is None or prf.terms <= 0 or not terms or bm.n == 0:
        return scores
    return expanded(bm, terms, scores, prf)


def expanded(bm: Bm25, terms: list[str], scores: np.ndarray, prf: Prf) -> np.ndarray:
    """The query plus the terms that weigh most in its top passages (each passage's term
    weights scaled by its normalised score)."""
    top = np.argsort(-scores)[:prf.docs]
    top = top[scores[top] > 0]
    if not len(top):
        return scores
    rows = _by_doc(bm)[top]  # BM25 weight of every term in each feedback passage
    w = scores[top] / scores[top].sum()
    weights = np.asarray(rows.multiply(w[:, None]).sum(0)).ravel()
    weights[[bm.retriever.vocab_dict[t] for t in set(terms)]] = 0  # new terms only
    new = np.argsort(-weights)[:prf.terms]
    new = new[weights[new] > 0]
    if not len(new):
        return scores
    expansion = (_by_doc(bm)[:, new] @ (weights[new] / weights[new].sum())).astype(np.float32)
    # mix on a common scale: the expansion is scaled to the query's own top score
    scale = scores.max() / max(float(expansion.max()), 1e-9)
    return (1 - prf.weight) * scores + prf.weight * scale * expansion


@cache
def _by_doc(bm: Bm25) -> csr_matrix:
    """Passages × terms BM25 weights (bm25s stores them by term)."""
    m = bm.retriever.scores
    return csc_matrix((m["data"], m["indices"], m["indptr"]), shape=(bm.n, len(m["indptr"]) - 1)).tocsr()


def rocchio(query_vec: np.ndarray, feedback: np.ndarray, beta: float) -> np.ndarray:
    """The query vector moved towards the centroid of feedback vectors, unit length again."""
    if beta <= 0 or len(feedback) == 0:
        return query_vec
    v = query_vec + beta * feedback.mean(0)
    return (v / np.linalg.norm(v)).astype(np.float32)
