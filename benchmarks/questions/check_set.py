"""Check question set files: every line parses, ids are unique, answers occur verbatim, types are known.

Each line is `{"id", "question", "answer" (exact text of the document, or null when
the document does not answer), "doc_id", "type"}`. The documents are written with
`benchmarks/sets/make_corpus.py` (the shipped article, SciFact abstracts as Markdown),
so an answer is checked against the very file `docqa ingest` reads (for SciFact, the
abstract with its title in the front matter).

    python benchmarks/questions/check_set.py benchmarks/questions/article-tune.jsonl benchmarks/questions/article-test.jsonl

Prints counts per type and answerable/unanswerable, per file and in total; exits 1 on any error.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sets"))
from make_corpus import doc_ids, write_corpus  # noqa: E402

TYPES = ("date", "number", "person", "place", "yesno", "definition", "list", "reason", "manner", "other")
KEYS = {"id", "question", "answer", "doc_id", "type"}


def document_texts(ids: set[str]) -> tuple[dict[str, str], list[str]]:
    """The text of each document in `ids` as make_corpus writes it, and an error per unknown doc_id."""
    texts: dict[str, str] = {}
    errors: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for doc_id in sorted(ids):
            try:  # one at a time, so that one unknown doc_id does not hide the others' texts
                files = write_corpus({doc_id}, Path(tmp) / doc_id)
            except SystemExit as exc:
                errors.append(str(exc))
                continue
            # make_corpus also copies the article's .meta.toml: only the text file is the document.
            texts.update({doc_id: f.read_text(encoding="utf-8") for f in files if f.suffix in {".txt", ".md"}})
    return texts, errors


class ParseError(str):
    """The message of a line that is not JSON."""


def parse(path: Path) -> list[tuple[str, object]]:
    """(where, parsed row) per non-empty line; a line that does not parse yields its error message."""
    rows: list[tuple[str, object]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append((f"{path.name}:{n}", json.loads(line)))
            except json.JSONDecodeError as exc:
                rows.append((f"{path.name}:{n}", ParseError(str(exc))))
    return rows


def line_errors(row: object, texts: dict[str, str]) -> list[str]:
    """What is wrong with one parsed line (empty when it is fine)."""
    if not isinstance(row, dict):
        return ["not a JSON object"]
    errors = []
    if set(row) != KEYS:
        errors.append(f"keys {sorted(row)} != {sorted(KEYS)}")
    question, answer = row.get("question"), row.get("answer")
    if not isinstance(question, str) or not question.strip():
        errors.append("empty or missing question")
    if row.get("type") not in TYPES:
        errors.append(f"type {row.get('type')!r} not one of {', '.join(TYPES)}")
    text = texts.get(row.get("doc_id"))
    if text is None:
        errors.append(f"unknown doc_id {row.get('doc_id')!r}")
    elif answer is not None and (not isinstance(answer, str) or not answer.strip() or answer not in text):
        errors.append(f"answer {answer!r} does not occur verbatim in {row['doc_id']}")
    return errors


def check(set_files: list[Path]) -> int:
    """Check the files, print counts and errors; returns the number of errors."""
    parsed = {path: parse(path) for path in set_files}
    ids = {row["doc_id"] for rows in parsed.values() for _, row in rows if isinstance(row, dict) and "doc_id" in row}
    texts, doc_errors = document_texts({str(i) for i in ids})
    for e in doc_errors:
        print(f"ERROR {e}")
    n_errors = len(doc_errors)
    seen_ids: dict[str, str] = {}
    seen_questions: dict[str, str] = {}
    total_types: Counter[str] = Counter()
    total_kind: Counter[str] = Counter()
    for path, rows in parsed.items():
        types: Counter[str] = Counter()
        kind: Counter[str] = Counter()
        for where, row in rows:
            if isinstance(row, ParseError):
                errors = [f"does not parse ({row})"]
            else:
                errors = line_errors(row, texts)
            if isinstance(row, dict):
                rid, q = str(row.get("id")), str(row.get("question", "")).strip().lower()
                if rid in seen_ids:
                    errors.append(f"id {rid} already used at {seen_ids[rid]}")
                if q and q in seen_questions:
                    errors.append(f"same question as {seen_questions[q]}")
                seen_ids.setdefault(rid, where)
                seen_questions.setdefault(q, where)
                types[str(row.get("type"))] += 1
                kind["answerable" if row.get("answer") is not None else "unanswerable"] += 1
            for e in errors:
                print(f"ERROR {where}: {e}")
            n_errors += len(errors)
        print(f"{path.name}: {sum(kind.values())} questions, {dict(kind)}; per type {dict(sorted(types.items()))}")
        total_types.update(types)
        total_kind.update(kind)
    if len(set_files) > 1:
        print(f"total: {sum(total_kind.values())} questions, {dict(total_kind)}; per type {dict(sorted(total_types.items()))}")
    print(f"{n_errors} error(s)")
    return n_errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, help="JSONL question set files")
    args = parser.parse_args()
    sys.exit(1 if check(args.sets) else 0)


if __name__ == "__main__":
    main()
