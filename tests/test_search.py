"""Fusion math, ranking helpers, BM25 feedback and the dense index type: small exact cases and properties."""

from __future__ import annotations

import faiss
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.search import best, fuse, normalise, rrf, top_k, top_positive, weighted_sum
from index.settings import SearchSettings
from index.bm25 import Bm25
from index.store import build_dense

scores_st = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=0, max_size=40)
ranking_st = st.lists(st.integers(0, 30), max_size=20, unique=True)


def test_rrf_by_hand() -> None:
    fused = rrf([[7, 3], [3, 9]], k=10)
    assert fused == pytest.approx({7: 1 / 11, 3: 1 / 12 + 1 / 11, 9: 1 / 12})


def test_weighted_sum_by_hand() -> None:
    dense = np.array([0.9, 0.7, 0.5, 0.1])  # min-max: 1, .75, .5, 0
    bm25 = np.array([0.0, 0.0, 12.0, 6.0])  # min-max: 0, 0, 1, .5
    fused = weighted_sum(4, [dense, bm25], [0.6, 0.4], "minmax")
    assert fused.tolist() == pytest.approx([0.6, 0.45, 0.7, 0.2])
    z = weighted_sum(2, [np.array([3.0, 1.0])], [1.0], "zscore")
    assert z.tolist() == pytest.approx([1.0, -1.0])


def test_fuse_scores_the_union_with_true_scores() -> None:
    dense_all = np.array([0.8, 0.4, 0.1, 0.6])
    bm25_all = np.array([1.0, 5.0, 3.0, 0.0])
    rows = lambda r: (dense_all[r], bm25_all[r])  # noqa: E731
    assert fuse([0, 3], [1, 2], rows, SearchSettings(fusion="rrf", rrf_k=60)) == rrf([[0, 3], [1, 2]], 60)
    only_dense = fuse([0, 3], [1, 2], rows, SearchSettings(fusion="zscore", dense_weight=1.0))
    assert set(only_dense) == {0, 1, 2, 3}
    assert sorted(only_dense, key=only_dense.get, reverse=True) == [0, 3, 1, 2]
    only_bm25 = fuse([0, 3], [1, 2], rows, SearchSettings(fusion="minmax", dense_weight=0.0))
    assert sorted(only_bm25, key=only_bm25.get, reverse=True) == [1, 2, 0, 3]


@given(scores_st)
def test_top_k_matches_a_full_sort(values: list[float]) -> None:
    scores = np.array(values, dtype=np.float64)
    for k in (0, 1, 5, len(values), len(values) + 3):
        expect = sorted(range(len(values)), key=lambda i: (-values[i], i))[:max(k, 0)]
        assert top_k(scores, k).tolist() == expect


@given(scores_st)
def test_top_positive_matches_a_full_sort(values: list[float]) -> None:
    scores = np.array(values, dtype=np.float32)
    for k in (0, 1, 5, len(values), len(values) + 3):
        expect = [i for i in sorted(range(len(values)), key=lambda i: (-scores[i], i))[:k] if scores[i] > 0]
        assert top_positive(scores, k).tolist() == expect


@given(st.dictionaries(st.integers(0, 60), st.floats(-1e3, 1e3, allow_nan=False), max_size=40),
       st.integers(0, 45))
def test_best_matches_a_full_sort(order: dict[int, float], k: int) -> None:
    items, scores = np.array(list(order), dtype=np.int64), np.array(list(order.values()))
    assert items[best(items, scores, k)].tolist() == sorted(order, key=lambda i: (-order[i], i))[:k]


@given(st.lists(ranking_st, min_size=1, max_size=4), st.integers(1, 100))
def test_rrf_properties(rankings: list[list[int]], k: int) -> None:
    fused = rrf(rankings, k)
    assert set(fused) == {i for r in rankings for i in r}
    for item, score in fused.items():
        appearances = sum(item in r for r in rankings)
        assert 0 < score <= appearances / (k + 1) + 1e-12
    for r in rankings:  # alone, a list keeps its order
        if len(rankings) == 1:
            assert sorted(r, key=lambda i: -fused[i]) == r


@given(scores_st, st.sampled_from(["minmax", "zscore"]))
def test_normalise_keeps_order(values: list[float], how: str) -> None:
    raw = np.array(values)
    norm = normalise(raw, how)
    assert norm.shape == raw.shape and np.isfinite(norm).all()
    for i in range(len(values)):
        for j in range(len(values)):
            if raw[i] < raw[j]:
                assert norm[i] <= norm[j]
    if how == "minmax" and len(values):
        assert norm.min() >= 0 and norm.max() <= 1 + 1e-12


@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=1, max_size=700))
def test_zscores_use_numpys_mean_and_std_bit_for_bit(values: list[float]) -> None:
    scores = np.array(values, dtype=np.float32)
    wide = scores.astype(np.float64)
    expect = (wide - wide.mean()) / wide.std() if wide.std() > 0 else np.zeros_like(wide)
    assert np.array_equal(normalise(scores, "zscore"), expect)


@given(st.lists(st.tuples(st.floats(-100, 100, allow_nan=False), st.floats(0, 100, allow_nan=False)),
                max_size=30), st.floats(0, 1), st.sampled_from(["minmax", "zscore"]))
def test_weighted_sum_properties(pairs: list, w: float, how: str) -> None:
    items = list(range(len(pairs)))
    dense, bm25 = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    fused = dict(zip(items, weighted_sum(len(items), [dense, bm25], [w, 1 - w], how).tolist()))
    assert set(fused) == set(items) and all(np.isfinite(v) for v in fused.values())
    if how == "minmax":
        assert all(-1e-9 <= v <= 1 + 1e-9 for v in fused.values())
    for i in items:  # an item at least as good on both sides never ranks below another
        for j in items:
            if dense[i] >= dense[j] and bm25[i] >= bm25[j]:
                assert fused[i] >= fused[j] - 1e-9


def test_dense_index_type_by_size() -> None:
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((300, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    small = build_dense(vecs[:100], threshold=200)
    large = build_dense(vecs, threshold=200)
    assert isinstance(small, faiss.IndexFlatIP) and small.ntotal == 100
    assert isinstance(large, faiss.IndexHNSWFlat) and large.ntotal == 300
    assert large.metric_type == faiss.METRIC_INNER_PRODUCT
    _, exact = build_dense(vecs, threshold=10**9).search(vecs[:5], 1)
    _, approx = large.search(vecs[:5], 1)
    assert (approx[:, 0] == exact[:, 0]).all()  # each vector finds itself
    assert build_dense(vecs[:0]).ntotal == 0


@given(st.lists(st.text(alphabet=st.sampled_from(list("abcé ÉIs-'.,1_\n")) | st.characters(), max_size=60),
                min_size=1, max_size=4))
def test_tokenize_matches_bm25s(texts: list[str]) -> None:
    import bm25s

    from index.bm25 import _STEMMER, tokenize

    reference = bm25s.tokenize(texts, stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False)
    assert [[t for t in r if t] for r in reference] == tokenize(texts)


def _passage(doc: str, n: int, text: str):  # noqa: ANN202
    from ingest.records import Passage

    return Passage(doc_id=doc, title="", source=f"{doc}.txt", start=n, end=n + len(text), text=text,
                   section=None, page_start=None, page_end=None, sentences=((n, n + len(text)),))


def test_bm25_context_takes_neighbours_from_the_same_document_only() -> None:
    from index.bm25 import passage_texts

    ps = [_passage("a", 0, "alpha"), _passage("a", 1, "beta"), _passage("a", 2, "gamma"),
          _passage("b", 0, "delta"), _passage("b", 1, "epsilon")]
    assert passage_texts(ps, 0) == ["alpha", "beta", "gamma", "delta", "epsilon"]
    assert passage_texts(ps, 1) == ["alpha beta", "alpha beta gamma", "beta gamma", "delta epsilon",
                                    "delta epsilon"]
    assert passage_texts(ps, 5)[0] == "alpha beta gamma"


def test_bm25_idf_counts_passages_not_their_context() -> None:
    own = ["zebra one", "two", "three", "four"]
    windows = ["zebra one two", "zebra one two three", "two three four", "three four"]
    plain, ctx = Bm25.build(own), Bm25.build(windows, own=own)
    assert ctx.idf({"zebra"}) == pytest.approx(plain.idf({"zebra"}))  # df 1 of 4, not 2
    assert ctx.scores("zebra")[1] > 0  # while the window still finds the neighbour
