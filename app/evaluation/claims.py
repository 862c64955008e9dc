"""Check a file of claims: one result line each, and accuracy per verdict when the file says what to expect.

A claims file is JSONL, one object a line: `claim` (the text), optionally `id` and
`expect`: `supported`, `contradicted`, `related`, `not_found`, or `unaddressed` (the
sources neither support nor contradict it: `related` and `not_found` are both right).
A line may also give `source_value`, the value the source states for an altered claim;
a contradicted verdict then counts as naming it when its reason contains that text.
"""

from __future__ import annotations

import html
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from app.answer import BadQuestion, clean_question
from app.claims import CONTRADICTED, NOT_FOUND, RELATED, SUPPORTED, CheckSettings, check_claim

VERDICTS = (SUPPORTED, CONTRADICTED, RELATED, NOT_FOUND)
UNADDRESSED = "unaddressed"
EXPECTS = (*VERDICTS, UNADDRESSED)


class ClaimsError(ValueError):
    """The claims file cannot be used; the message names the line and says why."""


@dataclass(frozen=True)
class Claim:
    id: str
    claim: str
    expect: str | None
    source_value: str | None


@dataclass
class ClaimsRun:
    rows: list[dict]
    metrics: dict


def load_claims(path: Path) -> list[Claim]:
    """Read and check a claims file."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            lines = [(n, line) for n, line in enumerate(fh, 1) if line.strip()]
    except OSError as exc:
        raise ClaimsError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ClaimsError(f"{path} is not UTF-8 text") from None
    out, seen = [], set()
    for n, line in lines:
        where = f"{path.name} line {n}"
        try:
            r = json.loads(line)
        except ValueError as exc:
            raise ClaimsError(f"{where} is not JSON ({exc})") from None
        if not isinstance(r, dict) or not isinstance(r.get("claim"), str):
            raise ClaimsError(f"{where}: each line needs a `claim` text field")
        try:
            text = clean_question(r["claim"])
        except BadQuestion as exc:
            raise ClaimsError(f"{where}: {str(exc).replace('question', 'claim')}") from None  # shared check
        cid = str(r.get("id") or n)
        if cid in seen:
            raise ClaimsError(f"{where}: id {cid!r} is used twice")
        seen.add(cid)
        expect = r.get("expect") or None
        if expect is not None and expect not in EXPECTS:
            raise ClaimsError(f"{where}: expect {expect!r} is not one of {', '.join(EXPECTS)}")
        value = r.get("source_value")
        out.append(Claim(cid, text, expect, str(value) if value not in (None, "") else None))
    if not out:
        raise ClaimsError(f"{path} holds no claims")
    return out


def is_correct(expect: str | None, verdict: str) -> bool | None:
    """Whether `verdict` is what was expected (None when nothing was)."""
    if expect is None:
        return None
    return verdict in (RELATED, NOT_FOUND) if expect == UNADDRESSED else verdict == expect


def check_all(path: Path, out: Path, engine, report: Path | None = None,  # noqa: ANN001 - app.engine.Engine
              progress: bool = False, settings: CheckSettings = CheckSettings()) -> ClaimsRun:
    """Check every claim in `path` with `engine`, write one JSON line each to `out`, and the report if asked."""
    claims = load_claims(path)
    engine.index  # fail on a missing index before any work
    rows = []
    for c in tqdm(claims, desc="claims", unit="claim", disable=not progress, file=sys.stderr):
        row = {"id": c.id, **check_claim(engine.index, engine.embedder, c.claim, settings).to_dict(),
               "expect": c.expect, "correct": None}
        row["correct"] = is_correct(c.expect, row["verdict"])
        if c.source_value is not None:
            row["source_value"] = c.source_value
            row["source_value_named"] = row["verdict"] == CONTRADICTED and c.source_value in row["reason"]
        rows.append(row)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    run = ClaimsRun(rows, summarize(rows))
    if report is not None:
        write_report(report, run)
    return run


def summarize(rows: list[dict]) -> dict:
    """Counts per verdict; with expectations, accuracy per expected verdict and the confusion matrix."""
    metrics: dict = {"claims": len(rows), "verdicts": {v: sum(r["verdict"] == v for r in rows) for v in VERDICTS}}
    judged = [r for r in rows if r.get("expect")]
    if not judged:
        return metrics
    expected = [e for e in EXPECTS if any(r["expect"] == e for r in judged)]
    metrics["accuracy"] = sum(r["correct"] for r in judged) / len(judged)
    metrics["per_expected"] = {e: {"claims": len(g), "correct": sum(r["correct"] for r in g),
                                   "accuracy": sum(r["correct"] for r in g) / len(g)}
                               for e in expected for g in [[r for r in judged if r["expect"] == e]]}
    metrics["confusion"] = {e: {v: sum(r["expect"] == e and r["verdict"] == v for r in judged) for v in VERDICTS}
                            for e in expected}
    named = [r for r in judged if r["expect"] == CONTRADICTED and "source_value_named" in r]
    if named:
        metrics["contradicted_naming_source_value"] = sum(r["source_value_named"] for r in named) / len(named)
    return metrics


def format_metrics(run: ClaimsRun) -> str:
    """Verdict counts, accuracy per expected verdict and the confusion matrix, as aligned text."""
    m = run.metrics
    lines = [f"{m['claims']} claims: " + ", ".join(f"{n} {v}" for v, n in m["verdicts"].items())]
    if "accuracy" not in m:
        return lines[0]
    lines.append(f"accuracy {m['accuracy']:.1%} ({sum(r['correct'] for r in run.rows if r.get('expect'))}"
                 f"/{sum(1 for r in run.rows if r.get('expect'))})")
    for e, p in m["per_expected"].items():
        lines.append(f"  expected {e:<13} {p['correct']:>4}/{p['claims']:<4} {p['accuracy']:.1%}")
    if "contradicted_naming_source_value" in m:
        lines.append(f"  contradicted naming the source's value: {m['contradicted_naming_source_value']:.1%}")
    lines += ["", "confusion (rows: expected, columns: verdict)",
              f"{'':<14}" + "".join(f"{v:>14}" for v in VERDICTS)]
    lines += [f"{e:<14}" + "".join(f"{n:>14}" for n in row.values()) for e, row in m["confusion"].items()]
    return "\n".join(lines)


def write_report(path: Path, run: ClaimsRun) -> Path:
    """An HTML page: verdict counts, accuracy per expected verdict, confusion matrix, wrong verdicts."""
    e = html.escape
    m = run.metrics
    counts = "".join(f"<tr><th>{e(v)}</th><td>{n}</td></tr>" for v, n in m["verdicts"].items())
    body = [f"<h1>docqa claim check</h1><p>{m['claims']} claims</p>",
            f"<h2>Verdicts</h2><table>{counts}</table>"]
    if "accuracy" in m:
        per = "".join(f"<tr><th>{e(x)}</th><td>{p['correct']}/{p['claims']}</td><td>{p['accuracy']:.1%}</td></tr>"
                      for x, p in m["per_expected"].items())
        head = "".join(f"<th>{e(v)}</th>" for v in VERDICTS)
        grid = "".join(f"<tr><th>{e(x)}</th>" + "".join(f"<td>{n}</td>" for n in row.values()) + "</tr>"
                       for x, row in m["confusion"].items())
        wrong = [r for r in run.rows if r["correct"] is False]
        fails = "".join(f"<tr><td>{e(r['id'])}</td><td>{e(r['claim'])}</td><td>{e(r['expect'])}</td>"
                        f"<td>{e(r['verdict'])}</td><td>{e(r['reason'])}</td></tr>" for r in wrong)
        body += [f"<h2>Accuracy</h2><p>{m['accuracy']:.1%} overall</p>",
                 f"<table><tr><th>expected</th><th>right</th><th>accuracy</th></tr>{per}</table>",
                 f"<h2>Confusion matrix</h2><p>Rows: expected; columns: verdict.</p>",
                 f'<table class="confusion"><tr><th></th>{head}</tr>{grid}</table>',
                 f"<h2>Wrong verdicts ({len(wrong)})</h2>",
                 f"<table><tr><th>id</th><th>claim</th><th>expected</th><th>verdict</th><th>reason</th></tr>"
                 f"{fails}</table>"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>docqa claim check</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:1em 0}}th,td{{border:1px solid #ccc;padding:4px 8px;
text-align:left;vertical-align:top}}</style></head><body>
{"".join(body)}
</body></html>
""", encoding="utf-8")
    return path
