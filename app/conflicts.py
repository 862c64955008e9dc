"""The sources differ: spot documents that give different figures for the same thing.

The rule, in full:

1. A *figure* is an amount of money with its currency ("NOK 75 billion", "75 billion NOK",
   "EUR 1.2 million", "€40m"), a percentage ("12.5 %", "12 per cent"), or an end year
   ("until 2030", "2023–2027"). Amounts are compared by value: "NOK 75 billion" equals
   "75,000 million NOK".
2. A figure's *subject* is the set of content words in its sentence and the one before
   (which often names what "it" or "the programme" is), lower-cased, stop words dropped,
   "Programme" read as "program".
3. Two figures *differ* when they come from different documents, have the same unit,
   different values, and their subjects share at least two words, at least one of which
   is in the question (so both are about what was asked, e.g. "Nansen" + "Ukraine"),
   and at least one of the two is in a quote the answer cites (the answer states it;
   the other may come from a cited or a related passage).
4. Every figure in such a pair is reported with its document's title, source and date,
   newest first, and so is the same kind of figure (same unit, same subject test) from
   any other document among the passages, agreeing or not. Nothing is dropped or ranked
   by trust: the reader decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

_CURRENCY = {"nok": "NOK", "kroner": "NOK", "eur": "EUR", "euro": "EUR", "euros": "EUR", "€": "EUR",
             "usd": "USD", "dollars": "USD", "$": "USD", "gbp": "GBP", "£": "GBP", "sek": "SEK",
             "dkk": "DKK"}
_SCALE = {"thousand": 1e3, "million": 1e6, "mill": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9,
          "bn": 1e9, "trillion": 1e12}
_NUM = r"\d{1,3}(?:[ ,]\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?"
_CUR_WORD = r"NOK|EUR|USD|GBP|SEK|DKK|kroner|euros?|dollars"
_SCALE_WORD = r"thousand|million|mill\.?|mn|m|billion|bn|trillion"
_MONEY = re.compile(
    rf"(?:(?<![A-Za-z])(?P<c1>{_CUR_WORD}|[€$£])\s?(?P<n1>{_NUM})(?:\s?(?P<s1>{_SCALE_WORD}))?"
    rf"|(?P<n2>{_NUM})\s?(?:(?P<s2>{_SCALE_WORD})\s)?(?P<c2>{_CUR_WORD}))\b", re.I)
_PERCENT = re.compile(rf"(?P<n>{_NUM})\s?(?:%|per ?cent\b)", re.I)
_END_YEAR = re.compile(r"(?:\b(?:until|till|through|to|by)\s|(?:19|20)\d{2}\s?[–-]\s?)(?P<y>(?:19|20)\d{2})\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")  # a point inside "1.2" is not followed by space
_WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’-]+")
_STOP = frozenset("""a about above after again against all also an and any are as at be been before being
below between both but by can could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just more most much no nor not
now of off on once only or other our ours out over own same she should so some such than that the their
them then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your total totaling totalling amount amounts worth
year years new per cent percent billion million thousand trillion nok eur usd euro euros kroner
dollars many large big give given gives""".split())


class Cited(Protocol):
    """What this module reads from a citation (app.answer.Citation has it)."""

    doc_id: str
    title: str
    source: str
    url: str | None
    published: str | None
    passage: str
    quote: str


@dataclass(frozen=True)
class Figure:
    text: str  # as written, e.g. "NOK 75 billion"
    unit: str  # NOK, EUR, %, end year
    value: float
    subject: frozenset[str]
    sentence: str


def figures(text: str) -> list[Figure]:
    """Every figure in `text`, with the content words of its sentence and the one before."""
    out = []
    previous: frozenset[str] = frozenset()
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        if not sentence:
            continue
        words = keywords(sentence)
        subject, previous = words | previous, words
        for f in _MONEY.finditer(sentence):
            num, scale, cur = (f["n1"], f["s1"], f["c1"]) if f["n1"] else (f["n2"], f["s2"], f["c2"])
            value = _number(num) * _SCALE.get((scale or "").lower().rstrip("."), 1.0)
            out.append(Figure(f.group().strip(), _CURRENCY[cur.lower()], value, subject, sentence))
        for f in _PERCENT.finditer(sentence):
            out.append(Figure(f.group().strip(), "%", _number(f["n"]), subject, sentence))
        for f in _END_YEAR.finditer(sentence):
            out.append(Figure(f.group().strip(), "end year", float(f["y"]), subject, sentence))
    return out


def keywords(text: str) -> frozenset[str]:
    """Content words, lower-cased and lightly normalised so that close spellings meet."""
    words = set()
    for w in _WORD.findall(text):
        w = re.sub(r"['’]s?$", "", w.lower())
        w = {"programme": "program", "programmes": "program", "defence": "defense"}.get(w, w)
        if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        if len(w) > 2 and w not in _STOP:
            words.add(w)
    return frozenset(words)


def differences(question: str, cited: Sequence[Cited], related: Sequence[Cited] = ()) -> list[dict]:
    """Figures on which the passages' documents disagree, newest document first (rule above)."""
    asked = keywords(question)
    found: list[tuple[Cited, Figure]] = []
    stated: set[int] = set()  # indexes in `found` of figures inside a cited quote
    seen: dict[tuple[str, str, float], int] = {}
    for c, quoted in [(c, True) for c in cited] + [(c, False) for c in related]:
        for f in figures(c.passage):
            i = seen.setdefault((c.doc_id, f.unit, f.value), len(found))
            if i == len(found):
                found.append((c, f))
            if quoted and f.text in c.quote:
                stated.add(i)
    involved: dict[int, str] = {}  # index in `found` -> a shared subject word that was asked about
    for i, (ci, fi) in enumerate(found):
        for j in range(i + 1, len(found)):
            cj, fj = found[j]
            if (ci.doc_id == cj.doc_id or fi.unit != fj.unit or _same(fi.value, fj.value)
                    or not {i, j} & stated):
                continue
            if word := _about(fi, fj, asked):
                involved.setdefault(i, word)
                involved.setdefault(j, word)
    for j, (cj, fj) in enumerate(found):  # other documents' figures on the same thing
        docs = {found[i][0].doc_id for i in involved}
        match = next((i for i in list(involved) if found[i][1].unit == fj.unit
                      and _about(found[i][1], fj, asked)), None)
        if j not in involved and cj.doc_id not in docs and match is not None:
            involved[j] = involved[match]
    rows = [{"figure": f.text, "unit": f.unit, "value": f.value, "subject": involved[i],
             "title": c.title, "source": c.source, "url": c.url, "published": c.published,
             "doc_id": c.doc_id, "sentence": f.sentence}
            for i, (c, f) in enumerate(found) if i in involved]
    rows.sort(key=lambda r: r["published"] or "", reverse=True)  # undated last
    return rows


def _about(a: Figure, b: Figure, asked: frozenset[str]) -> str | None:
    """A word both subjects share with the question, when they share two words or more."""
    shared = a.subject & b.subject
    return sorted(shared & asked)[0] if len(shared) >= 2 and shared & asked else None


def note(rows: list[dict]) -> str:
    """One line for the answer text: each figure with its document and date."""
    parts = [f"{r['figure']} ({r['title']}, {r['published'] or 'undated'})" for r in rows]
    return "Note: the sources differ: " + "; ".join(parts) + "."


def _number(s: str) -> float:
    s = s.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):  # 1,200 or 1,200.5: thousands separators
        return float(s.replace(",", ""))
    return float(s.replace(",", "."))  # 1,2 as a decimal comma


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)
