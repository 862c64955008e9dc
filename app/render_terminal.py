"""Plain-text renderings of answers and ingest reports for the terminal."""

from __future__ import annotations

import textwrap

from app.answer import Answer, Citation
from app.claims import VERDICT_MARKS, Check
from ingest.fetch import is_url
from ingest.records import IngestReport


def _where(c: Citation) -> str:
    parts = [c.title]
    if c.section:
        parts.append(c.section)
    if c.page:
        parts.append(f"p. {c.page}" + (f"–{c.page_end}" if c.page_end and c.page_end != c.page else ""))
    if c.published:
        parts.append(c.published)
    return " · ".join(parts)


def _selected(c: Citation) -> str:
    """Why the quote was chosen: does it hold the kind of answer asked for, and how likely it answers."""
    s = c.selection
    if s is None:
        return ""
    held = "" if s.answer_type in ("other", "yesno") else f" ({'holds' if s.type_match else 'no'} {s.answer_type})"
    return f" · p {s.probability:.2f}{held}"


def format_answer(a: Answer) -> str:
    lines = [textwrap.fill(a.answer, 88), ""]
    if a.differences:
        lines.append("The sources differ (newest first):")
        lines += [f"  - {d.figure} · {d.title} · {d.published or 'undated'} · {d.url or d.source}"
                  for d in a.differences]
        lines.append("")
    for c in a.citations:
        lines.append(f"[{c.n}] {_where(c)}")
        lines.append(textwrap.fill(f"“{c.quote}”", 84, initial_indent="    ", subsequent_indent="    "))
        lines.append(f"    {c.url or c.source} · chars {c.start}–{c.end} · score {c.score:.2f}{_selected(c)}")
    if a.related:
        lines.append("Related passages (not cited):" if a.citations else "Closest passages:")
        for c in a.related:
            lines.append(f"  - {_where(c)}: “{textwrap.shorten(c.passage, 100)}”")
    lines.append(f"(asks for: {a.answer_type} · answer probability {a.evidence_score:.2f} · {a.latency_ms:.0f} ms)")
    return "\n".join(lines)


def format_check(c: Check) -> str:
    """The verdict and its reason, then each evidence span with its stance and the values set side by side."""
    lines = [textwrap.fill(f"{VERDICT_MARKS[c.verdict]} {c.label.capitalize()}: {c.reason}", 88), ""]
    if c.differences:
        lines.append("The sources differ (newest first):")
        lines += [f"  - [{d['n']}] {d['title']} · {d['published'] or 'undated'}: {d['says']}" for d in c.differences]
        lines.append("")
    for e in c.evidence:
        q = e.citation
        lines.append(f"[{q.n}] {_where(q)}")
        lines.append(textwrap.fill(f"“{q.quote}”", 84, initial_indent="    ", subsequent_indent="    "))
        lines += [f"    source: {x.source} · claim: {x.claim}" for x in e.conflicts if e.stance == "contradicts"]
        lines += [f"    not direct support: {m}" for m in e.mismatches if e.stance == "related"]
        lines.append(f"    {e.stance} · support {e.support:.2f} · {q.url or q.source} · chars {q.start}–{q.end}")
    lines.append(f"({c.latency_ms:.0f} ms)")
    return "\n".join(lines)


def format_report(r: IngestReport) -> str:
    lines = []
    for label, items in (("added", r.added), ("updated", r.updated), ("removed", r.removed)):
        lines += [f"{label:>9}  {s}" for s in items]
    lines += [f"unchanged  {s}" for s in r.unchanged if is_url(s)]  # URLs are named one by one
    lines += [f"  skipped  {s}: {why}" for s, why in r.skipped.items()]
    lines += [f"  warning  {s}: {w}" for s, ws in r.warnings.items() for w in ws]
    lines.append(f"{len(r.added)} added, {len(r.updated)} updated, {len(r.unchanged)} unchanged, "
                 f"{len(r.removed)} removed, {len(r.skipped)} skipped")
    return "\n".join(lines)
