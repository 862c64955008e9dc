"""What one sentence says about a claim: the claim's values and negations set against the sentence's.

The rule, in full:

1. A *value* is an amount of money or a percentage as `app.differences.figures` reads them
   ("NOK 75 billion" = "75 billion NOK" = "75,000 million NOK"; "12 per cent" = "12%"), a
   year (1800-2099 standing alone: "in 2021", "May 28, 2024"), the month of a date ("May 28",
   "28 May", "May 2024"), or any other number, in digits or words ("three" = 3,
   "twenty-five" = 25, "2.5 million" = 2,500,000). Not numbers: digits joined to letters or a
   hyphen before them ("p53", "COVID-19", "21st").
2. Values are compared within their *kind*: money of one currency, percentages, years,
   months, and numbers. A claim's value *matches* when the sentence has a value of the same
   kind and the same size (a plain number also matches an amount or a year of that size).
   It *conflicts* when the sentence has values of its kind and none matches; the sentence's
   value named is the one whose neighbouring words best match the claim value's (the word
   after counts most: "three military" answers "five military"). A number conflicts only
   when some neighbouring word is shared: numbers are too common to compare blind.
3. A *negation* ("not", "no", "never", "neither", "nor", "cannot", "without", "…n't",
   "non-…") applies to its *head*, the first lower-case content word after it in the same
   clause ("does not participate" → participate; "no significant" → significant;
   "non-binding" → binding). "not only" is no negation. A word with a negating prefix
   ("illegal", "unlikely", "inactive") negates its stem when the other text has the stem
   and not the word.
4. Negations conflict when one text negates a head the other text states without negation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.differences import figures
from index.bm25 import tokenize

NUMBER_KINDS = ("number", "year")  # kinds a plain number may match by size (rule 2)

_MONTHS = ("january february march april may june july august september october november "
           "december").split()
_MONTH_NUMBER = {m: i for i, m in enumerate(_MONTHS, 1)} | {m[:3]: i for i, m in enumerate(_MONTHS, 1)}
_MONTH_NUMBER["sept"] = 9
_MONTH = "|".join(m.capitalize() for m in sorted(_MONTH_NUMBER, key=len, reverse=True))
_MONTH_RE = re.compile(rf"(?<=\d\s)\b(?:{_MONTH})\b\.?|\b(?:{_MONTH})\b\.?(?=\s\d)")
_YEAR_RE = re.compile(r"(?<![\w.,/-])(?:1[89]\d\d|20\d\d)(?![\w%]|[.,]\d)")
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_UNITS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
          "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
WORD_NUMBERS = {w: i for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
WORD_NUMBERS["hundred"] = 100
_NUMBER_WORD = "|".join(sorted(set(WORD_NUMBERS) - {"one"}, key=len, reverse=True))  # "one of": a pronoun
_NUMBER_RE = re.compile(
    rf"(?<![\w.,/-])(?:(?P<d>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\w]|[.,]\d)"
    rf"|(?i:(?P<w>\b(?:{'|'.join(_TENS)})-(?:{'|'.join(_UNITS[1:10])})\b|\b(?:{_NUMBER_WORD})\b)))"
    rf"(?:\s(?P<s>thousand|million|billion|trillion)\b)?")
_NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|cannot|without)\b|\b\w+n['’]t\b|\bnon-(?=\w)", re.I)
_NEG_PREFIX = re.compile(r"\b(?:non|un|in|il|ir|im)(?P<base>[a-z]{5,})\b")  # "non-…": _NEGATION
_CLAUSE_END = re.compile(r"[,;:.!?()]|\b(?:but|while|whereas|although|which|that)\b", re.I)
_WORD = re.compile(r"[A-Za-zÀ-ÿ][\w'’-]*")
_HEAD_SKIP = {"a", "an", "the", "be", "been", "being", "is", "are", "was", "were", "to", "at", "all",
              "any", "yet", "longer", "more", "so", "as", "in", "of", "have", "has", "had", "do", "does",
              "did", "it", "its", "there", "also"}


@dataclass(frozen=True)
class Value:
    text: str  # as written: "75 billion NOK", "2021", "three", "May"
    kind: str  # a currency (NOK, EUR, …), "%", "year", "month" or "number"
    value: float
    start: int  # span in the text it was read from
    end: int


@dataclass(frozen=True)
class Conflict:
    """What the source says against what the claim says, each as written."""

    kind: str  # a value's kind, or "negation"
    source: str
    claim: str


@dataclass(frozen=True)
class Negation:
    head: str  # the stem of the negated word
    phrase: str  # as written, from the negation to its head: "does not participate", "non-binding"


@dataclass
class Comparison:
    """A claim set against one sentence: what conflicts, and what the sentence does not state."""

    conflicts: list[Conflict]
    missing: list[str]  # claim values and negations the sentence does not state, in words
    matched: list[str]  # claim values the sentence states


def values(text: str) -> list[Value]:
    """Every value in `text` (rule 1), in order."""
    found: list[Value] = []
    cursor = 0
    for f in figures(text):  # money and percentages, folded by app.differences
        if f.unit in ("end year", "year") or not (f.unit == "%" or f.unit.isupper()):
            continue  # years and counts are read below, for every number, not only the unit-bearing ones
        at = text.find(f.text, cursor)
        if at >= 0:
            found.append(Value(f.text, f.unit, f.value, at, at + len(f.text)))
            cursor = at + len(f.text)

    def free(a: int, b: int) -> bool:
        return not any(v.start < b and a < v.end for v in found)

    for m in _YEAR_RE.finditer(text):
        if free(*m.span()):
            found.append(Value(m.group(), "year", float(m.group()), *m.span()))
    for m in _MONTH_RE.finditer(text):
        found.append(Value(m.group().rstrip("."), "month", _MONTH_NUMBER[m.group().rstrip(".").lower()],
                           *m.span()))
    for m in _NUMBER_RE.finditer(text):
        if free(*m.span()):
            found.append(Value(m.group(), "number", number_value(m), *m.span()))
    return sorted(found, key=lambda v: v.start)


def number_value(m: re.Match[str]) -> float:
    """The size of a number read by `_NUMBER_RE`: digits or words, times its scale word."""
    if m["d"]:
        base = float(m["d"].replace(",", ""))
    else:
        parts = m["w"].lower().split("-")
        base = float(sum(WORD_NUMBERS[p] for p in parts))
    return base * _SCALE.get((m["s"] or "").lower(), 1.0)


def negations(text: str, other: str = "") -> list[Negation]:
    """The negations in `text` with their heads (rule 3); `other` decides negating prefixes."""
    out = []
    for m in _NEGATION.finditer(text):
        rest = text[m.end():]
        if re.match(r"\s+only\b", rest, re.I):
            continue  # "not only … but also" affirms
        cut = _CLAUSE_END.search(rest) if not m.group().endswith("-") else None
        clause = rest[:cut.start()] if cut else rest
        for w in list(_WORD.finditer(clause))[:4]:
            word = w.group()
            if word[0].isupper() or word.lower() in _HEAD_SKIP:
                continue  # names are what a sentence is about, not what it denies
            stem = _stems(word)
            if stem:
                out.append(Negation(stem[0], text[m.start():m.end() + w.end()]))
            break
    other_stems = set(_stems(other))
    for m in _NEG_PREFIX.finditer(text.lower()):
        base, word = _stems(m["base"]), _stems(m.group())
        if base and word and base[0] in other_stems and word[0] not in other_stems:
            out.append(Negation(base[0], text[m.start():m.end()]))
    return out


def compare(claim: str, sentence: str) -> Comparison:
    """The claim's values and negations set against `sentence` (rules 2 and 4)."""
    result = Comparison([], [], [])
    theirs = values(sentence)
    for v in values(claim):
        same = [s for s in theirs if _same_size(v, s)]
        if same:
            result.matched.append(v.text)
            continue
        kin = [s for s in theirs if s.kind == v.kind]
        best = max(kin, key=lambda s: _alignment(claim, v, sentence, s), default=None)
        if best is not None and (v.kind != "number" or _alignment(claim, v, sentence, best) > 0):
            result.conflicts.append(Conflict(v.kind, best.text, v.text))
        else:
            result.missing.append(f"{v.text} does not appear here")
    _compare_negations(claim, sentence, result)
    return result


def _compare_negations(claim: str, sentence: str, result: Comparison) -> None:
    claim_neg, source_neg = negations(claim, sentence), negations(sentence, claim)
    claim_words, source_words = _words_by_stem(claim), _words_by_stem(sentence)
    denied_by_source = {n.head for n in source_neg}
    denied_by_claim = {n.head for n in claim_neg}
    for n in claim_neg:
        if n.head in denied_by_source:
            continue
        if n.head in source_words:
            result.conflicts.append(Conflict("negation", source_words[n.head], n.phrase))
        else:
            result.missing.append(f"“{n.phrase}” is not stated here")
    for n in source_neg:
        if n.head not in denied_by_claim and n.head in claim_words:
            result.conflicts.append(Conflict("negation", n.phrase, claim_words[n.head]))


def _same_size(a: Value, b: Value) -> bool:
    if a.kind != b.kind and not (a.kind in NUMBER_KINDS or b.kind in NUMBER_KINDS):
        return False
    if a.kind != b.kind and ("%" in (a.kind, b.kind) or "month" in (a.kind, b.kind)):
        return False
    return abs(a.value - b.value) <= 1e-9 * max(abs(a.value), abs(b.value), 1.0)


def _alignment(claim: str, v: Value, sentence: str, s: Value) -> float:
    """How alike the words around two values are: the next word counts 2, the previous 1, others ½."""
    (cb, ca), (sb, sa) = _around(claim, v.start, v.end), _around(sentence, s.start, s.end)
    score = 2.0 * bool(ca and sa and ca[0] == sa[0]) + 1.0 * bool(cb and sb and cb[-1] == sb[-1])
    near = lambda ws: set(_stems(" ".join(ws)))  # noqa: E731 - content stems only
    return score + 0.5 * len(near(cb + ca) & near(sb + sa))


def _around(text: str, start: int, end: int, n: int = 4) -> tuple[list[str], list[str]]:
    """Up to `n` lower-cased words before and after a span, numbers dropped."""
    before = [w.lower() for w in _WORD.findall(text[:start])][-n:]
    after = [w.lower() for w in _WORD.findall(text[end:])][:n]
    return before, after


@lru_cache(maxsize=8192)
def _stem_words(text: str) -> tuple[str, ...]:
    return tuple(tokenize([text])[0])


def _stems(text: str) -> list[str]:
    """Stemmed content words of `text` (stop words dropped), as BM25 reads them."""
    return list(_stem_words(text))


def _words_by_stem(text: str) -> dict[str, str]:
    """Each content stem of `text` with the first word that has it, as written."""
    out: dict[str, str] = {}
    for w in _WORD.findall(text):
        for s in _stems(w):
            out.setdefault(s, w)
    return out
