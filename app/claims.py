"""Check a claim against the sources: supported, contradicted, related, or not found.

Each sentence (or pair of adjacent sentences) of the passages closest to the claim gets a
*support* score (its cosine to the claim, and its passage's), a *coverage* (the share of the
claim's content words, values aside, that it has: app/coverage.py) and a *stance*:

- it *supports* the claim when it states every value and negation of the claim without conflict
  (app/stance.py), lacks fewer than `gap` of the claim's content words in a row (a claim that adds
  a clause is not stated), names nothing its document never writes ("Brussels" in a claim against
  a text without it: `app.coverage.unnamed`), the support model (app/support.py: a logistic
  regression over the span's closeness and wording) gives it at least the trained threshold, and
  (unless it states a value of the claim) its support reaches `min_support`;
- it *contradicts* the claim when a value or a negation conflicts ("the source says 2021, not
  2019") and it is about the same thing: it has every name in the claim and support plus plain
  coverage (plus `stated_value` for each other value of the claim it states) reaches `contradicted`;
- otherwise it is *related*, with the reasons it is not support ("2019 does not appear here").

A document that supports the claim in one sentence does not contradict it in another: its
other figures are about other things. When one document supports the claim and another
contradicts it, the check reports both, newest first, as answers do when the sources differ.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from app.answer import BadQuestion, Citation, citation, clean_question
from app.coverage import Coverage, Defined, Weights, content_words, coverage, defined
from app.stance import Comparison, Conflict, compare, values
from app.support import Closeness, Lexicon, SupportModel, features, probability, support_model
from index.embedder import Embedder
from index.search import Hit, search
from index.store import Index

SUPPORTED, CONTRADICTED, RELATED, NOT_FOUND = "supported", "contradicted", "related", "not_found"
VERDICT_LABELS = {
    SUPPORTED: "supported by the sources",
    CONTRADICTED: "contradicted by the sources",
    RELATED: "related passages found but no direct support",
    NOT_FOUND: "not found in the sources",
}
# shown beside the label, never alone: a verdict is never told by colour or sign only
VERDICT_MARKS = {SUPPORTED: "✓", CONTRADICTED: "✗", RELATED: "≈", NOT_FOUND: "∅"}
SUPPORTS, CONTRADICTS = "supports", "contradicts"  # an evidence sentence's stance; else RELATED


@dataclass(frozen=True)
class CheckSettings:
    passages: int = 5  # passages whose sentences are scored
    evidence: int = 3  # evidence sentences returned
    # A span supports the claim when it states every value and negation of the claim without conflict
    # and the support model (app/support.py) gives it at least this probability; None: the threshold
    # trained with the model (app/claim_weights.json, benchmarks/train_claims.py).
    supported: float | None = None
    # ... and, unless it states one of the claim's values, its support reaches this: the model reads
    # words, and a span can hold every word of a claim it does not make ("member states" of the EU).
    # None: the value chosen with the threshold by benchmarks/train_claims.py (app/claim_weights.json).
    min_support: float | None = None
    # A span with a conflicting value or negation is about the same thing when its support plus the
    # plain share of the claim's words it has reaches this (0 to 2). Chosen on the tune claims with
    # benchmarks/tune_claims.py (benchmarks/RESULTS.md).
    # ... and it lacks fewer than this many of the claim's content words in a row (Coverage.gap): a
    # span that lacks a clause of the claim does not state it. Chosen on the tune claims (RESULTS.md).
    gap: int = 4
    contradicted: float = 1.2  # benchmarks/tune_claims.py on claims-tune 1-4 (1.15 on tune 1-3)
    # ... where each value of the claim the span states alike (two at most) adds this: a span that
    # states the claim's other figures is about the same thing ("764 patients … between 1966 and 1988"
    # against "… 764 patients … between 1966 and 1998"). Chosen on the tune claims (benchmarks/RESULTS.md).
    stated_value: float = 0.2
    related: float = 0.45  # any span's support at or above this: related (else not found)
    passage_weight: float = 0.2  # share of the passage's cosine in a sentence's support

    def support_threshold(self) -> float:
        return support_model().threshold if self.supported is None else self.supported

    def support_floor(self) -> float:
        return support_model().min_support if self.min_support is None else self.min_support


@dataclass
class Evidence:
    """A cited span and what it says about the claim: its own support, stance and mismatches."""

    citation: Citation
    support: float
    stance: str  # supports | contradicts | related
    conflicts: list[Conflict] = field(default_factory=list)  # source against claim, each as written
    mismatches: list[str] = field(default_factory=list)  # why this span is not direct support, in words


@dataclass
class Check:
    claim: str
    verdict: str  # supported | contradicted | related | not_found
    label: str
    reason: str  # the verdict in words, citing the evidence: "the source says 2021, not 2019 [1]"
    support: float
    evidence: list[Evidence] = field(default_factory=list)
    differences: list[dict] = field(default_factory=list)  # documents that disagree, newest first
    latency_ms: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


_WORD = re.compile(r"[A-Za-z0-9'’]+(?:-[A-Za-z0-9]+)*")


@dataclass
class Reading:
    """One candidate span read against the claim: everything its stance is decided from."""

    support: float
    coverage: Coverage
    comparison: Comparison
    near: Closeness
    features: np.ndarray  # the support model's row (app/support.py)
    probability: float  # the support model's probability that the span states the claim


@dataclass
class Candidates:
    """The spans read for a claim (each sentence and adjacent pair of the closest passages)."""

    claim: str
    spans: list[tuple[Hit, int, int]]  # the passage it was found in, and its span in the document
    readings: list[Reading]
    started: float  # time.perf_counter() when the check began
    lexicon: Lexicon | None = None  # vectors of the claim's and the spans' words


def read(claim: str, text: str, near: Closeness, weights: Weights | None = None,
         passage_weight: float = CheckSettings.passage_weight, model: SupportModel | None = None,
         lexicon: Lexicon | None = None, pairs: Defined = (), document: str | None = None) -> Reading:
    """`text` read against `claim`: its values and negations (app/stance.py), its wording (words
    weighted by `weights`, the index's idf in a check; abbreviations by the `pairs` its document
    defines; names by the whole `document`) and the support model's probability (`model`, else the
    trained one)."""
    value_words = {w.lower() for v in values(claim) for w in _WORD.findall(v.text)}
    cov, comparison = coverage(claim, text, value_words, weights, pairs, document), compare(claim, text)
    x = features(cov, comparison, near, lexicon)
    support = round((1 - passage_weight) * near.cosine + passage_weight * near.passage, 4)
    return Reading(support, cov, comparison, near, x, probability(x, model))


def stance(r: Reading, settings: CheckSettings = CheckSettings()) -> tuple[str, list[str]]:
    """The stance of a read span (module docstring), and why it is not support, in words."""
    cov, comparison = r.coverage, r.comparison
    why = list(comparison.missing)
    floor = settings.support_floor() if not comparison.matched else 0.0  # a stated value is evidence enough
    if cov.unnamed:
        why.append("the source never names " + ", ".join(cov.unnamed))
    weak = r.probability < settings.support_threshold() or r.support < floor or len(cov.gap) >= settings.gap
    if cov.unnamed or weak:
        why.append("not mentioned here: " + ", ".join(cov.missing) if cov.missing else
                   "close to the claim, but not close enough to support it")
    if comparison.conflicts:
        # plain word shares: a rare word only the claim has ("legally binding") is no sign of another topic here
        about = r.support + cov.plain + settings.stated_value * min(len(comparison.matched), 2)
        if about >= settings.contradicted and not cov.names_missing:
            return CONTRADICTS, [says(c) for c in comparison.conflicts] + comparison.missing
        return RELATED, [f"{_said(c.claim, c.kind)} does not appear here ({_said(c.source, c.kind)} does)"
                         for c in comparison.conflicts] + why
    return (SUPPORTS, []) if not why else (RELATED, why)


def says(c: Conflict) -> str:
    """A conflict in words: "the source says 2021, not 2019"."""
    return f"the source says {_said(c.source, c.kind)}, not {_said(c.claim, c.kind)}"


def check_claim(index: Index, embedder: Embedder, claim: str,
                settings: CheckSettings = CheckSettings()) -> Check:
    """Read single sentences and adjacent pairs of the passages closest to `claim`; keep the telling ones."""
    return judge(index, gather(index, embedder, claim, settings), settings)


def gather(index: Index, embedder: Embedder, claim: str, settings: CheckSettings = CheckSettings(),
           model: SupportModel | None = None) -> Candidates:
    """Find and read the candidate spans (the costly part: retrieval and one encoding pass); `model`:
    the support model, else the trained one."""
    t0 = time.perf_counter()
    try:
        claim = clean_question(claim)
    except BadQuestion as exc:
        raise BadQuestion(str(exc).replace("question", "claim")) from None
    embedder = embedder.for_settings(index.settings)  # the backend the index was built with
    qvec = embedder.encode_query(claim)
    spans = _candidates(search(index, claim, qvec, k=settings.passages))
    if not spans:
        return Candidates(claim, [], [], t0)
    texts = [index.doc_by_id[h.passage.doc_id].doc.text[s:e] for h, s, e in spans]
    sims = embedder.encode(texts) @ qvec
    near = [Closeness(float(c), h.dense_score, _sentences(h, a, b)) for (h, a, b), c in zip(spans, sims)]
    lexicon = lexicon_for(embedder, claim, texts)
    readings = _read_spans(index, claim, spans, near, model, lexicon, settings.passage_weight)
    return Candidates(claim, spans, readings, t0, lexicon)


def reread(index: Index, cands: Candidates, model: SupportModel | None = None) -> None:
    """Read `cands`' spans again by today's rules, keeping their retrieval and encodings (the tuning
    scripts judge cached candidates this way)."""
    cands.readings = _read_spans(index, cands.claim, cands.spans, [r.near for r in cands.readings], model,
                                 cands.lexicon)


def _read_spans(index: Index, claim: str, spans: list[tuple[Hit, int, int]], near: list[Closeness],
                model: SupportModel | None, lexicon: Lexicon | None,
                passage_weight: float = CheckSettings.passage_weight) -> list[Reading]:
    """Each span read against `claim` (`read`), with its document's abbreviations and names."""
    docs = [index.doc_by_id[h.passage.doc_id].doc.text for h, _, _ in spans]
    return [read(claim, d[a:b], n, index.bm25.idf, passage_weight, model, lexicon, defined(d), d)
            for d, (_, a, b), n in zip(docs, spans, near)]


def lexicon_for(embedder: Embedder, claim: str, texts: list[str]) -> Lexicon:
    """Vectors of the claim's content words and the spans' (one encoding pass)."""
    words = list(dict.fromkeys(w for t in (claim, *texts) for w in content_words(t)))
    return Lexicon(words, embedder.encode(words) if words else np.zeros((0, 1)))


def _sentences(hit: Hit, start: int, end: int) -> int:
    return sum(start <= s and e <= end for s, e in hit.passage.sentences)


def judge(index: Index, cands: Candidates, settings: CheckSettings = CheckSettings()) -> Check:
    """The verdict, reason and evidence from the read spans (cheap: thresholds are tuned on this)."""
    stances = [stance(r, settings) for r in cands.readings]
    _one_document_one_stance([h.passage.doc_id for h, _, _ in cands.spans], stances)
    evidence = _select(index, cands, stances, settings.evidence)
    result, differences = verdict(evidence, settings)
    best = max((e.support for e in evidence), default=0.0)
    return Check(cands.claim, result, VERDICT_LABELS[result], reason(result, evidence, differences), best,
                 evidence, differences, round((time.perf_counter() - cands.started) * 1000, 1))


def _candidates(hits: list[Hit]) -> list[tuple[Hit, int, int]]:
    """Each sentence and each adjacent pair once: a pair lets a sentence borrow its subject from the
    one before ("Established in 2021, the EDF" after the sentence naming the European Defence Fund)."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for h in hits:
        spans = h.passage.sentences
        for j in range(len(spans)):
            for i in dict.fromkeys((j, max(j - 1, 0))):
                key = (h.passage.doc_id, spans[i][0], spans[j][1])
                if key not in seen:
                    seen.add(key)
                    out.append((h, spans[i][0], spans[j][1]))
    return out


def _one_document_one_stance(doc_ids: list[str], stances: list[tuple[str, list[str]]]) -> None:
    """In a document that supports the claim, other sentences' differing figures are about other things."""
    supporting = {d for d, (st, _) in zip(doc_ids, stances) if st == SUPPORTS}
    for k, (d, (st, why)) in enumerate(zip(doc_ids, stances)):
        if st == CONTRADICTS and d in supporting:
            stances[k] = (RELATED, why)


def _select(index: Index, cands: Candidates, stances: list[tuple[str, list[str]]], limit: int) -> list[Evidence]:
    """Telling spans first (supporting or contradicting, best first), then related ones; no overlaps.

    Every document that supports or contradicts the claim keeps its best span, so a disagreement
    between documents is always shown.
    """
    rank = {SUPPORTS: 0, CONTRADICTS: 0, RELATED: 1}
    support = [r.support for r in cands.readings]
    order = _clearest_first(cands, stances, sorted(range(len(cands.spans)),
                                                   key=lambda k: (rank[stances[k][0]], -support[k])))
    telling_docs = {cands.spans[k][0].passage.doc_id for k in order if stances[k][0] != RELATED}
    out: list[Evidence] = []
    taken: list[tuple[str, int, int]] = []
    for k in order:
        (h, start, end), (st, why) = cands.spans[k], stances[k]
        doc = h.passage.doc_id
        if any(d == doc and start < e and s < end for d, s, e in taken):
            continue
        if len(out) >= limit and (st == RELATED or doc in {d for d, _, _ in taken} or doc not in telling_docs):
            continue
        taken.append((doc, start, end))
        conflicts = cands.readings[k].comparison.conflicts
        out.append(Evidence(citation(index, len(out) + 1, h, (start, end)), support[k], st, conflicts, why))
    return out


def _clearest_first(cands: Candidates, stances: list[tuple[str, list[str]]], order: list[int]) -> list[int]:
    """`order` with each document's contradicting spans, in the places they hold, clearest first: the
    one that states most of the claim's other values, then with the fewest conflicts (the sentence
    that gives the claim's 135 gm/L and 0.39 and differs in its 54, not one whose every figure differs)."""
    places: dict[str, list[int]] = {}
    for at, k in enumerate(order):
        if stances[k][0] == CONTRADICTS:
            places.setdefault(cands.spans[k][0].passage.doc_id, []).append(at)
    out = list(order)
    for ats in places.values():
        comparisons = {order[a]: cands.readings[order[a]].comparison for a in ats}
        clearest = sorted(comparisons, key=lambda k: (-len(comparisons[k].matched), len(comparisons[k].conflicts)))
        for a, k in zip(ats, clearest):
            out[a] = k
    return out


def verdict(evidence: list[Evidence], settings: CheckSettings = CheckSettings()) -> tuple[str, list[dict]]:
    """The verdict from the evidence's stances, and the documents that disagree (if any), newest first."""
    telling = [e for e in evidence if e.stance != RELATED]
    stances = {e.stance for e in telling}
    differences = []
    if stances == {SUPPORTS, CONTRADICTS}:
        differences = [_difference(e) for e in telling]
        differences.sort(key=lambda d: d["published"] or "", reverse=True)  # undated last
    if telling:  # the best-supported telling span decides; a disagreement is reported beside it
        return (SUPPORTED if telling[0].stance == SUPPORTS else CONTRADICTED), differences
    if max((e.support for e in evidence), default=0.0) >= settings.related:
        return RELATED, []
    return NOT_FOUND, []


def reason(result: str, evidence: list[Evidence], differences: list[dict]) -> str:
    """The verdict in words, citing evidence by number."""
    if differences:
        parts = [f"{d['title']} ({d['published'] or 'undated'}) {d['says']} [{d['n']}]" for d in differences]
        return "the sources differ: " + "; ".join(parts)
    if result == SUPPORTED:
        return f"the source says so [{evidence[0].citation.n}]"
    if result == CONTRADICTED:
        e = next(e for e in evidence if e.stance == CONTRADICTS)
        return "; ".join(says(c) for c in e.conflicts) + f" [{e.citation.n}]"
    if result == RELATED:
        e = evidence[0]
        why = "; ".join(e.mismatches) or "it is close to the claim but not close enough to support it"
        return f"the closest passage [{e.citation.n}] does not state it: {why}"
    return "nothing in the sources bears on this claim"


def _difference(e: Evidence) -> dict:
    c = e.citation
    what = ("says so" if e.stance == SUPPORTS else
            "; ".join(says(x).removeprefix("the source ") for x in e.conflicts))
    return {"n": c.n, "stance": e.stance, "says": what, "title": c.title, "source": c.source, "url": c.url,
            "published": c.published, "doc_id": c.doc_id}


def _said(text: str, kind: str) -> str:
    """A value as written; words and negations in quotation marks."""
    return f"“{text}”" if kind == "negation" else text
