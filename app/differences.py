"""The sources differ: spot documents that give different figures for the same thing.

The rule, in full:

1. A *figure* is one of:
   - an amount of money with its currency ("NOK 75 billion", "75 billion NOK", "EUR 1.2 million",
     "€40m"). Amounts are compared by value: "NOK 75 billion" equals "75,000 million NOK";
   - a percentage ("12.5 %", "12 per cent");
   - an end year ("until 2030", "2023–2027"), unit "end year";
   - the year of an event, introduced by "in", "since" or "from", a month name allowed between
     ("signed in 2024", "since 2019", "in May 2024"), unit "year". A year standing alone
     ("a 2004 agreement", "On May 28, 2024") is not a figure;
   - a count: a number ("21", "5,000", "2.5", "2.5 million", or "two" to "twenty") directly
     followed by its unit, a lower-case plural noun ("21 metres", "300 soldiers") or one of a few
     units with no plural -s ("2.5 million people", "300 staff", "5 km"); one word may stand
     between ("14 new projects"). The unit is the noun in the singular ("projects" = "project",
     "meters" = "metre"); "years" stays "years", a duration, never compared with an event's year.
     Not counts: numbers already read as money, a percentage or a year; a plain year 1900–2099
     ("2000 soldiers" reads as a year; "2,000 soldiers" counts); a number after a label word
     ("Article 5", "page 3", "section 2", "May 28"); the second number of a range ("5 to 10
     soldiers"); a number joined to other characters ("21st", "14:30", "20/01", "2023–2027"); a
     number whose next word is singular, capitalised or on a short non-unit list ("3 military",
     "1 project", "28 May", "10 am", "5 of").
2. A figure's *subject* is the set of content words in its sentence and the one before
   (which often names what "it" or "the programme" is), lower-cased, stop words dropped,
   "Programme" read as "program".
3. Two figures *differ* when they come from different documents, have the same unit,
   different values, and their subjects share at least two words, at least one of which
   is in the question (so both are about what was asked, e.g. "Nansen" + "Ukraine"),
   and at least one of the two is in a quote the answer cites (the answer states it;
   the other may come from a cited or a related passage). Events' years are compared only
   when the question asks when ("when", "what year", "since when"): a document names many
   dated events on one topic, and a question about something else must not set them against
   each other.
4. Every figure in such a pair is reported with its document's title, source and date,
   newest first, and so is the same kind of figure (same unit, same subject test) from
   any other document among the passages, agreeing or not. Nothing is dropped or ranked
   by trust: the reader decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # answer.py imports this module at run time
    from app.answer import Citation

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
MONTH_NAMES = tuple("january february march april may june july august september october november december".split())
MONTHS = MONTH_NAMES + tuple("jan feb mar apr jun jul aug sep sept oct nov dec".split())  # and abbreviations
_EVENT_YEAR = re.compile(rf"\b(?:in|since|from)\s(?:(?:{'|'.join(MONTHS)})\.?\s)?(?P<y>(?:19|20)\d{{2}})\b"
                         r"(?!\s?[–-]\s?\d)", re.I)  # "in 2023–2027" is a range, read as its end year
NUMBER_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
               "fifteen sixteen seventeen eighteen nineteen").split()
NUMBER_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
WORD_NUMBERS = ({w: i for i, w in enumerate(NUMBER_ONES)} | {w: 20 + 10 * i for i, w in enumerate(NUMBER_TENS)}
                | {"hundred": 100})
_SMALL = {w: n for w, n in WORD_NUMBERS.items() if 2 <= n <= 20}  # "one" is too often a pronoun to be a figure
_UNIT_WORD = r"[a-z](?:[a-z-]*[a-z])?"
_COUNT = re.compile(  # a number, a scale word, then one or two words: the unit is picked in _unit
    rf"(?<![\w.,:/–-])(?P<n>{_NUM}|(?i:{'|'.join(_SMALL)}))(?:\s(?P<s>thousand|million|billion|trillion))?"
    rf"(?=\s(?P<w1>{_UNIT_WORD})\b(?:\s(?P<w2>{_UNIT_WORD})\b)?)")  # words looked at, not consumed
_LABEL = frozenset(MONTHS) | frozenset("""article art section sec page p pp chapter ch paragraph para clause
annex appendix item no nr number figure fig table part point step phase stage level grade tier
resolution rule regulation directive version line row column room floor box act §
twenty thirty forty fifty sixty seventy eighty ninety hundred thousand""".split())  # tens: "twenty five"
_NOT_UNIT = frozenset(MONTHS) | frozenset(_SMALL) | frozenset("""and or of to in on at by for from with
than as is are was were be been has have had does its this thus plus whereas perhaps always towards
afterwards besides sometimes others the a an that which who whom per over under into about around
between nearly almost some each more less ones am pm hrs""".split())  # money and "%" are taken before
_INVARIABLE = frozenset("""people staff personnel police children men women feet aircraft series species
km kg cm mm ha""".split())
_SPELLING = {"meter": "metre", "kilometer": "kilometre", "centimeter": "centimetre", "liter": "litre",
             "year": "years"}  # "years" is a duration; "year" is the unit of an event's year
_PLAIN_YEAR = re.compile(r"(?:19|20)\d{2}")
_RANGE_START = re.compile(rf"(?:\d|\b(?:{'|'.join(_SMALL)}))\s(?:to|and|or)\s$", re.I)
_ASKS_WHEN = re.compile(r"\b(?:when|what year|which year|what date|how long ago)\b", re.I)
# every figure holds a digit or a small number word: text without one holds none (and a text
# without even a substring of one contains no figure's text)
_MAY_HOLD_FIGURE = re.compile(rf"\d|\b(?:{'|'.join(_SMALL)})\b", re.I)
_MAY_CONTAIN_FIGURE = re.compile(rf"\d|{'|'.join(_SMALL)}", re.I)
# what every match of _MONEY (its currency), _PERCENT and the year patterns (a year) holds,
# searched first: most sentences hold none, and a plain search is cheaper than theirs
_MAY_HOLD_MONEY = re.compile(rf"{_CUR_WORD}|[€$£]", re.I)
_MAY_HOLD_PERCENT = re.compile(r"%|per ?cent", re.I)
_MAY_HOLD_YEAR = re.compile(r"(?:19|20)\d{2}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")  # a point inside "1.2" is not followed by space
_WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’-]+")
_POSSESSIVE = re.compile(r"['’]s?$")
_STOP = frozenset("""a about above after again against all also an and any are as at be been before being
below between both but by can could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just more most much no nor not
now of off on once only or other our ours out over own same she should so some such than that the their
them then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your total totaling totalling amount amounts worth
year years new per cent percent billion million thousand trillion nok eur usd euro euros kroner
dollars many large big give given gives""".split())


_SAME_WORD = {"programme": "program", "programmes": "program", "defence": "defense"}


@dataclass(frozen=True)
class Difference:
    """One figure in a disagreement, with the document that gives it."""

    figure: str  # as written, e.g. "NOK 75 billion"
    unit: str
    value: float
    subject: str  # a word both figures' subjects share with the question
    title: str
    source: str
    url: str | None
    published: str | None
    doc_id: str
    sentence: str


@dataclass(frozen=True)
class Figure:
    text: str  # as written, e.g. "NOK 75 billion"
    unit: str  # NOK, EUR, %, end year, year, or a count's noun: metre, project, people
    value: float
    subject: frozenset[str]
    sentence: str


def figures(text: str) -> list[Figure]:
    """Every figure in `text`, with the content words of its sentence and the one before."""
    out = []
    sentences = [s for s in (s.strip() for s in _SENTENCE_END.split(text)) if s]
    holds = [bool(_MAY_HOLD_FIGURE.search(s)) for s in sentences]
    previous: frozenset[str] = frozenset()
    for i, sentence in enumerate(sentences):
        # a sentence's words matter only as the subject of its own figures or the next sentence's
        words = keywords(sentence) if holds[i] or (i + 1 < len(holds) and holds[i + 1]) else frozenset()
        subject, previous = words | previous, words
        if not holds[i]:
            continue
        taken = []  # spans of money, percentages and years: their numbers are not counts
        for f in _MONEY.finditer(sentence) if _MAY_HOLD_MONEY.search(sentence) else ():
            num, scale, cur = (f["n1"], f["s1"], f["c1"]) if f["n1"] else (f["n2"], f["s2"], f["c2"])
            value = _number(num) * _SCALE.get((scale or "").casefold().rstrip("."), 1.0)
            out.append(Figure(f.group().strip(), _CURRENCY[cur.casefold()], value, subject, sentence))
            taken.append(f.span())
        for f in _PERCENT.finditer(sentence) if _MAY_HOLD_PERCENT.search(sentence) else ():
            out.append(Figure(f.group().strip(), "%", _number(f["n"]), subject, sentence))
            taken.append(f.span())
        years = ((_END_YEAR, "end year"), (_EVENT_YEAR, "year")) if _MAY_HOLD_YEAR.search(sentence) else ()
        for pattern, unit in years:
            for f in pattern.finditer(sentence):
                out.append(Figure(f.group().strip(), unit, float(f["y"]), subject, sentence))
                taken.append(f.span())
        for f in _COUNT.finditer(sentence):
            if any(a < f.end() and f.start() < b for a, b in taken):
                continue
            if (count := _count(f, sentence)) is not None:
                out.append(Figure(*count, subject, sentence))
    return out


def _count(f: re.Match[str], sentence: str) -> tuple[str, str, float] | None:
    """A count's text, unit and value, or None when the number is not counting something (rule 1)."""
    num, before = f["n"], sentence[:f.start()]
    if not f["s"] and _PLAIN_YEAR.fullmatch(num):
        return None  # a year, not a count
    label = re.search(r"(\S+)\s$", before)
    if label and label[1].lower().rstrip(".") in _LABEL or _RANGE_START.search(before):
        return None  # "Article 5", "May 28", the 10 of "5 to 10", the five of "twenty five"
    end, unit = f.end("w1"), _unit(f["w1"])
    if unit is None and f["w1"] not in _NOT_UNIT and f["w2"]:  # one word between: "14 new projects"
        end, unit = f.end("w2"), _unit(f["w2"])
    if unit is None:
        return None
    value = float(_SMALL[num.casefold()]) if num.casefold() in _SMALL else _number(num)
    value *= _SCALE.get((f["s"] or "").casefold(), 1.0)
    return sentence[f.start():end], unit, value


def _unit(word: str) -> str | None:
    """The unit a count's word names, folded to the singular; None if the word is not a unit."""
    if word in _NOT_UNIT:
        return None
    if word in _INVARIABLE:
        return word
    if len(word) < 3 or not word.endswith("s") or word.endswith(("ss", "us", "is")):
        return None  # a count of more than one names a plural: "3 military" is not a unit
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("ches", "shes", "xes", "sses")):
        word = word[:-2]
    else:
        word = word[:-1]
    return _SPELLING.get(word, word)


def keywords(text: str) -> frozenset[str]:
    """Content words, lower-cased and lightly normalised so that close spellings meet."""
    words = set()
    for w in _WORD.findall(text):
        w = w.lower()
        if w[-1] in "'’" or w[-2] in "'’":  # the regex below only for a possible possessive
            w = _POSSESSIVE.sub("", w)
        w = _SAME_WORD.get(w, w)
        if len(w) > 4 and w[-1] == "s" and w[-2] != "s":
            w = w[:-1]
        if len(w) > 2 and w not in _STOP:
            words.add(w)
    return frozenset(words)


def differences(question: str, cited: Sequence[Citation], related: Sequence[Citation] = ()) -> list[Difference]:
    """Figures on which the passages' documents disagree, newest document first (rule above)."""
    if not any(_MAY_CONTAIN_FIGURE.search(c.quote) for c in cited):
        return []  # no cited quote states a figure, so no disagreement involves one (below)
    asked = keywords(question)
    ask_when = bool(_ASKS_WHEN.search(question))
    found: list[tuple[Citation, Figure]] = []
    stated: set[int] = set()  # indexes in `found` of figures inside a cited quote
    seen: dict[tuple[str, str, float], int] = {}
    cited_docs = {c.doc_id for c in cited}
    for c, quoted in [(c, True) for c in cited] + [(c, False) for c in related]:
        if not quoted and not stated:
            return []  # every disagreement involves a figure a cited quote states
        if not quoted and cited_docs == {c.doc_id}:
            continue  # a figure of the one cited document is never set against its own figures
        for f in _passage_figures(c.passage):
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
                    or not {i, j} & stated or (fi.unit == "year" and not ask_when)):
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
    rows = [Difference(f.text, f.unit, f.value, involved[i], c.title, c.source, c.url, c.published,
                       c.doc_id, f.sentence)
            for i, (c, f) in enumerate(found) if i in involved]
    rows.sort(key=lambda r: r.published or "", reverse=True)  # undated last
    return rows


@lru_cache(maxsize=4096)
def _passage_figures(text: str) -> tuple[Figure, ...]:
    """`figures` of a passage, kept: the same passages come back question after question."""
    return tuple(figures(text))


def _about(a: Figure, b: Figure, asked: frozenset[str]) -> str | None:
    """A word both subjects share with the question, when they share two words or more."""
    shared = a.subject & b.subject
    return sorted(shared & asked)[0] if len(shared) >= 2 and shared & asked else None


def note(rows: list[Difference]) -> str:
    """One line for the answer text: each figure with its document and date."""
    parts = [f"{r.figure} ({r.title}, {r.published or 'undated'})" for r in rows]
    return "Note: the sources differ: " + "; ".join(parts) + "."


def _number(s: str) -> float:
    s = s.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):  # 1,200 or 1,200.5: thousands separators
        return float(s.replace(",", ""))
    return float(s.replace(",", "."))  # 1,2 as a decimal comma


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1.0)
