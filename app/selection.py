"""Answer selection: candidate units from the top passages, their features, a learned score.

A *unit* is one sentence of a retrieved passage, or a sentence with the sentence(s) that
continue it (the next one opens with a pronoun, a definite reference to what the first
named, "These include …", "While …", a participial "Established in …"). A unit is cited as
one exact span of its document.

Each unit gets the features in `UNIT_FEATURES` (cosines from vectors stored at ingest, the
question's IDF-weighted terms it holds, whether it holds the question's rarest term,
whether it holds the kind of answer asked for, retrieval ranks). A logistic regression
trained by `benchmarks/train_selector.py` on the tune part of the question sets scores
them; a second one, over `ANSWER_FEATURES` of the best unit, gives the calibrated
probability that the best unit answers the question, and docqa abstains below the
threshold chosen on the tune part. Weights live in `app/selector_weights.json`; they are
applied with numpy (no scikit-learn at run time).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from app import question_type as qtype
from index.bm25 import tokenize
from index.search import Hit
from index.store import Index

WEIGHTS_FILE = Path(__file__).with_name("selector_weights.json")
MAX_UNIT_SENTENCES = 3
CHECKED_KINDS = tuple(k for k in qtype.TYPES if qtype.checked(k))  # all but yes/no
UNIT_FEATURES = (
    "cos_unit", "cos_max", "cos_gap", "passage_cos", "passage_rrank", "bm25_rrank", "dense_rrank",
    "coverage", "coverage_sq", "coverage_gap", "rare_in_unit", "rare_matched", "passage_coverage",
    "first_coverage", *(f"match_{k}" for k in CHECKED_KINDS), "type_missing", "counted", "continued",
    "continued_adds_type", "log_chars", "novelty", "yesno_negated",
)
ANSWER_FEATURES = ("best_logit", "margin", "best_cos", "top_passage_cos", "best_coverage",
                   "passages_coverage", "rare_found", "unknown_names", "names_found", "best_type_missing",
                   "focus_matched", "factoid_missing", "has_focus", "best_focus_answered",
                   "factoid_focus_unanswered", "predicate_answered")
FACTOID_KINDS = ("date", "number", "person", "place")  # kinds whose answer a regex finds reliably
PREDICATE_SHARE = 0.5  # a question term in fewer of the candidate sentences than this names what is asked
# words that ask, or name the kind of answer ("what year"), are never the predicate
_ASKING = frozenset(tokenize(["which what who whom whose when where why how many much year date number amount "
                              "kind type name"])[0])
# The next sentence continues this one: a pronoun or demonstrative, a linking adverb, a
# concessive or participial opening ("While non-binding, …", "Established in 2021, …").
_CONTINUES = re.compile(
    r"^(?:This|These|That|Those|It|Its|They|Their|Them|Such|Both|Each|Either|Neither|He|She|His|Her|"
    r"Here|There|The latter|The former|The same|In addition|Additionally|Furthermore|Moreover|"
    r"However|Also|Likewise|Similarly|Together|In turn|Thereby|Therefore|Thus|Hence|Consequently|"
    r"Instead|Accordingly|While|Although|Though|Whereas|Despite|Under (?:it|this|these|the)|"
    r"Within (?:it|this|these|the)|As a result|As such|Among them|Of these|Examples include)\b"
    r"|^(?:[A-Z][a-z]+(?:ed|ing|en)|Set|Built|Made|Held|Led|Run|Begun|Known|Seen|Given|Taken|Put|Kept|Sent|"
    r"Brought|Found|Won|Paid|Laid|Meant|Spent|Shown|Grown|Drawn|Written|Born|Chosen|Sold|Told|Left|Struck|"
    r"Thrown|Spread|Cut)\b(?: [a-z]+){0,2}(?: in| by| on| at| with| for| under| from| as|,)")
_THE = re.compile(r"^The ((?:[\w-]+ ){0,3}[\w-]+)")
# Names in a question: a capitalised word after the first, an acronym, a word with a digit
_NAME = re.compile(r"(?<=\S )[A-Z][\w-]*|\b[A-Z0-9]{2,}\b|\b\w*\d\w*\b")


@dataclass(frozen=True)
class Unit:
    """Sentences `first`..`last` of a retrieved passage, quoted as one span."""

    hit: Hit
    rank: int  # 1-based rank of the hit among the retrieved passages
    first: int
    last: int

    @property
    def span(self) -> tuple[int, int]:
        s = self.hit.passage.sentences
        return s[self.first][0], s[self.last][1]


@dataclass(frozen=True)
class Model:
    """A logistic regression: standardise with `mean`/`scale`, then `coef`·x + `intercept`."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logit(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    @classmethod
    def from_dict(cls, d: dict, names: tuple[str, ...]) -> Model:
        if tuple(d["features"]) != names:
            raise ValueError(f"{WEIGHTS_FILE.name} was trained on other features; rerun "
                             "benchmarks/train_selector.py")
        return cls(names, *(np.asarray(d[k], dtype=np.float64) for k in ("mean", "scale", "coef")),
                   float(d["intercept"]))


@dataclass(frozen=True)
class Weights:
    unit: Model
    answer: Model
    threshold: float  # abstain when the answer probability is below this
    second_margin: float  # cite a second unit whose probability is within this of the best
    candidates: int  # top passages whose units are scored


@cache
def weights(path: Path = WEIGHTS_FILE) -> Weights:
    """The trained selector (read once)."""
    d = json.loads(path.read_text(encoding="utf-8"))
    return Weights(Model.from_dict(d["unit"], UNIT_FEATURES), Model.from_dict(d["answer"], ANSWER_FEATURES),
                   float(d["threshold"]), float(d["second_margin"]), int(d["candidates"]))


@dataclass
class Candidates:
    """Every unit of the top passages with its feature row, and the question-level features."""

    kind: qtype.QuestionType
    units: list[Unit]
    x: np.ndarray  # len(units) × len(UNIT_FEATURES)
    matched: np.ndarray  # bool per unit: holds the kind of answer asked for
    context: dict  # question-level values the answer features need


def sentence_text(hit: Hit, j: int) -> str:
    s, e = hit.passage.sentences[j]
    return hit.passage.text[s - hit.passage.start:e - hit.passage.start]


def continues(previous: str, sentence: str) -> bool:
    """Whether `sentence` carries on from `previous` (rule in the module docstring)."""
    if _CONTINUES.match(sentence):
        return True
    m = _THE.match(sentence)  # "The agreement …" after a sentence naming the agreement
    if not m:
        return False
    return bool(_terms(m[1]) & _terms(previous))


def units(hits: list[Hit]) -> list[Unit]:
    """Each sentence of `hits` once (in its best-ranked passage), and each with its continuations."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for rank, h in enumerate(hits, 1):
        spans = h.passage.sentences
        texts = [sentence_text(h, j) for j in range(len(spans))]
        for j in range(len(texts)):
            last = j
            while True:
                key = (h.passage.doc_id, spans[j][0], spans[last][1])  # the unit's doc and span
                if key not in seen:
                    seen.add(key)
                    out.append(Unit(h, rank, j, last))
                nxt = last + 1
                if (nxt >= len(texts) or nxt - j >= MAX_UNIT_SENTENCES or not continues(texts[last], texts[nxt])
                        or "\n" in _gap(h, last, nxt)):
                    break
                last = nxt
    return out


def _gap(hit: Hit, a: int, b: int) -> str:
    """The text between sentence `a`'s end and sentence `b`'s start (a new paragraph stops a unit)."""
    p = hit.passage
    return p.text[p.sentences[a][1] - p.start:p.sentences[b][0] - p.start]


COL = {name: i for i, name in enumerate(UNIT_FEATURES)}


@lru_cache(maxsize=32768)
def _terms(text: str) -> frozenset[str]:
    """Stemmed terms of a text, kept: the same passages come back question after question."""
    return frozenset(tokenize([text])[0])


def _passage_terms(hit: Hit) -> frozenset[str]:
    """The passage's terms as the union of its sentences' (cached, and mostly tokenised already for
    the units); the whole text is tokenised when a word might run across a sentence boundary."""
    p = hit.passage
    edges = [p.start, *(x for span in p.sentences for x in span), p.end]
    for a, b in zip(edges[::2], edges[1::2]):  # the text before, between and after the sentences
        gap = p.text[a - p.start:b - p.start]
        if gap.strip() or (not gap and 0 < a - p.start < len(p.text) and _WORD_JOIN.fullmatch(
                p.text[a - p.start - 1:a - p.start + 1])):
            return _terms(p.text)
    return frozenset().union(*(_terms(sentence_text(hit, j)) for j in range(len(p.sentences))))


_WORD_JOIN = re.compile(r"\w\w")  # two word characters meeting at a sentence boundary: one word


@dataclass
class _Sentences:
    """Every sentence the units use, once: texts, terms, stored vectors, and which unit holds which."""

    texts: list[str]
    terms: list[frozenset[str]]
    vectors: np.ndarray  # sentences × dim
    member: np.ndarray  # units × sentences, 1.0 where the unit holds the sentence
    first: np.ndarray  # per unit, the index of its first sentence


def _sentences(index: Index, us: list[Unit]) -> _Sentences:
    keys = sorted({(u.hit.row, j) for u in us for j in range(u.first, u.last + 1)})
    at = {k: i for i, k in enumerate(keys)}
    by_row = {u.hit.row: u.hit for u in us}
    texts = [sentence_text(by_row[r], j) for r, j in keys]
    vecs = {r: index.sentence_vectors(r) for r in by_row}  # made at ingest: no model pass
    member = np.zeros((len(us), len(keys)), np.float32)
    cells = [(i, at[(u.hit.row, j)]) for i, u in enumerate(us) for j in range(u.first, u.last + 1)]
    member[tuple(zip(*cells))] = 1.0
    return _Sentences(texts, [_terms(t) for t in texts],
                      np.stack([vecs[r][j] for r, j in keys]).astype(np.float32), member,
                      np.array([at[(u.hit.row, u.first)] for u in us]))


def candidates(index: Index, question: str, qvec: np.ndarray, hits: list[Hit]) -> Candidates:
    """The units of `hits` and their features for `question` (`qvec`: its unit query vector)."""
    kind = qtype.analyse(question)
    us = units(hits)
    q_terms = sorted(_terms(question))
    idf = index.bm25.idf(set(q_terms)) if q_terms else {}
    w = np.array([idf[t] for t in q_terms], dtype=np.float64)
    n = max(index.bm25.n, 1)
    known = w < math.log((n + 0.5) / 0.5 + 1.0) - 1e-9  # a term in no passage has the top IDF
    names = _names(question, q_terms)
    x = np.zeros((len(us), len(UNIT_FEATURES)))
    if not us:
        return Candidates(kind, [], x, np.zeros(0, bool), _context(w, known, names, np.zeros((0, len(w)), bool), ()))
    sent = _sentences(index, us)
    has_s = np.array([[t in ts for t in q_terms] for ts in sent.terms], bool).reshape(len(sent.texts), len(w))
    has = (sent.member @ has_s) > 0
    x[:, [COL["cos_unit"], COL["cos_max"]]] = _cosines(sent, qvec)
    x[:, COL["cos_gap"]] = x[:, COL["cos_max"]].max() - x[:, COL["cos_max"]]
    x[:, COL["passage_cos"]] = [u.hit.dense_score for u in us]
    x[:, COL["passage_rrank"]] = [1.0 / u.rank for u in us]
    x[:, COL["bm25_rrank"]] = [1.0 / u.hit.bm25_rank if u.hit.bm25_rank else 0.0 for u in us]
    x[:, COL["dense_rrank"]] = [1.0 / u.hit.dense_rank if u.hit.dense_rank else 0.0 for u in us]
    _term_features(x, has, has_s[sent.first], w, known)
    matched = _type_features(x, kind, us, sent)
    lengths = sent.member @ np.array([len(t) for t in sent.texts], np.float32)
    x[:, COL["log_chars"]] = np.log(np.maximum(lengths, 10) / 100)
    asked = set(q_terms)
    n_terms = np.array([len(ts) for ts in sent.terms], np.float32)
    n_new = np.array([len(ts - asked) for ts in sent.terms], np.float32)
    x[:, COL["novelty"]] = (sent.member @ n_new) / np.maximum(sent.member @ n_terms, 1)
    rows = sorted({u.hit.row: u.hit for u in us}.items())
    passage_has = np.array([[t in terms for t in q_terms] for terms in (_passage_terms(h) for _, h in rows)], bool)
    # the question's predicate: its terms, names aside, that few candidate sentences hold ("heads",
    # "founded", "budget"); the topic's terms are in most of them
    rare_here = has_s.mean(0) < PREDICATE_SHARE if len(w) else np.zeros(0, bool)
    predicate = tuple(t for t, keep in zip(q_terms, rare_here & ~names) if keep and len(t) > 2 and t not in _ASKING)
    return Candidates(kind, us, x, matched, _context(w, known, names, passage_has.reshape(len(rows), len(w)),
                                                     predicate))


def _cosines(sent: _Sentences, qvec: np.ndarray) -> np.ndarray:
    """Per unit: cosine of its summed sentence vectors, and the best cosine of one of its sentences."""
    sims = sent.vectors @ qvec.astype(np.float32)
    summed = sent.member @ sent.vectors
    cos_unit = (summed @ qvec.astype(np.float32)) / np.maximum(np.linalg.norm(summed, axis=1), 1e-9)
    cos_max = np.where(sent.member > 0, sims[None, :], -np.inf).max(1)
    return np.column_stack([cos_unit, cos_max])


def _term_features(x: np.ndarray, has: np.ndarray, first_has: np.ndarray, w: np.ndarray, known: np.ndarray) -> None:
    """IDF coverage (plain and squared: rare terms weigh more), the rarest known term, first sentence."""
    if not len(w):
        return
    x[:, COL["coverage"]] = has @ w / w.sum()
    x[:, COL["coverage_sq"]] = has @ (w ** 2) / (w ** 2).sum()
    x[:, COL["coverage_gap"]] = x[:, COL["coverage"]].max() - x[:, COL["coverage"]]
    if known.any():
        kw = np.where(known, w, 0.0)
        x[:, COL["rare_in_unit"]] = has[:, int(np.argmax(kw))]
        x[:, COL["rare_matched"]] = (has * kw).max(1) / kw.max()
    x[:, COL["first_coverage"]] = first_has @ w / w.sum()


def _type_features(x: np.ndarray, kind: qtype.QuestionType, us: list[Unit], sent: _Sentences) -> np.ndarray:
    """Whether each unit (one of its sentences) holds the kind of answer asked for; for a continued
    unit, whether the continuation brings it."""
    def any_sentence(test) -> np.ndarray:  # noqa: ANN001 - str -> bool
        per = np.array([test(t) for t in sent.texts], np.float32)
        return (sent.member @ per) > 0, per > 0

    matched, matched_s = any_sentence(lambda t: qtype.matches(kind, t))
    continued = np.array([u.last - u.first for u in us])
    x[:, COL["continued"]] = continued
    if kind.kind in CHECKED_KINDS:
        x[:, COL[f"match_{kind.kind}"]] = matched
        x[:, COL["type_missing"]] = ~matched
        x[:, COL["continued_adds_type"]] = (continued > 0) & matched & ~matched_s[sent.first]
    if kind.kind == "yesno":
        x[:, COL["yesno_negated"]] = any_sentence(qtype.negated)[0]
    if kind.kind == "number":
        x[:, COL["counted"]] = any_sentence(lambda t: qtype.counted(kind.question, t))[0]
    return matched


def focus_answered(kind: qtype.QuestionType, u: Unit) -> bool:
    """Whether a sentence of `u` holds the kind of answer asked for next to a word of the question's
    focus (`qtype.focus`: "what dose", "how many patients", "who heads"); an on-topic question the
    document cannot answer usually matches the topic words, not the focus with its answer."""
    stems = qtype.focus(kind.question)
    texts = [sentence_text(u.hit, j) for j in range(u.first, u.last + 1)]
    if kind.kind in CHECKED_KINDS:
        return any(qtype.focus_answered(kind, stems, t) for t in texts)
    return any(qtype.states_focus(stems, t) > 0 for t in texts)


def predicate_answered(kind: qtype.QuestionType, u: Unit, predicate: tuple[str, ...]) -> bool:
    """Whether a sentence of `u` holds the kind of answer asked for next to a term of the question's
    predicate (`Candidates.context`); a quote that names the topic beside some other figure or name
    does not. Always true for yes/no questions (no answer to find)."""
    if kind.kind not in CHECKED_KINDS:
        return True
    texts = [sentence_text(u.hit, j) for j in range(u.first, u.last + 1)]
    held = tuple(t for t in predicate if any(t in _terms(x) for x in texts))
    return bool(held) and any(qtype.focus_answered(kind, held, x) for x in texts)


def _names(question: str, q_terms: list[str]) -> np.ndarray:
    """Which of the question's terms are names (capitalised after the first word, acronyms, codes)."""
    named = _terms(" ".join(_NAME.findall(question)))
    return np.array([t in named for t in q_terms], bool)


def _context(w: np.ndarray, known: np.ndarray, names: np.ndarray, passage_has: np.ndarray,
             predicate: tuple[str, ...]) -> dict:
    """Question-level values: how much of the question the passages hold at all, whether the
    names it asks about occur in the index (an unknown name is rarely answered), its predicate."""
    total = float(w.sum()) or 1.0
    anywhere = passage_has.any(0) if len(passage_has) else np.zeros(len(w), bool)
    rare = bool(anywhere[int(np.argmax(np.where(known, w, 0.0)))]) if known.any() else False
    n_names = int(names.sum())
    return {"passages_coverage": float(anywhere @ w) / total if len(w) else 0.0, "rare_found": float(rare),
            "unknown_names": float((names & ~known).sum()) / n_names if n_names else 0.0,
            "names_found": float((names & anywhere).sum()) / n_names if n_names else 1.0, "predicate": predicate}


def answer_features(c: Candidates, logits: np.ndarray, best: int) -> np.ndarray:
    """The `ANSWER_FEATURES` row of a question whose best unit is `best`."""
    col = COL
    others = np.delete(logits, best)
    margin = float(logits[best] - others.max()) if len(others) else 5.0
    row = c.x[best]
    top_cos = max((u.hit.dense_score for u in c.units if u.rank == 1), default=0.0)
    # a unit holding both the question's rarest term and the kind of answer asked for
    focus = c.x[:, col["rare_in_unit"]] > 0
    focus_matched = float((focus & c.matched).any()) if c.kind.kind in CHECKED_KINDS else 1.0
    has_focus = bool(qtype.focus(c.kind.question))
    answered = focus_answered(c.kind, c.units[best])
    return np.array([float(logits[best]), margin, row[col["cos_max"]], top_cos, row[col["coverage"]],
                     c.context["passages_coverage"], c.context["rare_found"], c.context["unknown_names"],
                     c.context["names_found"], row[col["type_missing"]], focus_matched,
                     row[col["type_missing"]] * _factoid(c.kind), float(has_focus), float(answered),
                     float(_factoid(c.kind) and has_focus and not answered),
                     float(predicate_answered(c.kind, c.units[best], c.context["predicate"]))])


def _factoid(kind: qtype.QuestionType) -> bool:
    """Questions whose kind of answer the regexes find reliably (a "which <noun>" asks for a name)."""
    return kind.kind in FACTOID_KINDS


def sigmoid(z: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass(frozen=True)
class Choice:
    """The units to cite (best first), each with its probability, and the answer probability."""

    picked: list[tuple[Unit, float, bool]]  # unit, its probability, holds the kind asked for
    probability: float
    kind: str
    focus_answered: bool = False  # the best unit holds the kind asked for next to the question's focus
    predicate_answered: bool = False  # … next to a term of its predicate (`predicate_answered`)


def choose(c: Candidates, w: Weights, max_units: int = 2) -> Choice:
    """The best unit, a second one within `w.second_margin` that does not overlap it, and the
    calibrated probability that the best one answers the question."""
    if not c.units:
        return Choice([], 0.0, c.kind.kind)
    logits = w.unit.logit(c.x)
    probs = sigmoid(logits)
    order = np.argsort(-logits, kind="stable")
    best = int(order[0])
    picked = [(c.units[best], float(probs[best]), bool(c.matched[best]))]
    for i in order[1:]:
        if len(picked) >= max_units or probs[i] < probs[best] - w.second_margin:
            break
        u = c.units[i]
        if not any(_overlaps(u, p) for p, _, _ in picked):
            picked.append((u, float(probs[i]), bool(c.matched[i])))
    row = answer_features(c, logits, best)
    p_answer = float(sigmoid(w.answer.logit(row[None, :]))[0])
    return Choice(picked, p_answer, c.kind.kind, bool(row[ANSWER_FEATURES.index("best_focus_answered")]),
                  bool(row[ANSWER_FEATURES.index("predicate_answered")]))


def _overlaps(a: Unit, b: Unit) -> bool:
    (s1, e1), (s2, e2) = a.span, b.span
    return a.hit.passage.doc_id == b.hit.passage.doc_id and s1 < e2 and s2 < e1
