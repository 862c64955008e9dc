"""`docqa ask` end to end with the real model on the shipped article."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.answer import BadQuestion, clean_question
from tests.conftest import ROOT

DOCQA = [sys.executable, "-m", "app.cli"]
PARTNERSHIP = "When did Norway and the EU sign the security and defence partnership?"


def run(*args: str, index: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DOCQA_INDEX": str(index)}
    return subprocess.run([*DOCQA, *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=300)


def test_cli_json_answer_quotes_and_cites_the_section(article_engine) -> None:
    proc = run("ask", PARTNERSHIP, "--json", index=article_engine.root)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) >= {"question", "answer", "abstained", "citations", "related", "latency_ms"}
    assert not out["abstained"]
    first = out["citations"][0]
    assert "May 28, 2024" in first["quote"] and "May 28, 2024" in out["answer"]
    assert first["section"] == "Security Policy Cooperation"
    assert first["title"] == "Cooperation on foreign and security policy"
    assert first["published"] == "2025-01-20"
    assert set(first) >= {"n", "doc_id", "title", "source", "section", "page", "start", "end",
                          "quote", "passage", "score", "trace"}
    assert set(first["trace"]) == {"dense_rank", "dense_score", "bm25_rank", "bm25_score", "fused_score"}
    text = (ROOT / "corpus" / "cooperation-on-foreign-and-security-policy.txt").read_text()
    assert text[first["start"]:first["end"]] == first["quote"]
    assert first["quote"] in first["passage"] and len(first["passage"]) > len(first["quote"])


def test_cli_readable_answer(article_engine) -> None:
    proc = run("ask", PARTNERSHIP, index=article_engine.root)
    assert proc.returncode == 0, proc.stderr
    assert "[1]" in proc.stdout and "“On May 28, 2024" in proc.stdout
    assert "Security Policy Cooperation" in proc.stdout
    assert "{" not in proc.stdout  # not JSON


def test_unanswerable_question_abstains_with_related_passages(article_engine) -> None:
    a = article_engine.ask("Who won the football World Cup in 2022?")
    assert a.abstained and not a.citations
    assert "do not appear to answer" in a.answer
    assert a.related and all(r.passage for r in a.related)


@pytest.mark.parametrize(("question", "expected"), [
    ("How large is Norway's aid package for Ukraine?", "75 billion NOK"),
    ("From which year does the government want to join the new EU space programme?", "2028"),
    ("Which non-EU countries join Norway in the PESCO military mobility project?", "Canada"),
])
def test_answers_quote_the_sentence_that_holds_the_fact(article_engine, question: str,
                                                        expected: str) -> None:
    a = article_engine.ask(question)
    assert not a.abstained
    assert expected in " ".join(c.quote for c in a.citations)


def test_bad_question_is_a_clean_error(article_engine) -> None:
    with pytest.raises(BadQuestion, match="empty"):
        article_engine.ask("   \n\t ")
    proc = run("ask", "  ", index=article_engine.root)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error:") and "Traceback" not in proc.stderr


@pytest.mark.parametrize("pasted", ["\x1b[0m", "\x1b[1;31m\x1b[K", "\x1b]0;title\x07", "\x1bM\x07\x7f"])
def test_terminal_escape_sequences_are_dropped_whole(pasted: str) -> None:
    with pytest.raises(BadQuestion, match="empty"):
        clean_question(pasted)  # nothing of "[0m" survives to be asked as a question
    assert clean_question(f"{pasted}When was it signed?{pasted}") == "When was it signed?"
    assert clean_question("Was [0m a typo?") == "Was [0m a typo?"  # without ESC it is plain text


def test_missing_index_is_a_clean_error(tmp_path: Path) -> None:
    proc = run("ask", PARTNERSHIP, index=tmp_path / "none")
    assert proc.returncode == 1
    assert "docqa ingest" in proc.stderr and "Traceback" not in proc.stderr
