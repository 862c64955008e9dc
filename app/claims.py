"""Check a claim against the sources: find the sentences that bear on it and say how well they support it.

Only support is judged. A sentence that looks similar but differs in a number or in
negation lowers the verdict to "related"; docqa never claims a contradiction, because
similarity scores cannot tell "says otherwise" from "says something else".
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field

from app.answer import clean_question
from index.embedder import Embedder
from index.search import Hit, search
from index.bm25 import tokenize
from index.store import Index

SUPPORTED, RELATED, NOT_FOUND = "supported", "related", "not_found"
VERDICT_LABELS = {
    SUPPORTED: "supported by the sources",
    RELATED: "related passages found but no direct support",
    NOT_FOUND: "not found in the sources",
}


@dataclass(frozen=True)
class CheckSettings:
    passages: int = 5  # passages whose sentences are scored
    evidence: int = 3  # evidence sentences returned
    # Chosen on 12 true and 12 false hand-written claims about the shipped article
    # (tests/test_claims.py): true ones scored 0.59-0.94, unrelated ones 0.12-0.41.
    supported: float = 0.55  # support of evidence without mismatches at or above this: supported
    related: float = 0.45  # support of any evidence at or above this: related
    passage_weight: float = 0.2  # share of the passage's cosine in a sentence's support


@dataclass
class Evidence:
    n: int
    doc_id: str
    title: str
    source: str
    url: str | None
    section: str | None
    page: int | None
    published: str | None
    start: int  # the sentence's span in the document text
    end: int
    sentence: str
    passage: str
    passage_start: int
    passage_end: int
    support: float
    mismatches: list[str]  # why this sentence is not direct support, if it looks like it
    trace: dict


@dataclass
class Check:
    claim: str
    verdict: str  # supported | related | not_found
    label: str
    support: float
    evidence: list[Evidence] = field(default_factory=list)
    latency_ms: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[a-z0-9']+(?:-[a-z0-9]+)*")
_NEGATIONS = {"not", "no", "never", "none", "nor", "neither", "cannot", "without"}
_NOT_CONTENT = {"has", "have", "had", "does", "do", "did", "since", "also", "been", "being"}
_SPELLING = {"defence": "defense", "programme": "program", "programmes": "programs", "licence": "license",
             "offence": "offense", "organisation": "organization", "organisations": "organizations"}
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70",
                      "eighty": "80", "ninety": "90", "hundred": "100"})


def numbers(text: str) -> set[str]:
    """Numbers in `text`, digits or words up to a hundred ("eleven" == "11"; 75,000 == 75000)."""
    found = {n.replace(",", "") for n in _NUMBER.findall(text)}
    return found | {_NUMBER_WORDS[w] for w in _WORD.findall(text.lower()) if w in _NUMBER_WORDS}


def negated(text: str) -> bool:
    """Whether `text` contains a negation word (not, never, n't, non-…)."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    return any(w in _NEGATIONS or w.endswith("n't") or w.startswith("non-") for w in words)


def content_words(text: str) -> dict[str, set[str]]:
    """The content words of `text` (stop words and auxiliaries dropped), each with its stems."""
    words = [w for w in dict.fromkeys(_WORD.findall(text.lower())) if w not in _NOT_CONTENT]
    stems = tokenize([_SPELLING.get(w, w) for w in words])
    return {w: set(s) for w, s in zip(words, stems) if s}


def mismatches(claim: str, evidence: str, max_missing: float = 0.25) -> list[str]:
    """Why `evidence`, however similar, does not directly support `claim`, in words; [] if it may.

    Checked: every number of the claim appears, negation matches, and at most
    `max_missing` of the claim's content words are absent.
    """
    out = [f"{n} does not appear here" for n in sorted(numbers(claim) - numbers(evidence))]
    if negated(claim) != negated(evidence):
        out.append("the claim is negated and this text is not" if negated(claim)
                   else "this text is negated and the claim is not")
    have = set().union(*content_words(evidence).values())
    words = {w: stems for w, stems in content_words(claim).items() if not numbers(w)}  # numbers: above
    missing = [w for w, stems in words.items() if not stems <= have]
    if len(missing) > max_missing * len(words):
        out.append("not mentioned here: " + ", ".join(missing))
    return out


def verdict(best_clean: float, best_any: float, settings: CheckSettings = CheckSettings()) -> str:
    """The verdict from the best support of evidence without mismatches and of any evidence."""
    if best_clean >= settings.supported:
        return SUPPORTED
    if max(best_any, best_clean) >= settings.related:
        return RELATED
    return NOT_FOUND


def check_claim(index: Index, embedder: Embedder, claim: str,
                settings: CheckSettings = CheckSettings()) -> Check:
    """Score single sentences and adjacent pairs of the passages closest to `claim`; keep the best."""
    t0 = time.perf_counter()
    claim = clean_question(claim)
    embedder = embedder.for_settings(index.settings)  # the backend the index was built with
    qvec = embedder.encode_query(claim)
    hits = search(index, claim, qvec, k=settings.passages)
    # A pair lets a sentence borrow its subject from the one before ("Established in 2021, the EDF").
    cands = [(h, i, j) for h in hits for j in range(len(h.passage.sentences)) for i in {max(j - 1, 0), j}]
    evidence: list[Evidence] = []
    if cands:
        texts = [_span_text(h, i, j) for h, i, j in cands]
        sims = embedder.encode(texts) @ qvec
        w = settings.passage_weight
        support = [(1 - w) * float(s) + w * h.dense_score for (h, _, _), s in zip(cands, sims)]
        why = [mismatches(claim, t) for t in texts]
        # Best first, a clean candidate before a mismatched one of similar score; no overlapping spans.
        order = sorted(range(len(cands)), key=lambda k: -(support[k] + (0.05 if not why[k] else 0.0)))
        taken: list[tuple[str, int, int]] = []
        for k in order:
            h, i, j = cands[k]
            start, end = h.passage.sentences[i][0], h.passage.sentences[j][1]
            if any(d == h.passage.doc_id and start < e and s < end for d, s, e in taken):
                continue
            taken.append((h.passage.doc_id, start, end))
            evidence.append(_evidence(index, len(evidence) + 1, h, start, end, texts[k],
                                      round(support[k], 4), why[k]))
            if len(evidence) == settings.evidence:
                break
    best = max((e.support for e in evidence), default=0.0)
    result = verdict(max((e.support for e in evidence if not e.mismatches), default=0.0), best, settings)
    return Check(claim, result, VERDICT_LABELS[result], best, evidence,
                 round((time.perf_counter() - t0) * 1000, 1))


def _span_text(hit: Hit, i: int, j: int) -> str:
    p = hit.passage
    return p.text[p.sentences[i][0] - p.start:p.sentences[j][1] - p.start]


def _evidence(index: Index, n: int, hit: Hit, start: int, end: int, text: str, support: float,
              why_not: list[str]) -> Evidence:
    p = hit.passage
    doc = index.doc_by_id[p.doc_id].doc
    return Evidence(n=n, doc_id=p.doc_id, title=p.title, source=p.source, url=doc.url, section=p.section,
                    page=doc.page_at(start), published=doc.published, start=start, end=end, sentence=text,
                    passage=p.text, passage_start=p.start, passage_end=p.end, support=support,
                    mismatches=why_not, trace=hit.trace())
