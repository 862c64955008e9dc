"""Extractive answers: pick the sentences that answer a question and cite their spans."""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import asdict, dataclass, field, fields, is_dataclass

from app import differences as diffs
from app import selection as sel
from index.embedder import Embedder
from index.search import Hit, Retriever, candidates, search
from index.store import Index

MAX_QUESTION_CHARS = 2000
# ANSI/VT terminal sequences (CSI such as "\x1b[0m", OSC titles, two-character escapes)
_TERMINAL_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


class BadQuestion(ValueError):
    """The question cannot be asked as given; the message says why."""


@dataclass(frozen=True)
class AnswerSettings:
    k: int = 5  # passages shown (citations plus related)
    candidates: int | None = None  # top passages whose units may be quoted (None: as trained)
    max_quotes: int = 2
    threshold: float | None = None  # abstain below this answer probability (None: the trained one)

    def abstain_below(self) -> float:
        """The answer probability below which docqa abstains."""
        return sel.weights().threshold if self.threshold is None else self.threshold


@dataclass(frozen=True)
class Selection:
    """Why this quote was chosen: the kind of answer asked for, whether the quote holds one,
    and the selector's probability that it answers the question."""

    answer_type: str  # date, number, person, place, yesno, definition, list, reason, manner, other
    type_match: bool
    probability: float
    sentences: int  # 1, or more when the quote is a sentence with those that continue it
    # best quote only: it holds the kind asked for next to the question's focus / a predicate term
    focus_answered: bool | None = None
    predicate_answered: bool | None = None


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
    selection: Selection | None = None  # cited quotes only
    ocr: bool = False  # the quote's page was read by OCR from a scan


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    related: list[Citation] = field(default_factory=list)
    latency_ms: float = 0.0
    evidence_score: float = 0.0  # calibrated probability that the best quote answers the question
    answer_type: str = "other"
    differences: list[diffs.Difference] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list, repr=False)  # the search's ranking, not in JSON

    def to_dict(self) -> dict:
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name != "hits"}


def _plain(value: object) -> object:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return asdict(value) if is_dataclass(value) else value


def clean_question(question: str) -> str:
    """Strip control characters and surrounding space; refuse what cannot be a question."""
    if not isinstance(question, str):
        raise BadQuestion("the question must be text")
    text = _TERMINAL_ESCAPE.sub(" ", question)  # pasted colour codes: drop the whole sequence
    if not text.isprintable():  # printable text holds no control or format character (category C)
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
    """Answer `question` from `index` by quoting its best units, or abstain."""
    t0 = time.perf_counter()
    question = clean_question(question)
    found = candidates(index, question)  # made first: a remote store searches text while we encode
    qvec = embedder.for_settings(index.settings).encode_query(question)  # the index's backend
    w = sel.weights()
    n_cands = settings.candidates or w.candidates
    hits = search(index, question, qvec, k=max(settings.k, n_cands), retriever=retriever, found=found)
    cands = sel.candidates(index, question, qvec, hits[:n_cands])
    choice = sel.choose(cands, w, settings.max_quotes)
    abstained = not choice.picked or choice.probability < settings.abstain_below()
    near = (choice.focus_answered, choice.predicate_answered)  # of the best quote
    citations = [] if abstained else [
        citation(index, n, u.hit, u.span, Selection(choice.kind, match, round(p, 4), u.last - u.first + 1,
                                                    *(near if n == 1 else (None, None))))
        for n, (u, p, match) in enumerate(choice.picked, 1)]
    text = (" ".join(f"{c.quote} [{c.n}]" for c in citations) if citations
            else "The sources do not appear to answer this question.")
    cited_rows = {u.hit.row for u, _, _ in choice.picked} if citations else set()
    related = [citation(index, 0, h, h.passage.sentences[0]) for h in hits[:settings.k]
               if h.row not in cited_rows]
    differences = [] if abstained else diffs.differences(question, citations, related)
    if differences:  # never pick one figure silently
        text += " " + diffs.note(differences)
    return Answer(question, text, abstained, citations, related,
                  round((time.perf_counter() - t0) * 1000, 1), round(choice.probability, 4), choice.kind,
                  differences, hits)


def citation(index: Index, n: int, hit: Hit, span: tuple[int, int],
             selection: Selection | None = None) -> Citation:
    """The citation of `span` (character offsets in its document) in the passage of `hit`, numbered `n`."""
    p = hit.passage
    entry = index.doc_by_id[p.doc_id]
    start, end = span
    return Citation(
        n=n, doc_id=p.doc_id, title=p.title, source=p.source, url=entry.doc.url,
        section=p.section, page=entry.doc.page_at(start), page_end=entry.doc.page_at(end - 1),
        published=entry.doc.published, start=start, end=end, quote=entry.doc.text[start:end],
        passage=p.text, passage_start=p.start, passage_end=p.end,
        score=round(hit.dense_score, 4), trace=hit.trace(), selection=selection,
        ocr=entry.doc.ocr_between(start, end),
    )
