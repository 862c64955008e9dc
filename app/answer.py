"""Extractive answers: pick the sentences that answer a question and cite their spans."""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import asdict, dataclass, field

import numpy as np

from app import differences as diffs
from index.embedder import Embedder
from index.search import Hit, Retriever, search
from index.bm25 import tokenize
from index.store import Index

MAX_QUESTION_CHARS = 2000
# ANSI/VT terminal sequences (CSI such as "\x1b[0m", OSC titles, two-character escapes)
_TERMINAL_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


class BadQuestion(ValueError):
    """The question cannot be asked as given; the message says why."""


@dataclass(frozen=True)
class AnswerSettings:
    k: int = 5  # passages shown (citations plus related)
    candidates: int = 3  # top passages whose sentences may be quoted
    max_sentences: int = 2
    second_margin: float = 0.06  # a second sentence must score within this of the best
    threshold: float = 0.42  # below this evidence score docqa abstains (chosen on the dev set)
    passage_weight: float = 0.25  # weight of the passage's cosine in a sentence's score
    lexical_weight: float = 0.25  # weight of the question's IDF-weighted terms found in the sentence


@dataclass
class Citation:
    n: int
    doc_id: str
    title: str
    source: str
    url: str | None
    section: str | None
    page: int | None
    page_end: int | None
    published: str | None
    start: int
    end: int
    quote: str
    passage: str
    passage_start: int
    passage_end: int
    score: float
    trace: dict
    ocr: bool = False  # the quote's page was read by OCR from a scan


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)
    latency_ms: float = 0.0
    evidence_score: float = 0.0
    differences: list[dict] = field(default_factory=list)  # see app/differences.py

    def to_dict(self) -> dict:
        return asdict(self)


def clean_question(question: str) -> str:
    """Strip control characters and surrounding space; refuse what cannot be a question."""
    if not isinstance(question, str):
        raise BadQuestion("the question must be text")
    text = _TERMINAL_ESCAPE.sub(" ", question)  # pasted colour codes: drop the whole sequence
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = re.sub(r"\s+", " ", text).strip()
    if not any(c.isalnum() for c in text):
        raise BadQuestion("the question is empty: type a question in words")
    if len(text) > MAX_QUESTION_CHARS:
        raise BadQuestion(f"the question is {len(text):,} characters long; the limit is "
                          f"{MAX_QUESTION_CHARS:,}")
    return text


def answer(index: Index, embedder: Embedder, question: str,
           settings: AnswerSettings = AnswerSettings(), retriever: Retriever = "hybrid") -> Answer:
    """Answer `question` from `index` by quoting its best sentences, or abstain."""
    t0 = time.perf_counter()
    question = clean_question(question)
    qvec = embedder.for_settings(index.settings).encode_query(question)  # the index's backend
    hits = search(index, question, qvec, k=max(settings.k, settings.candidates), retriever=retriever)
    chosen, evidence = _choose(index, embedder, question, qvec, hits[:settings.candidates], settings)
    abstained = not chosen or evidence < settings.threshold
    citations = [] if abstained else [_citation(index, n, h, span)
                                      for n, (h, span) in enumerate(chosen, 1)]
    text = (" ".join(f"{c.quote} [{c.n}]" for c in citations) if citations
            else "The sources do not appear to answer this question.")
    cited_rows = {h.row for h, _ in chosen} if citations else set()
    related = [_citation(index, 0, h, h.passage.sentences[0]) for h in hits[:settings.k]
               if h.row not in cited_rows]
    differences = [] if abstained else diffs.differences(question, citations, related)
    if differences:  # never pick one figure silently
        text += " " + diffs.note(differences)
    return Answer(question, text, abstained, citations, related,
                  round((time.perf_counter() - t0) * 1000, 1), round(float(evidence), 4), differences)


def _choose(index: Index, embedder: Embedder, question: str, qvec: np.ndarray, hits: list[Hit],
            settings: AnswerSettings) -> tuple[list[tuple[Hit, tuple[int, int]]], float]:
    """The quotes to cite (best first; adjacent sentences merged) and the evidence score.

    A sentence scores by its own cosine to the question, the share of the
    question's terms (IDF-weighted, stemmed) it contains, and its passage's cosine.
    """
    seen: set[tuple[str, tuple[int, int]]] = set()
    cands = []
    for h in hits:  # passages overlap: score each sentence once, in its best-ranked passage
        for j, span in enumerate(h.passage.sentences):
            if (h.passage.doc_id, span) not in seen:
                seen.add((h.passage.doc_id, span))
                cands.append((h, j))
    if not cands:
        return [], 0.0
    texts = [_sentence_text(index, h, j) for h, j in cands]
    stored = [index.sentence_vectors(h.row) for h, _ in cands]  # made at ingest: no model pass
    if all(v is not None for v in stored):
        sims = np.stack([v[j] for v, (_, j) in zip(stored, cands)]).astype(np.float32) @ qvec
    else:  # an index built before sentence vectors were stored
        sims = embedder.for_settings(index.settings).encode(texts) @ qvec
    lex = _term_coverage(index, question, texts)
    wp, wl = settings.passage_weight, settings.lexical_weight
    scores = [(1 - wp - wl) * float(sim) + wl * cov + wp * h.dense_score
              for (h, _), sim, cov in zip(cands, sims, lex)]
    order = sorted(range(len(cands)), key=lambda i: -scores[i])
    best = scores[order[0]]
    picked = [cands[i] for i in order[:settings.max_sentences] if scores[i] >= best - settings.second_margin]
    quotes: list[tuple[Hit, list[int]]] = []
    for h, j in picked:  # merge a sentence into a neighbour already picked from its passage
        near = next((q for q in quotes if q[0].row == h.row and (j + 1 in q[1] or j - 1 in q[1])), None)
        if near:
            near[1].append(j)
        else:
            quotes.append((h, [j]))
    spans = [(h, (h.passage.sentences[min(js)][0], h.passage.sentences[max(js)][1])) for h, js in quotes]
    return spans, best


def _term_coverage(index: Index, question: str, texts: list[str]) -> list[float]:
    """For each text, the IDF-weighted share of the question's terms that it contains."""
    q_terms = set(tokenize([question])[0])
    if not q_terms:
        return [0.0] * len(texts)
    idf = index.bm25.idf(q_terms)
    total = sum(idf.values())
    return [sum(idf[t] for t in q_terms.intersection(terms)) / total for terms in tokenize(texts)]


def _sentence_text(index: Index, hit: Hit, j: int) -> str:
    s, e = hit.passage.sentences[j]
    return hit.passage.text[s - hit.passage.start:e - hit.passage.start]


def _citation(index: Index, n: int, hit: Hit, span: tuple[int, int]) -> Citation:
    p = hit.passage
    entry = index.doc_by_id[p.doc_id]
    start, end = span
    return Citation(
        n=n, doc_id=p.doc_id, title=p.title, source=p.source, url=entry.doc.url,
        section=p.section, page=entry.doc.page_at(start), page_end=entry.doc.page_at(end - 1),
        published=entry.doc.published, start=start, end=end, quote=entry.doc.text[start:end],
        passage=p.text, passage_start=p.start, passage_end=p.end,
        score=round(hit.dense_score, 4), trace=hit.trace(), ocr=entry.doc.ocr_between(start, end),
    )
