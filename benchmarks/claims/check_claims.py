"""Check the claim set: parses, unique ids, verbatim evidence and source values, the split, counts.

    python benchmarks/claims/check_claims.py            # exits 1 and lists every problem

The split is recomputed from the union of both parts with `split_claims` and must
equal the committed files: the article's claims are shuffled per expected verdict
with `random.Random(14)` and halved; the SciFact abstracts are split by document
(sorted doc ids shuffled with `random.Random(14)`, first half to tune).
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "sets"))  # make_corpus: the one place that names the documents

from make_corpus import ARTICLE, ROOT, SCIFACT  # noqa: E402

PARTS = {"tune": HERE / "claims-tune.jsonl", "test": HERE / "claims-test.jsonl"}
EXPECTS = ("supported", "contradicted", "unaddressed")
SEED = 14
FIRST_SCIFACT_LINE = 2501  # lines 1-2500 of corpus.jsonl belong to the question set
MIN_CLAIMS, N_ABSTRACTS = 150, 36


def load(path: Path) -> list[dict]:
    """The claims of one JSONL part, in file order."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def split_claims(claims: list[dict]) -> dict[str, list[dict]]:
    """Tune/test parts: article claims halved per verdict, abstracts whole per document."""
    parts: dict[str, list[dict]] = {"tune": [], "test": []}
    rng = random.Random(SEED)
    for expect in EXPECTS:
        group = sorted((c for c in claims if c["doc_id"] == ARTICLE and c["expect"] == expect), key=lambda c: c["id"])
        rng.shuffle(group)
        parts["tune"] += group[: len(group) // 2]
        parts["test"] += group[len(group) // 2 :]
    docs = sorted({c["doc_id"] for c in claims if c["doc_id"] != ARTICLE})
    random.Random(SEED).shuffle(docs)
    tune_docs = set(docs[: len(docs) // 2])
    for c in claims:
        if c["doc_id"] != ARTICLE:
            parts["tune" if c["doc_id"] in tune_docs else "test"].append(c)
    return {name: sorted(part, key=lambda c: c["id"]) for name, part in parts.items()}


def documents(scifact: Path = SCIFACT) -> tuple[dict[str, str], dict[str, int]]:
    """Text of every document a claim may cite, and each abstract's line number in corpus.jsonl."""
    texts = {ARTICLE: (ROOT / "corpus" / f"{ARTICLE}.txt").read_text(encoding="utf-8")}
    lines = {}
    with scifact.open(encoding="utf-8") as rows:
        for number, line in enumerate(rows, 1):
            row = json.loads(line)
            texts[f"scifact-{row['_id']}"] = row["text"]
            lines[f"scifact-{row['_id']}"] = number
    return texts, lines


def check_claim(c: dict, texts: dict[str, str], lines: dict[str, int]) -> list[str]:
    """Problems with one claim (empty when it is well formed)."""
    where = c.get("id", "?")
    keys = {"id", "claim", "expect", "doc_id", "evidence"}
    if c.get("expect") == "contradicted":
        keys |= {"source_value", "claim_value"}
    if set(c) != keys:
        return [f"{where}: fields {sorted(c)} != {sorted(keys)}"]
    if not re.fullmatch(r"c-\d{3}", c["id"]) or c["expect"] not in EXPECTS:
        return [f"{where}: bad id or expect {c['expect']!r}"]
    text = texts.get(c["doc_id"])
    if text is None:
        return [f"{where}: unknown doc_id {c['doc_id']}"]
    problems = []
    if c["doc_id"] != ARTICLE and lines[c["doc_id"]] < FIRST_SCIFACT_LINE:
        problems.append(f"{where}: {c['doc_id']} is on line {lines[c['doc_id']]} (< {FIRST_SCIFACT_LINE})")
    if c["claim"] in text:
        problems.append(f"{where}: claim copied verbatim from the document")
    if c["expect"] == "unaddressed":
        if c["evidence"] is not None:
            problems.append(f"{where}: unaddressed claim with evidence")
        return problems
    if not c["evidence"] or c["evidence"] not in text:
        problems.append(f"{where}: evidence not verbatim in {c['doc_id']}")
    if c["expect"] == "contradicted":
        if c["source_value"] not in (c["evidence"] or ""):
            problems.append(f"{where}: source_value {c['source_value']!r} not in the evidence")
        if c["claim_value"].lower() not in c["claim"].lower() or c["claim_value"] == c["source_value"]:
            problems.append(f"{where}: claim_value {c['claim_value']!r} not in the claim or equal to the source's")
    return problems


def check(parts: dict[str, list[dict]]) -> list[str]:
    """Every problem in the claim set (empty when it is sound)."""
    claims = [c for part in parts.values() for c in part]
    texts, lines = documents()
    problems = [p for c in claims for p in check_claim(c, texts, lines)]
    ids = Counter(c.get("id") for c in claims)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    problems += [f"duplicate claim {t!r}" for t, n in Counter(c["claim"] for c in claims).items() if n > 1]
    abstracts = {c["doc_id"] for c in claims if c["doc_id"] != ARTICLE}
    if len(claims) < MIN_CLAIMS or len(abstracts) != N_ABSTRACTS:
        problems.append(f"{len(claims)} claims over {len(abstracts)} abstracts (want >= {MIN_CLAIMS}, {N_ABSTRACTS})")
    expected = split_claims(claims)
    for name, part in parts.items():
        if [c["id"] for c in part] != [c["id"] for c in expected[name]]:
            problems.append(f"{name} part does not match split_claims (seed {SEED})")
    shared = {c["doc_id"] for c in parts["tune"]} & {c["doc_id"] for c in parts["test"]} - {ARTICLE}
    problems += [f"abstract {d} in both parts" for d in sorted(shared)]
    return problems


def counts(parts: dict[str, list[dict]]) -> str:
    """A Markdown table of claims per part, document kind and expected verdict."""
    rows = ["| part | documents | " + " | ".join(EXPECTS) + " | total |", "|---" * (len(EXPECTS) + 3) + "|"]
    for name, part in [*parts.items(), ("all", [c for p in parts.values() for c in p])]:
        for kind, keep in (("article", lambda c: c["doc_id"] == ARTICLE), ("abstracts", lambda c: c["doc_id"] != ARTICLE)):
            sub = [c for c in part if keep(c)]
            n = Counter(c["expect"] for c in sub)
            docs = len({c["doc_id"] for c in sub})
            rows.append(f"| {name} | {kind} ({docs}) | " + " | ".join(str(n[e]) for e in EXPECTS) + f" | {len(sub)} |")
    return "\n".join(rows)


def main() -> None:
    parts = {name: load(path) for name, path in PARTS.items()}
    print(counts(parts))
    problems = check(parts)
    for p in problems:
        print("PROBLEM", p)
    print(f"{len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
