"""`index.milvus_store.bm25_scores` is bm25s' Lucene BM25: the Milvus store scores candidates with it."""

from __future__ import annotations

import bm25s
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from index.milvus_store import TermCounts, bm25_scores

WORDS = st.sampled_from(["harbour", "contain", "crane", "rain", "river", "appl", "harvest", "runway"])


def counts_of(corpus: list[list[str]]) -> TermCounts:
    df: dict[str, int] = {}
    for terms in corpus:
        for t in set(terms):
            df[t] = df.get(t, 0) + 1
    return TermCounts(len(corpus), df, sum(map(len, corpus)) / len(corpus))


@settings(max_examples=200, deadline=None)
@given(corpus=st.lists(st.lists(WORDS, min_size=1, max_size=12), min_size=1, max_size=12),
       query=st.lists(WORDS, min_size=1, max_size=5),
       k1=st.floats(0.1, 2.0), b=st.floats(0.0, 1.0))
def test_scores_equal_bm25s_lucene(corpus: list[list[str]], query: list[str], k1: float, b: float) -> None:
    ref = bm25s.BM25(k1=k1, b=b, method="lucene")
    ref.index(corpus, show_progress=False)
    known = [t for t in query if t in ref.vocab_dict]  # bm25s scores known terms (as index.bm25 does)
    expected = ref.get_scores(known) if known else np.zeros(len(corpus))
    got = bm25_scores(query, corpus, counts_of(corpus), k1, b)
    assert np.allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_no_query_terms_or_no_passages_score_zero() -> None:
    counts = TermCounts(2, {"rain": 1}, 1.5)
    assert bm25_scores([], [["rain"], ["river", "rain"]], counts, 0.9, 0.4).tolist() == [0.0, 0.0]
    assert bm25_scores(["rain"], [], counts, 0.9, 0.4).shape == (0,)
    assert bm25_scores(["crane"], [["rain"]], counts, 0.9, 0.4).tolist() == [0.0]
