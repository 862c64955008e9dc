"""`docqa check` on the command line: one claim (text or JSON), a batch with its report, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli

BATCH = [
    {"id": "true", "claim": "The European Defence Fund was established in 2021.", "expect": "supported"},
    {"id": "altered", "claim": "The European Defence Fund was established in 2019.", "expect": "contradicted",
     "source_value": "2021"},
    {"id": "unaddressed", "claim": "Norway joined PESCO in 2021.", "expect": "unaddressed"},
    {"id": "unrelated", "claim": "Bananas are the most popular fruit in Norway.", "expect": "not_found"},
    {"id": "wrong", "claim": "Norway has contributed to five military operations.", "expect": "supported"},
]


@pytest.fixture
def docqa(article_engine, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Run `docqa` in-process on the shared engine (the real model and index, loaded once)."""
    from app import cli as module

    monkeypatch.setattr(module, "_engine", lambda index: article_engine)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args))


@pytest.mark.slow
def test_check_prints_the_verdict_reason_and_cited_evidence(docqa) -> None:
    r = docqa("check", "The European Defence Fund was established in 2019.")
    assert r.exit_code == 0, r.output
    first, *rest = r.stdout.splitlines()
    assert first == "✗ Contradicted by the sources: the source says 2021, not 2019 [1]"
    assert "[1] Cooperation on foreign and security policy" in r.stdout
    assert "    source: 2021 · claim: 2019" in rest
    assert "contradicts · support" in r.stdout


@pytest.mark.slow
@pytest.mark.parametrize("row", BATCH[:4], ids=lambda row: row["id"])
def test_check_json_gives_each_verdict(docqa, article_engine, row: dict) -> None:
    r = docqa("check", row["claim"], "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    want = {"supported": "supported", "contradicted": "contradicted", "unaddressed": "related",
            "not_found": "not_found"}[row["expect"]]
    assert d["verdict"] == want, d["reason"]
    assert set(d) == {"claim", "verdict", "label", "reason", "support", "evidence", "differences", "latency_ms"}
    for e in d["evidence"]:
        c = e["citation"]
        assert article_engine.index.doc_by_id[c["doc_id"]].doc.text[c["start"]:c["end"]] == c["quote"]


@pytest.mark.slow
def test_check_reads_the_index_named_on_the_command_line(article_engine) -> None:
    r = CliRunner().invoke(cli, ["check", "The Nansen Program totals NOK 50 billion.", "--json",
                                 "--index", str(article_engine.root)])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["verdict"] == "contradicted" and "75 billion NOK" in d["reason"]


@pytest.mark.slow
def test_check_a_batch_writes_results_and_a_report_with_the_confusion_matrix(docqa, tmp_path: Path) -> None:
    claims = tmp_path / "claims.jsonl"
    claims.write_text("".join(json.dumps(row) + "\n" for row in BATCH), encoding="utf-8")
    out, report = tmp_path / "out" / "results.jsonl", tmp_path / "report.html"
    r = docqa("check", "--file", str(claims), "--out", str(out), "--report", str(report))
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [x["id"] for x in rows] == [row["id"] for row in BATCH]
    assert [x["correct"] for x in rows] == [True, True, True, True, False]
    assert rows[1]["source_value_named"] is True and "reason" in rows[1] and rows[1]["evidence"]
    lines = r.stdout.splitlines()
    assert lines[0] == "5 claims: 1 supported, 2 contradicted, 1 related, 1 not_found"
    assert lines[1] == "accuracy 80.0% (4/5)"
    assert ["expected", "supported", "1/2", "50.0%"] in [line.split() for line in lines]
    assert "  contradicted naming the source's value: 100.0%" in lines
    matrix = lines[lines.index("confusion (rows: expected, columns: verdict)") + 1:]
    assert matrix[0].split() == ["supported", "contradicted", "related", "not_found"]
    rows_by_name = {line.split()[0]: line.split()[1:] for line in matrix[1:]}
    assert rows_by_name == {"supported": ["1", "1", "0", "0"], "contradicted": ["0", "1", "0", "0"],
                            "not_found": ["0", "0", "0", "1"], "unaddressed": ["0", "0", "1", "0"]}
    page = report.read_text()
    assert "Confusion matrix" in page and "Wrong verdicts (1)" in page and "five military operations" in page
    assert "<td>80.0%</td>" not in page and "80.0% overall" in page


@pytest.mark.slow
def test_check_batch_json_prints_the_metrics(docqa, tmp_path: Path) -> None:
    claims = tmp_path / "claims.jsonl"
    claims.write_text(json.dumps({"claim": "Norway joined PESCO in 2021."}) + "\n", encoding="utf-8")
    r = docqa("check", "--file", str(claims), "--out", str(tmp_path / "r.jsonl"), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"claims": 1, "verdicts": {"supported": 0, "contradicted": 0, "related": 1,
                                                             "not_found": 0}}


@pytest.mark.parametrize("content, message", [
    ('{"claim": "Norway joined PESCO."}\nnot json\n', "claims.jsonl line 2 is not JSON"),
    ('{"id": "a", "expect": "supported"}\n', "claims.jsonl line 1: each line needs a `claim` text field"),
    ('{"claim": "  ?? "}\n', "claims.jsonl line 1: the claim is empty"),
    ('{"claim": "Norway joined PESCO.", "expect": "maybe"}\n', "claims.jsonl line 1: expect 'maybe' is not one of"),
    ('{"id": 1, "claim": "A."}\n{"id": 1, "claim": "B."}\n', "claims.jsonl line 2: id '1' is used twice"),
    ("", "holds no claims"),
])
def test_bad_claim_files_give_one_clear_error_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "claims.jsonl"
    path.write_text(content, encoding="utf-8")
    r = CliRunner().invoke(cli, ["check", "--file", str(path), "--out", str(tmp_path / "r.jsonl"),
                                 "--index", str(tmp_path / "no-index")])
    assert r.exit_code == 1, r.output
    assert r.stdout == "" and len(r.stderr.splitlines()) == 1
    assert r.stderr.startswith("error: ") and message in r.stderr and "Traceback" not in r.output


@pytest.mark.parametrize("args, message", [
    (["--file", "missing.jsonl", "--out", "r.jsonl"], "cannot read missing.jsonl"),
    (["A claim.", "--file", "c.jsonl", "--out", "r.jsonl"], "give a claim or --file CLAIMS.jsonl (not both)"),
    ([], "give a claim or --file CLAIMS.jsonl (not both)"),
    (["--file", "c.jsonl"], "--file needs --out RESULTS.jsonl"),
])
def test_check_usage_mistakes_give_one_clear_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        args: list[str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["check", *args, "--index", str(tmp_path / "no-index")])
    assert r.exit_code in (1, 2), r.output
    assert r.stderr.startswith("error: ") and message in r.stderr and len(r.stderr.splitlines()) == 1
