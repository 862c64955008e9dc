"""Evaluation metrics: answer matching and hit@k for question sets, trec_eval's for IR runs.

Pure functions over plain data, so each is testable on hand-computed cases.
IR metrics come from pytrec_eval (the trec_eval C code), not from a re-implementation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

Qrels = Mapping[str, Mapping[str, int]]  # query id -> doc id -> relevance
Run = Mapping[str, Mapping[str, float]]  # query id -> doc id -> score

IR_METRICS = ("ndcg@10", "recall@10", "recall@100", "mrr@10")

_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Text as answers are compared: NFKC, case-folded, one space, ASCII quotes and dashes.

    Every dash (Unicode category Pd: en/em dash, non-breaking hyphen, ...) becomes "-";
    opening and closing quotes (Pi/Pf) and primes become ' or " by their name, so a
    typographer's “May 28” matches a plain "May 28".
    """
    out = []
    for c in unicodedata.normalize("NFKC", text):
        cat = unicodedata.category(c)
        if cat == "Pd" or c == "\u2212":  # minus sign reads as a dash in prose
            out.append("-")
        elif cat in ("Pi", "Pf") or c in "\u2032\u2033\u201a\u201e":
            name = unicodedata.name(c, "")
            out.append('"' if "DOUBLE" in name or c in "\u2033\u201e" else "'")
        else:
            out.append(c)
    return _SPACE.sub(" ", "".join(out).casefold()).strip()


def contains(haystack: str, needle: str) -> bool:
    """Whether `needle` occurs in `haystack` once both are normalised."""
    n = normalize(needle)
    return bool(n) and n in normalize(haystack)


def first_rank(passages: Sequence[str], answer: str) -> int | None:
    """1-based rank of the first passage containing `answer`, or None."""
    return next((i for i, p in enumerate(passages, 1) if contains(p, answer)), None)


def hit_at_k(ranks: Sequence[int | None], k: int) -> float | None:
    """Share of questions whose first matching passage is within the top `k`."""
    if not ranks:
        return None
    return sum(r is not None and r <= k for r in ranks) / len(ranks)


def mrr(ranks: Sequence[int | None]) -> float | None:
    """Mean reciprocal rank; a question with no matching passage counts 0."""
    if not ranks:
        return None
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks)


def abstention(answerable: Sequence[bool], abstained: Sequence[bool]) -> tuple[float | None, float | None]:
    """Precision and recall of abstaining, where the unanswerable questions are the positives.

    Precision: of the questions docqa declined, the share that had no answer in the sources.
    Recall: of the unanswerable questions, the share docqa declined. None when undefined.
    """
    pairs = list(zip(answerable, abstained, strict=True))
    true_pos = sum(1 for a, x in pairs if x and not a)
    declined = sum(1 for _, x in pairs if x)
    unanswerable = sum(1 for a, _ in pairs if not a)
    return (true_pos / declined if declined else None,
            true_pos / unanswerable if unanswerable else None)


def latency(ms: Iterable[float]) -> dict[str, float | None]:
    """p50, p95 (numpy's linear interpolation) and max of latencies in milliseconds."""
    arr = np.asarray(list(ms), dtype=float)
    if not arr.size:
        return {"p50": None, "p95": None, "max": None}
    return {"p50": float(np.percentile(arr, 50)), "p95": float(np.percentile(arr, 95)),
            "max": float(arr.max())}


def trec_order(scores: Mapping[str, float]) -> list[str]:
    """Doc ids in the order trec_eval ranks them: score descending, ties by doc id descending."""
    return sorted(scores, key=lambda d: (scores[d], d), reverse=True)


def ir_metrics(qrels: Qrels, run: Run) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """nDCG@10, Recall@10, Recall@100 and MRR@10 with pytrec_eval: (means, per query).

    Averaged over the queries that have at least one relevant document (like
    `trec_eval -c`): a query missing from the run scores 0, a query whose
    judgements are all non-relevant is left out, as no ranking can be right for it.
    MRR@10 is trec_eval's recip_rank on the run cut to its top 10, since
    recip_rank itself has no cut-off.
    """
    import pytrec_eval

    judged = {q: {d: int(r) for d, r in docs.items()} for q, docs in qrels.items()
              if any(r > 0 for r in docs.values())}
    if not judged:
        return {m: 0.0 for m in IR_METRICS}, {}
    run = {q: {d: float(s) for d, s in run[q].items()} for q in judged if run.get(q)}
    top10 = {q: {d: docs[d] for d in trec_order(docs)[:10]} for q, docs in run.items()}
    full = pytrec_eval.RelevanceEvaluator(judged, {"ndcg_cut.10", "recall.10,100"}).evaluate(run)
    cut = pytrec_eval.RelevanceEvaluator(judged, {"recip_rank"}).evaluate(top10)
    per_query: dict[str, dict[str, float]] = {}
    for q in judged:
        f, c = full.get(q, {}), cut.get(q, {})
        per_query[q] = {"ndcg@10": f.get("ndcg_cut_10", 0.0), "recall@10": f.get("recall_10", 0.0),
                        "recall@100": f.get("recall_100", 0.0), "mrr@10": c.get("recip_rank", 0.0)}
    means = {m: float(np.mean([v[m] for v in per_query.values()])) for m in IR_METRICS}
    return means, per_query
