"""`docqa eval` end to end on dev questions against the article index."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.evaluation import metrics as m
from app.answer import AnswerSettings
from app.cli import cli

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "benchmarks" / "questions" / "article-dev.jsonl"
ASK_FIELDS = {"question", "answer", "abstained", "citations", "related", "latency_ms", "evidence_score"}


def _dev_subset(tmp_path: Path) -> Path:
    """A few answerable and unanswerable dev questions, one answer in typographic quotes/dashes."""
    rows = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]
    picked = [r for r in rows if r["answer"]][:4] + [r for r in rows if not r["answer"]][:2]
    picked[0] = {**picked[0], "answer": picked[0]["answer"].replace(" ", "\u00a0").upper()}
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in picked))
    return path


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory, article_engine) -> tuple[Path, list[dict], dict]:
    tmp = tmp_path_factory.mktemp("eval")
    questions = _dev_subset(tmp)
    result = CliRunner().invoke(cli, ["eval", str(questions), "--out", str(tmp / "results.jsonl"),
                                      "--report", str(tmp / "report.html"), "--json",
                                      "--index", str(article_engine.root)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (tmp / "results.jsonl").read_text().splitlines()]
    return tmp, rows, json.loads(result.stdout)


def test_results_have_ask_fields_and_expectations(evaluated, article_engine) -> None:
    _, rows, _ = evaluated
    assert [r["id"] for r in rows] == ["a01", "a02", "a03", "a04", "u01", "u02"]
    for r in rows:
        assert ASK_FIELDS <= set(r)
        assert r["answerable"] == (r["expected_answer"] is not None)
        quoted = any(m.contains(c["quote"], r["expected_answer"] or "\0") for c in r["citations"])
        assert r["found_in_quotes"] == (r["answerable"] and quoted)
        assert r["correct"] == (r["found_in_quotes"] if r["answerable"] else r["abstained"])
        assert [h["rank"] for h in r["retrieved"]] == [1, 2, 3, 4, 5]
        # the rank is that of the first retrieved passage whose text holds the answer
        texts = [article_engine.index.doc_by_id[h["doc_id"]].doc.text[h["start"]:h["end"]]
                 for h in r["retrieved"]]
        expected_rank = m.first_rank(texts, r["expected_answer"]) if r["answerable"] else None
        assert r["first_hit_rank"] == expected_rank
    # "MAY 28, 2024" with non-breaking spaces still matches the article's "May 28, 2024"
    assert rows[0]["expected_answer"] == "MAY\u00a028,\u00a02024" and rows[0]["first_hit_rank"] is not None


def test_metrics_agree_with_rows(evaluated) -> None:
    _, rows, metrics = evaluated
    answerable = [r for r in rows if r["answerable"]]
    ranks = [r["first_hit_rank"] for r in answerable]
    assert (metrics["questions"], metrics["answerable"], metrics["unanswerable"]) == (6, 4, 2)
    assert metrics["hit@1"] == m.hit_at_k(ranks, 1) and metrics["hit@5"] == m.hit_at_k(ranks, 5)
    assert metrics["mrr@5"] == pytest.approx(m.mrr(ranks))
    assert metrics["found_in_quotes"] == sum(r["found_in_quotes"] for r in answerable) / 4
    declined = [r for r in rows if r["abstained"]]
    if declined:
        assert metrics["abstention_precision"] == sum(not r["answerable"] for r in declined) / len(declined)
    assert metrics["abstention_recall"] == sum(r["abstained"] for r in rows if not r["answerable"]) / 2
    assert metrics["latency_max_ms"] == max(r["latency_ms"] for r in rows)
    assert metrics["wrong_abstentions"] == sum(r["abstained"] for r in answerable)
    assert metrics["unanswerable_abstained"] == sum(r["abstained"] for r in rows if not r["answerable"])
    by_type = metrics["by_type"]
    assert sum(t["questions"] for t in by_type.values()) == 6
    assert sum(t["found_in_quotes"] for t in by_type.values()) == sum(r["found_in_quotes"] for r in answerable)
    assert all(r["type"] in by_type for r in rows)
    assert metrics["threshold"] == AnswerSettings().abstain_below()  # the trained selector's threshold


def test_report_has_table_plots_and_failures(evaluated) -> None:
    tmp, rows, _ = evaluated
    page = (tmp / "report.html").read_text()
    for name in ("latency", "evidence", "abstention", "hits"):
        png = tmp / f"report-{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f'src="{png.name}"' in page
    assert "<th>hit@3</th>" in page and "By question type" in page
    failures = [r for r in rows if not r["correct"]]
    assert f"Failures ({len(failures)})" in page


def test_csv_questions_and_table_output(tmp_path: Path, article_engine) -> None:
    path = tmp_path / "q.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["id", "question", "answer", "doc_id"])
        w.writeheader()
        w.writerow({"id": "c1", "question": "Since which year have the twice-yearly political dialogues "
                                            "on foreign policy taken place?", "answer": "1995", "doc_id": ""})
        w.writerow({"id": "c2", "question": "Who won the football World Cup in 2022?", "answer": "",
                    "doc_id": ""})
    result = CliRunner().invoke(cli, ["eval", str(path), "--out", str(tmp_path / "r.jsonl"),
                                      "--index", str(article_engine.root)])
    assert result.exit_code == 0, result.output
    assert "hit@1" in result.stdout and "latency_p95_ms" in result.stdout
    rows = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert [(r["id"], r["answerable"]) for r in rows] == [("c1", True), ("c2", False)]


@pytest.mark.parametrize("content, message", [
    ('{"id": "x", "question": "Why?"}\nnot json\n', "line 2 is not JSON"),
    ('{"id": "x", "question": "Why?"}\n{"id": "x", "question": "How?"}\n', "'x' is used twice"),
    ('{"id": "x", "question": "  ?? "}\n', "line 1: the question is empty"),
    ('{"id": "x", "answer": "y"}\n', "needs a `question`"),
])
def test_bad_question_files_give_clean_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(content)
    result = CliRunner().invoke(cli, ["eval", str(path), "--out", str(tmp_path / "r.jsonl"),
                                      "--index", str(tmp_path / "no-index")])
    assert result.exit_code == 1
    assert "error:" in result.output and message in result.output and "Traceback" not in result.output


def test_abstention_curve_counts_what_each_threshold_would_abstain_on() -> None:
    from app.evaluation.report import abstention_curve

    rows = [{"evidence_score": s, "answerable": a} for s, a in
            [(0.1, False), (0.2, True), (0.3, False), (0.8, True)]]
    curve = {t: (p, r, wrong) for t, p, r, wrong in abstention_curve(rows)}
    assert curve[0.1] == (None, 0.0, 0)  # abstains on nothing
    assert curve[0.2] == (1.0, 0.5, 0)
    assert curve[0.3] == (0.5, 0.5, 1)
    assert curve[0.8] == (pytest.approx(2 / 3), 1.0, 1)
    assert max(curve) > 0.8 and curve[max(curve)] == (0.5, 1.0, 2)  # abstains on all
