"""HTML for the web app: answers, claim checks and sources as cards and tables.

Every piece of document text goes through `html.escape` and nothing here is ever
rendered as Markdown, so a document's own `<script>` or `[link](javascript:…)` shows
as the literal text it is. Highlights are placed by character offsets, never by
searching the text. Links go only to http(s) addresses or to the app's own
`source/{doc_id}` route, whose id is URL-quoted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from app.claims import VERDICT_MARKS
from ingest.fetch import is_url

STANCE_LABELS = {"supports": "✓ supports the claim", "contradicts": "✗ contradicts the claim",
                 "related": "≈ related, not direct support"}
DocText = Callable[[str], "str | None"]  # doc_id -> the document's full text, if indexed
CONTEXT_CHARS = 300  # shown on each side of a passage under "read surrounding text"
SOURCE_ROUTE = "source"  # the app serves an indexed document's own file at source/{doc_id}

CSS = """
.dq-answer {font-size: 1.15rem; line-height: 1.6; margin: .25rem 0 .5rem;}
.dq-answer sup, .dq-n {color: var(--color-accent); font-weight: 600;}
.dq-abstain {font-size: 1.1rem; font-weight: 600; margin: .25rem 0 .5rem;}
.dq-meta {color: var(--body-text-color-subdued); font-size: .85rem; margin-bottom: .75rem;}
.dq-h {font-size: 1rem; font-weight: 600; margin: 1rem 0 .5rem;}
.dq-card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .75rem 1rem;
          margin: 0 0 .75rem; background: var(--block-background-fill);}
.dq-title {font-weight: 600; font-size: 1rem;}
.dq-where {color: var(--body-text-color-subdued); font-size: .85rem; margin: .15rem 0 .5rem;}
.dq-passage {white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 .5rem; padding-left: .75rem;
             border-left: 3px solid var(--border-color-primary); line-height: 1.5;}
.dq-passage mark, .dq-context mark {background: #ffe066; color: #111; padding: 0 .1em; border-radius: 2px;}
.dq-context b {font-weight: normal; background: var(--color-accent-soft);}
.dq-why {font-size: .8rem; color: var(--body-text-color-subdued); margin-bottom: .35rem;}
.dq-card details summary {cursor: pointer; font-size: .85rem;}
.dq-context {white-space: pre-wrap; overflow-wrap: anywhere; font-size: .9rem; line-height: 1.5;
             max-height: 22rem; overflow-y: auto; padding: .5rem; margin-top: .35rem;
             background: var(--background-fill-secondary); border-radius: 6px;}
.dq-open {font-size: .85rem;}
.dq-path {font-family: var(--font-mono); font-size: .8rem; overflow-wrap: anywhere;}
.dq-verdict {display: inline-block; font-weight: 600; font-size: 1.05rem; padding: .3rem .7rem;
             border-radius: 6px; margin: .25rem 0 .5rem;}
.dq-supported {background: #d3f9d8; color: #1b5e20;}
.dq-contradicted {background: #ffe3e3; color: #8a1c1c;}
.dq-related {background: #fff3bf; color: #5c4400;}
.dq-not_found {background: #e9ecef; color: #343a40;}
.dq-miss {font-size: .85rem; color: #8a5a00;}
.dq-reason {font-size: 1.05rem; margin: 0 0 .35rem;}
.dq-stance {font-size: .85rem; font-weight: 600; margin-bottom: .2rem;}
.dq-stance.dq-supports {color: #1b5e20;} .dq-stance.dq-contradicts {color: #8a1c1c;}
.dq-values {font-size: .95rem; margin: .1rem 0 .35rem;}
.dq-values b {font-family: var(--font-mono); padding: 0 .2em; background: var(--background-fill-secondary);}
.dq-table {width: 100%; border-collapse: collapse; font-size: .9rem;}
.dq-table th, .dq-table td {text-align: left; padding: .4rem .5rem; vertical-align: top;
                            border-bottom: 1px solid var(--border-color-primary);}
.dq-table, .dq-table th, .dq-table td {border-top: 0 !important; border-left: 0 !important;
                                        border-right: 0 !important;}
.dq-table td.dq-src {overflow-wrap: anywhere; max-width: 28rem;}
.dq-results li {margin-bottom: .25rem;}
.dq-ok {color: #1b7f3b; font-weight: 600;}
.dq-skip {color: #b02a37; font-weight: 600;}
"""


def e(text: Any) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return html.escape("" if text is None else str(text), quote=True)


def file_href(doc_id: str, page: int | None = None) -> str:
    """The page-relative link to a local document's file, opened at `page` for PDFs."""
    return f"{SOURCE_ROUTE}/{quote(doc_id, safe='')}" + (f"#page={page}" if page else "")


def render_answer(result: dict, doc_text: DocText) -> str:
    """The answer with [n] markers, then a card per citation; or a plain abstention with related passages."""
    cited = result.get("citations") or []
    out = [f'<div class="dq-result" data-q="{e(result.get("question"))}">']
    if result.get("abstained") or not cited:
        out += ['<p class="dq-abstain">The sources do not appear to answer this question.</p>', _meta(result)]
        if result.get("related"):
            out.append('<div class="dq-h">Related passages (closest, but not an answer)</div>')
            out += [_card(c, doc_text, highlight=False) for c in result["related"]]
        return "\n".join(out + ["</div>"])
    lead = " ".join(f'{e(c["quote"])} <sup>[{c["n"]}]</sup>' for c in cited)
    out += [f'<p class="dq-answer">{lead}</p>', _meta(result), '<div class="dq-h">Sources</div>']
    out += [_card(c, doc_text, highlight=True) for c in cited]
    if result.get("related"):
        out.append('<details><summary class="dq-h">Other related passages</summary>')
        out += [_card(c, doc_text, highlight=False) for c in result["related"]]
        out.append("</details>")
    return "\n".join(out + ["</div>"])


def render_check(result: dict, doc_text: DocText) -> str:
    """The verdict (icon and words, not colour alone) and its reason, any disagreement between the
    sources, then each evidence span: its stance, the values side by side, why it is not support."""
    verdict = result.get("verdict", "not_found")
    icon = VERDICT_MARKS.get(verdict, "?")
    out = [f'<div class="dq-verdict dq-{e(verdict)}" role="status" data-verdict="{e(verdict)}">'
           f'<span class="dq-icon" aria-hidden="true">{icon}</span> {e(result.get("label", "")).capitalize()}</div>',
           f'<p class="dq-reason">{e(result.get("reason", "")).capitalize()}</p>',
           f'<p class="dq-meta">Claim: “{e(result.get("claim"))}” · best support '
           f'{result.get("support", 0):.2f} · {result.get("latency_ms", 0):.0f} ms</p>']
    if result.get("differences"):
        out.append('<div class="dq-h">The sources differ (newest first)</div><ul class="dq-differ">')
        out += [f'<li><b>[{d["n"]}] {e(d["title"])}</b> ({e(d["published"] or "undated")}): {e(d["says"])}</li>'
                for d in result["differences"]]
        out.append("</ul>")
    if result.get("evidence"):
        out.append('<div class="dq-h">Evidence from the sources</div>')
    for ev in result.get("evidence", []):
        card = {**ev["citation"], "score": ev["support"]}
        out.append(_card(card, doc_text, highlight=True, score_label="support", extra=_stance(ev)))
    return "\n".join(out)


def _stance(ev: dict) -> str:
    """What one evidence span says about the claim: its stance in words, the values side by side."""
    label = STANCE_LABELS.get(ev["stance"], ev["stance"])
    out = [f'<div class="dq-stance dq-{e(ev["stance"])}">{e(label)}</div>']
    if ev["stance"] == "contradicts":
        out += [f'<div class="dq-values"><span>source: <b>{e(c["source"])}</b></span> · '
                f'<span>claim: <b>{e(c["claim"])}</b></span></div>' for c in ev.get("conflicts", [])]
    else:
        out += [f'<div class="dq-miss">Not direct support: {e(m)}</div>' for m in ev.get("mismatches", [])]
    return "".join(out)


def render_sources(rows: list[dict]) -> str:
    """The table of indexed documents."""
    if not rows:
        return "<p>No documents are indexed yet. Add some below.</p>"
    head = "".join(f"<th>{h}</th>" for h in ("Title", "Type", "Pages", "Passages", "Ingested", "Source"))
    body = []
    for r in rows:
        body.append(
            f'<tr><td>{e(r["title"])}</td><td>{e(r["kind"].upper())}</td><td>{e(r["pages"] or "–")}</td>'
            f'<td>{e(r["passages"])}</td><td>{e(_day(r["ingested_at"]))}</td>'
            f'<td class="dq-src">{_source_ref(r)}{_aliases(r)}</td></tr>')
    return (f'<p class="dq-meta">{len(rows)} document{"s" if len(rows) != 1 else ""} indexed</p>'
            f'<table class="dq-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')


def _aliases(row: dict) -> str:
    """The other names of a document indexed once (same content under two names)."""
    names = row.get("aliases") or []
    return f'<div class="dq-meta">also as: {e(", ".join(names))}</div>' if names else ""


def render_added(results: list[dict]) -> str:
    """What happened to each uploaded file."""
    items = []
    for r in results:
        if r["status"] == "skipped":
            items.append(f'<li><span class="dq-skip">Skipped</span> {e(r["name"])}: {e(r["reason"])}</li>')
        else:
            note = {"added": "Added", "updated": "Updated (replaced the earlier upload)",
                    "unchanged": "Already indexed, unchanged"}[r["status"]]
            warn = "".join(f"; warning: {e(w)}" for w in r.get("warnings", []))
            items.append(f'<li><span class="dq-ok">{note}</span> {e(r["name"])}{warn}</li>')
    return f'<ul class="dq-results">{"".join(items)}</ul>'


def render_removed(result: dict) -> str:
    what = "Removed" if result["removed"] else "Nothing removed:"
    return f'<p><span class="dq-ok">{what}</span> {e(result["title"])} ({result["documents"]} left)</p>'


def _meta(result: dict) -> str:
    asked = result.get("answer_type")
    kind = f' · asks for: {e(asked)}' if asked and asked != "other" else ""
    return (f'<p class="dq-meta">Answered in {result.get("latency_ms", 0):.0f} ms{kind} · answer probability '
            f'{result.get("evidence_score", 0):.2f}</p>')


def _card(c: dict, doc_text: DocText, highlight: bool, score_label: str = "score", extra: str = "") -> str:
    """One passage: where it is from, the text with the cited span marked, why it was found, context."""
    n = f'<span class="dq-n">[{c["n"]}]</span> ' if c.get("n") else ""
    where = [x for x in (c.get("section"), _pages(c), c.get("published") and f'published {c["published"]}',
                         c.get("ocr") and "text recognised from a scan") if x]
    passage, p0 = c["passage"], c["passage_start"]
    if highlight:
        s, t = c["start"] - p0, c["end"] - p0
        body = f"{e(passage[:s])}<mark>{e(passage[s:t])}</mark>{e(passage[t:])}"
    else:
        body = e(passage)
    return (f'<article class="dq-card"><div class="dq-title">{n}{e(c["title"])}</div>'
            + (f'<div class="dq-where">{" · ".join(e(x) for x in where)}</div>' if where else "")
            + f'<blockquote class="dq-passage">{body}</blockquote>{extra}'
            + f'<div class="dq-why">{score_label} {c["score"]:.2f}{_selected(c.get("selection"))} · '
            + f'{_why(c.get("trace") or {})}</div>'
            + _context(c, doc_text, highlight) + _open(c) + "</article>")


def _selected(s: dict | None) -> str:
    """The answer selector's view of a cited quote: kind of answer asked for, held or not, probability."""
    if not s:
        return ""
    kind = s.get("answer_type", "other")
    held = "" if kind in ("other", "yesno") else f' ({"holds" if s.get("type_match") else "no"} {e(kind)})'
    return f' · answer probability {s.get("probability", 0):.2f}{held}'


def _why(t: dict) -> str:
    """The retrieval trace in words: which retriever found the passage, at what rank and score."""
    parts = []
    if t.get("dense_rank"):
        parts.append(f'meaning match #{t["dense_rank"]} (cosine {t["dense_score"]:.2f})')
    if t.get("bm25_rank"):
        parts.append(f'keyword match #{t["bm25_rank"]} (BM25 {t["bm25_score"]:.1f})')
    if not parts:
        return "found by neither retriever's top list"
    fused = f' · fused {t["fused_score"]:.4f}' if t.get("fused_score") is not None else ""
    return "why this passage: " + ", ".join(parts) + fused


def _context(c: dict, doc_text: DocText, highlight: bool) -> str:
    text = doc_text(c["doc_id"])
    if not text:
        return ""
    p0, p1 = c["passage_start"], c["passage_end"]
    a, b = _snap(text, max(p0 - CONTEXT_CHARS, 0), min(p1 + CONTEXT_CHARS, len(text)))
    if highlight:
        s, t = c["start"], c["end"]
        mid = f"{e(text[p0:s])}<mark>{e(text[s:t])}</mark>{e(text[t:p1])}"
    else:
        mid = e(text[p0:p1])
    before = ("…" if a > 0 else "") + e(text[a:p0])
    after = e(text[p1:b]) + ("…" if b < len(text) else "")
    return (f'<details><summary>Read surrounding text</summary><div class="dq-context">'
            f"{before}<b>{mid}</b>{after}</div></details>")


def _snap(text: str, a: int, b: int) -> tuple[int, int]:
    """Widen nothing, but move the cut points to word boundaries so no word is split."""
    if a > 0:
        m = re.search(r"\s", text[a:a + 40])
        a = a + m.end() if m else a
    if b < len(text):
        m = re.search(r"\s\S*$", text[max(b - 40, a):b])
        b = max(b - 40, a) + m.start() if m else b
    return a, b


def _pages(c: dict) -> str | None:
    if not c.get("page"):
        return None
    end = c.get("page_end")
    return f'p. {c["page"]}' + (f"–{end}" if end and end != c["page"] else "")


def _open(c: dict) -> str:
    """Links to the web page and, for a local document, to its file served by the app."""
    links = []
    if url := _web_url(c):
        links.append(_link(url, "Open the source ↗"))
    if not is_url(c.get("source") or ""):
        links.append(_link(file_href(c["doc_id"], c.get("page")), "Open the file ↗")
                     + f' <span class="dq-path">{e(c.get("source"))}</span>')
    return f'<div class="dq-open">{" · ".join(links)}</div>'


def _source_ref(r: dict) -> str:
    refs = []
    if url := _web_url(r):
        refs.append(_link(url, e(url)))
    if not is_url(r["source"]):
        label = "uploaded: " if r.get("uploaded") else ""
        refs.append(label + _link(file_href(r["doc_id"]), f'<span class="dq-path">{e(r["source"])}</span>'))
    return "<br>".join(refs)


def _web_url(d: dict) -> str | None:
    """The document's http(s) address: its url, else its source when that is one; never another scheme."""
    return next((u for u in (d.get("url"), d.get("source")) if is_url(u or "")), None)


def _link(href: str, label_html: str) -> str:
    return f'<a href="{e(href)}" target="_blank" rel="noopener noreferrer nofollow">{label_html}</a>'


def _day(iso: str) -> str:
    return iso[:10] if iso else "–"
