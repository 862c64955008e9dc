"""A question-set report: metric table, plots (PNG files beside it) and the failures.

Written as HTML, or as Markdown when the path ends in `.md`.
"""

from __future__ import annotations

import html
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from app.evaluation import metrics as m  # noqa: E402

ANSWERABLE, UNANSWERABLE, THRESHOLD = "#1f77b4", "#d62728", "#333333"


def write_report(path: Path, rows: list[dict], metrics: dict, by_type: dict[str, dict] | None = None) -> list[Path]:
    """Write the report and its plots; returns the files written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    plots = {
        "latency": _latency(rows),
        "evidence": _evidence(rows, metrics["threshold"]),
        "abstention": _abstention(rows, metrics["threshold"]),
        "hits": _hits(rows),
    }
    files = []
    for name, fig in plots.items():
        f = path.with_name(f"{path.stem}-{name}.png")
        fig.savefig(f, dpi=110)
        plt.close(fig)
        files.append(f)
    failures = [r for r in rows if not r["correct"]]
    text = (_markdown if path.suffix.lower() == ".md" else _html)(metrics, files, failures, by_type or {})
    path.write_text(text, encoding="utf-8")
    return [path, *files]


def _latency(rows: list[dict]) -> plt.Figure:
    ms = [r["latency_ms"] for r in rows]
    lat = m.latency(ms)
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    ax.hist(ms, bins=min(30, max(5, len(ms) // 2)), color=ANSWERABLE, edgecolor="white")
    for key, style in (("p50", "--"), ("p95", ":")):
        ax.axvline(lat[key], color=THRESHOLD, linestyle=style, label=f"{key} {lat[key]:.0f} ms")
    ax.set(title="Answer latency", xlabel="milliseconds per question", ylabel="questions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    return fig


def _evidence(rows: list[dict], threshold: float) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    groups = [("answerable", ANSWERABLE, [r["evidence_score"] for r in rows if r["answerable"]]),
              ("unanswerable", UNANSWERABLE, [r["evidence_score"] for r in rows if not r["answerable"]])]
    scores = [s for _, _, g in groups for s in g] + [threshold]
    lo, hi = min(scores) - 0.02, max(scores) + 0.02
    bins = [lo + i * (hi - lo) / 25 for i in range(26)]
    present = [(label, color, g) for label, color, g in groups if g]
    # Stacked, not overlaid: overlapping translucent bars mix into a third colour.
    ax.hist([g for _, _, g in present], bins=bins, stacked=True, color=[c for _, c, _ in present],
            edgecolor="white", label=[f"{label} ({len(g)})" for label, _, g in present])
    ax.axvline(threshold, color=THRESHOLD, linestyle="--", label=f"abstain below {threshold:.2f}")
    ax.set(title="Answer probability (evidence_score), answerable or not", xlabel="answer probability",
           ylabel="questions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", frameon=False)
    return fig


def abstention_curve(rows: list[dict]) -> list[tuple[float, float | None, float | None, int]]:
    """Per threshold (each question's evidence score, and one above them all): abstention
    precision and recall (unanswerable questions are the positives) and answerable questions
    abstained, had docqa abstained below that threshold."""
    scores = sorted({r["evidence_score"] for r in rows})
    out = []
    for t in [*scores, (scores[-1] + 1e-6) if scores else 1.0]:
        abstained = [r["evidence_score"] < t for r in rows]
        precision, recall = m.abstention([r["answerable"] for r in rows], abstained)
        out.append((t, precision, recall, sum(a and r["answerable"] for a, r in zip(abstained, rows))))
    return out


def _abstention(rows: list[dict], threshold: float) -> plt.Figure:
    curve = [(p, r) for _, p, r, _ in abstention_curve(rows) if p is not None and r is not None]
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    if curve:
        ax.plot([r for _, r in curve], [p for p, _ in curve], marker=".", color=UNANSWERABLE,
                label="abstain below each threshold")
    precision, recall = m.abstention([r["answerable"] for r in rows],
                                     [r["evidence_score"] < threshold for r in rows])
    if precision is not None and recall is not None:
        ax.plot([recall], [precision], "o", color=THRESHOLD, label=f"threshold {threshold:.2f}")
    ax.set(title="Abstention: precision and recall (unanswerable = positive)", xlabel="recall",
           ylabel="precision", xlim=(-0.02, 1.02), ylim=(-0.02, 1.05))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", frameon=False)
    return fig


def _hits(rows: list[dict]) -> plt.Figure:
    ranks = [r["first_hit_rank"] for r in rows if r["answerable"]]
    depth = max((len(r["retrieved"]) for r in rows), default=5) or 5
    ks = list(range(1, depth + 1))
    hits = [m.hit_at_k(ranks, k) or 0.0 for k in ks]
    fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    ax.plot(ks, hits, marker="o", color=ANSWERABLE, label="answer in a retrieved passage")
    for k, h in zip(ks, hits):
        ax.annotate(f"{h:.2f}", (k, h), textcoords="offset points", xytext=(0, -16), ha="center")
    quoted = [r["found_in_quotes"] for r in rows if r["answerable"]]
    if quoted:
        ax.axhline(sum(quoted) / len(quoted), color=THRESHOLD, linestyle="--",
                   label=f"answer in the cited quotes ({sum(quoted) / len(quoted):.2f})")
    ax.legend(loc="lower right", frameon=False)
    ax.set(title=f"Answer in the top k passages ({len(ranks)} answerable questions)",
           xlabel="k (passages retrieved)", ylabel="share of questions", ylim=(0, 1.05), xticks=ks)
    ax.grid(alpha=0.3)
    return fig


def _cited(row: dict) -> str:
    if row["abstained"]:
        return "(abstained)"
    return " | ".join(f"[{c['n']}] {c['quote']}" for c in row["citations"])


def _value(v: object) -> str:
    if v is None:
        return "n/a"
    return f"{v:.3f}" if isinstance(v, float) and v <= 1 else (f"{v:.1f}" if isinstance(v, float) else str(v))


TYPE_COLUMNS = ("questions", "answerable", "found_in_quotes", "unanswerable", "unanswerable_abstained",
                "wrong_abstentions")


def _html(metrics: dict, plots: list[Path], failures: list[dict], by_type: dict[str, dict]) -> str:
    e = html.escape
    table = "".join(f"<tr><th>{e(k)}</th><td>{e(_value(v))}</td></tr>" for k, v in metrics.items())
    types = "".join(f"<tr><th>{e(t)}</th>" + "".join(f"<td>{v[c]}</td>" for c in TYPE_COLUMNS) + "</tr>"
                    for t, v in by_type.items())
    type_head = "".join(f"<th>{e(c)}</th>" for c in TYPE_COLUMNS)
    imgs = "".join(f'<img src="{e(p.name)}" alt="{e(p.stem)}">' for p in plots)
    fails = "".join(
        f"<tr><td>{e(r['id'])}</td><td>{e(r['question'])}</td>"
        f"<td>{e(r['expected_answer'] or '(unanswerable)')}</td><td>{e(_cited(r))}</td>"
        f"<td>{r['evidence_score']:.3f}</td></tr>" for r in failures)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>docqa evaluation</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:1em 0}}th,td{{border:1px solid #ccc;padding:4px 8px;
text-align:left;vertical-align:top}}img{{max-width:49%}}</style></head><body>
<h1>docqa evaluation</h1>
<h2>Metrics</h2><table>{table}</table>
<h2>By question type</h2><table><tr><th>type</th>{type_head}</tr>{types}</table>
<h2>Plots</h2>{imgs}
<h2>Failures ({len(failures)})</h2>
<table><tr><th>id</th><th>question</th><th>expected</th><th>cited</th><th>evidence</th></tr>{fails}</table>
</body></html>
"""


def _markdown(metrics: dict, plots: list[Path], failures: list[dict], by_type: dict[str, dict]) -> str:
    def cell(s: str) -> str:
        return s.replace("|", "\\|").replace("\n", " ")

    lines = ["# docqa evaluation", "", "| metric | value |", "| --- | --- |"]
    lines += [f"| {k} | {_value(v)} |" for k, v in metrics.items()]
    if by_type:
        lines += ["", "| type | " + " | ".join(TYPE_COLUMNS) + " |", "| --- |" + " --- |" * len(TYPE_COLUMNS)]
        lines += [f"| {t} | " + " | ".join(str(v[c]) for c in TYPE_COLUMNS) + " |" for t, v in by_type.items()]
    lines += ["", *[f"![{p.stem}]({p.name})" for p in plots], "", f"## Failures ({len(failures)})", "",
              "| id | question | expected | cited | evidence |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {cell(r['id'])} | {cell(r['question'])} | {cell(r['expected_answer'] or '(unanswerable)')} "
              f"| {cell(_cited(r))} | {r['evidence_score']:.3f} |" for r in failures]
    return "\n".join(lines) + "\n"
