"""Run a question set through docqa: per-question results, metrics and an optional report.

A questions file is JSONL or CSV with `id`, `question`, and optionally `answer`
(text a correct cited quote must contain; null or empty means the sources do not
answer it), `doc_id` (the document the answer must come from) and `type` (the kind
of question, for the per-type figures; docqa's own analysis of the question when absent).
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from app.evaluation import metrics as m
from app.answer import Answer, BadQuestion, clean_question
from index.search import Hit, Retriever

HIT_KS = (1, 3, 5)


class EvalError(ValueError):
    """The questions file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answer: str | None  # None: the sources do not answer it
    doc_id: str | None
    type: str | None = None  # the set's own label of the kind of question


@dataclass
class EvalResult:
    rows: list[dict]
    metrics: dict
    by_type: dict[str, dict] = field(default_factory=dict)


def load_questions(path: Path) -> list[Question]:
    """Read and check a questions file (.csv by suffix, JSONL otherwise)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            if path.suffix.lower() == ".csv":
                records = [(n, r) for n, r in enumerate(csv.DictReader(fh), 2)]
            else:
                records = [(n, _json(line, path, n)) for n, line in enumerate(fh, 1) if line.strip()]
    except OSError as exc:
        raise EvalError(f"cannot read {path}: {exc.strerror or exc}") from exc
    out, seen = [], set()
    for n, r in records:
        where = f"{path.name} line {n}"
        if not isinstance(r, dict) or not isinstance(r.get("question"), str):
            raise EvalError(f"{where}: each question needs a `question` text field")
        try:
            text = clean_question(r["question"])
        except BadQuestion as exc:
            raise EvalError(f"{where}: {exc}") from None
        qid = str(r.get("id") or n)
        if qid in seen:
            raise EvalError(f"{where}: id {qid!r} is used twice")
        seen.add(qid)
        answer = r.get("answer")
        out.append(Question(qid, text, str(answer) if answer not in (None, "") else None,
                            str(r["doc_id"]) if r.get("doc_id") else None,
                            str(r["type"]) if r.get("type") else None))
    if not out:
        raise EvalError(f"{path} holds no questions")
    return out


def evaluate_one(engine, q: Question, retriever: Retriever = "hybrid") -> dict:  # noqa: ANN001 - Engine
    """One result row: the `ask --json` fields plus the expected answer and what was found.

    Retrieval ranks (hit@k, MRR) come from the `search()` ranking that `answer()` made
    (`Answer.hits`; its citations list the cited passages first, so their order is not it).
    """
    ans: Answer = engine.ask(q.question, k=max(HIT_KS), retriever=retriever)
    hits = ans.hits[:max(HIT_KS)]
    row = ans.to_dict()
    rank = None if q.answer is None else m.first_rank([_text_if_doc(h, q.doc_id) for h in hits], q.answer)
    found = q.answer is not None and any(m.contains(c.quote, q.answer) for c in ans.citations)
    row.update({
        "id": q.id, "expected_answer": q.answer, "expected_doc_id": q.doc_id,
        "type": q.type or ans.answer_type,
        "answerable": q.answer is not None,
        "found_in_quotes": found,
        "first_hit_rank": rank,
        "correct": found if q.answer is not None else ans.abstained,
        "retrieved": [{"rank": i, "doc_id": h.passage.doc_id, "start": h.passage.start,
                       "end": h.passage.end, "score": round(h.score, 6)} for i, h in enumerate(hits, 1)],
    })
    return row


def summarize(rows: list[dict], threshold: float, retriever: str) -> dict:
    """The question-set metrics from result rows."""
    answerable = [r for r in rows if r["answerable"]]
    ranks = [r["first_hit_rank"] for r in answerable]
    precision, recall = m.abstention([r["answerable"] for r in rows], [r["abstained"] for r in rows])
    found = [r["found_in_quotes"] for r in answerable]
    out = {"questions": len(rows), "answerable": len(answerable), "unanswerable": len(rows) - len(answerable),
           "retriever": retriever, "threshold": threshold,
           "found_in_quotes": sum(found) / len(found) if found else None}
    out.update({f"hit@{k}": m.hit_at_k(ranks, k) for k in HIT_KS})
    out[f"mrr@{max(HIT_KS)}"] = m.mrr(ranks)
    out["abstention_precision"], out["abstention_recall"] = precision, recall
    out["unanswerable_abstained"] = sum(r["abstained"] for r in rows if not r["answerable"])
    out["wrong_abstentions"] = sum(r["abstained"] for r in answerable)
    out.update({f"latency_{k}_ms": v for k, v in m.latency(r["latency_ms"] for r in rows).items()})
    return out


def by_type(rows: list[dict]) -> dict[str, dict]:
    """Per kind of question: answerable found in the quotes, unanswerable abstained, wrong abstentions."""
    out: dict[str, dict] = {}
    for r in sorted(rows, key=lambda r: r["type"]):
        t = out.setdefault(r["type"], {"questions": 0, "answerable": 0, "found_in_quotes": 0,
                                       "unanswerable": 0, "unanswerable_abstained": 0, "wrong_abstentions": 0})
        t["questions"] += 1
        if r["answerable"]:
            t["answerable"] += 1
            t["found_in_quotes"] += r["found_in_quotes"]
            t["wrong_abstentions"] += r["abstained"]
        else:
            t["unanswerable"] += 1
            t["unanswerable_abstained"] += r["abstained"]
    return out


def run_eval(questions: Path, out: Path, index: Path | None = None, report: Path | None = None,
             retriever: str = "hybrid", progress: bool = False, engine=None) -> EvalResult:  # noqa: ANN001
    """Ask every question, write one JSON line each to `out`, and the report if asked."""
    if retriever not in ("hybrid", "dense", "bm25"):
        raise EvalError(f"unknown retriever {retriever!r}: use hybrid, dense or bm25")
    qs = load_questions(questions)
    if engine is None:
        from app.engine import Engine

        engine = Engine(index)
    engine.index  # fail on a missing index before any work
    rows = [evaluate_one(engine, q, retriever)  # type: ignore[arg-type]
            for q in tqdm(qs, desc="questions", unit="q", disable=not progress, file=sys.stderr)]
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    result = EvalResult(rows, summarize(rows, engine.answer_settings.abstain_below(), retriever), by_type(rows))
    if report is not None:
        from app.evaluation.report import write_report

        write_report(report, result.rows, result.metrics, result.by_type)
    return result


def format_metrics(result: EvalResult) -> str:
    """The metrics as an aligned two-column table, then the figures per kind of question."""
    lines = [f"{k:<24}{_fmt(v)}" for k, v in result.metrics.items()]
    if result.by_type:
        lines += ["", f"{'type':<12}{'found':>12}{'abstained':>12}{'wrong abst.':>12}"]
        lines += [f"{t:<12}{v['found_in_quotes']:>8}/{v['answerable']:<3}"
                  f"{v['unanswerable_abstained']:>8}/{v['unanswerable']:<3}{v['wrong_abstentions']:>12}"
                  for t, v in result.by_type.items()]
    return "\n".join(lines)


def _fmt(v: object) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.3f}" if v <= 1 else f"{v:.1f}"
    return str(v)


def _text_if_doc(hit: Hit, doc_id: str | None) -> str:
    """The passage text, or nothing when it is not from the expected document."""
    return hit.passage.text if doc_id is None or hit.passage.doc_id == doc_id else ""


def _json(line: str, path: Path, n: int) -> object:
    try:
        return json.loads(line)
    except ValueError as exc:
        raise EvalError(f"{path.name} line {n} is not JSON ({exc})") from None
