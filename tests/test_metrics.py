"""Metric functions on tiny cases worked out by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.evaluation import metrics as m


def test_normalize_folds_case_space_quotes_and_dashes() -> None:
    assert m.normalize("  \u201cMay\u00a028\u201d \u2014 Six\u2011month\t\u2018x\u2019 ") == '"may 28" - six-month \'x\''
    assert m.normalize("\uff21\uff22") == "ab"  # full-width letters (NFKC)


def test_contains_matches_across_typography() -> None:
    assert m.contains("Signed on \u201cMay 28, 2024\u201d.", '"may 28, 2024"')
    assert m.contains("the 2014\u20132020 period", "2014-2020")
    assert not m.contains("May 29, 2024", "May 28")
    assert not m.contains("anything", "")  # an empty answer matches nothing


@given(st.text())
def test_normalize_is_idempotent(s: str) -> None:
    assert m.normalize(m.normalize(s)) == m.normalize(s)


@given(st.text(min_size=1), st.text(), st.text())
def test_a_text_contains_itself_in_any_context(needle: str, before: str, after: str) -> None:
    if m.normalize(needle):
        assert m.contains(before + "\n" + needle.replace(" ", "\t ") + " " + after, needle)


def test_first_rank_hit_at_k_and_mrr() -> None:
    passages = ["nothing here", "signed in 1995", "again 1995"]
    assert m.first_rank(passages, "1995") == 2
    assert m.first_rank(passages, "2024") is None
    ranks = [1, 2, None, 5]
    assert m.hit_at_k(ranks, 1) == 0.25
    assert m.hit_at_k(ranks, 3) == 0.5
    assert m.hit_at_k(ranks, 5) == 0.75
    assert m.mrr(ranks) == pytest.approx((1 + 0.5 + 0 + 0.2) / 4)
    assert m.hit_at_k([], 1) is None and m.mrr([]) is None


def test_abstention_precision_and_recall() -> None:
    answerable = [True, True, False, False, False]
    abstained = [True, False, True, True, False]
    # declined 3, of which 2 unanswerable; 3 unanswerable, 2 declined
    assert m.abstention(answerable, abstained) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert m.abstention([True, True], [False, False]) == (None, None)  # nothing to measure
    assert m.abstention([False], [False]) == (None, 0.0)


def test_latency_percentiles() -> None:
    assert m.latency([4.0, 1.0, 3.0, 2.0]) == {"p50": 2.5, "p95": pytest.approx(3.85), "max": 4.0}
    assert m.latency([]) == {"p50": None, "p95": None, "max": None}


def test_trec_order_breaks_ties_by_doc_id_descending() -> None:
    assert m.trec_order({"a": 1.0, "z": 1.0, "m": 2.0}) == ["m", "z", "a"]


def test_ir_metrics_hand_computed() -> None:
    qrels = {"q1": {"a": 1, "b": 1}, "q2": {"c": 1}}
    run = {"q1": {"x": 3.0, "a": 2.0, "b": 1.0}, "q2": {"c": 5.0}}
    means, per = m.ir_metrics(qrels, run)
    dcg = 1 / math.log2(3) + 1 / math.log2(4)  # relevant at ranks 2 and 3
    idcg = 1 + 1 / math.log2(3)
    assert per["q1"]["ndcg@10"] == pytest.approx(dcg / idcg)
    assert per["q1"]["mrr@10"] == pytest.approx(0.5)
    assert per["q2"] == {"ndcg@10": 1.0, "recall@10": 1.0, "recall@100": 1.0, "mrr@10": 1.0}
    assert means["ndcg@10"] == pytest.approx((dcg / idcg + 1) / 2)


def test_ir_metrics_ties_rank_higher_doc_id_first() -> None:
    # "a" and "z" tie: trec_eval puts "z" first, so relevant "a" is at rank 2.
    _, per = m.ir_metrics({"q": {"a": 1}}, {"q": {"a": 1.0, "z": 1.0}})
    assert per["q"]["mrr@10"] == 0.5
    assert per["q"]["ndcg@10"] == pytest.approx(1 / math.log2(3))


def test_ir_metrics_queries_without_relevant_docs_or_run() -> None:
    qrels = {"judged": {"a": 1}, "all-nonrelevant": {"b": 0}, "unretrieved": {"c": 1}}
    run = {"judged": {"a": 1.0}, "all-nonrelevant": {"b": 1.0}, "not-in-qrels": {"d": 1.0}}
    means, per = m.ir_metrics(qrels, run)
    assert set(per) == {"judged", "unretrieved"}  # no right ranking exists for all-nonrelevant
    assert per["unretrieved"]["ndcg@10"] == 0.0  # missing from the run counts as a miss
    assert means == {"ndcg@10": 0.5, "recall@10": 0.5, "recall@100": 0.5, "mrr@10": 0.5}
    assert m.ir_metrics({"q": {"a": 0}}, {"q": {"a": 1.0}})[0]["ndcg@10"] == 0.0


def test_mrr_at_10_ignores_hits_below_rank_10() -> None:
    run = {"q": {f"d{i:02d}": 100.0 - i for i in range(1, 13)}}  # d01 best ... d12 worst
    _, per = m.ir_metrics({"q": {"d11": 1}}, run)
    assert per["q"]["mrr@10"] == 0.0  # trec_eval's uncut recip_rank would give 1/11
    assert per["q"]["recall@10"] == 0.0 and per["q"]["recall@100"] == 1.0
