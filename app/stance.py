"""What one sentence says about a claim: the claim's values and negations set against the sentence's.

The rule, in full:

1. A *value* is an amount of money or a percentage as `app.differences.figures` reads them ("NOK
   75 billion" = "75 billion NOK" = "75,000 million NOK"; "12 per cent" = "12%"), a year
   (1800-2099 standing alone: "in 2021", "May 28, 2024"), the month of a date ("May 28", "28
   May", "May 2024"), or any other number, in digits or words ("three" = 3, "twenty-five" = 25,
   "two hundred" = 200, "2.5 million" = 2,500,000, ".91", "5mM" with its unit glued on). Not
   numbers: digits joined to letters or a hyphen before them ("p53", "COVID-19", "21st"), or a
   formula's ("CdCl(2)", "Ca(2+)", the locant of "5-(N-ethyl…)"). A span of time without a number
   ("several months", "a few years", "decades") is a value of kind "span", its size the unit. A
   decade ("the 1990s", "1990's", "mid-1990s") is a value of kind "decade", not the number 1990.
   A share in words ("one in five", "1 in 5 million"; "half", "a third", "two-thirds", "a
   quarter" before "of" or after "about", "roughly", "nearly" and the like) is an *approximate*
   percentage. A value is named as written, with its unit, the word it is hyphened to ("2-stage")
   or the thing it counts, a label before it ("P=0.007", "pH 6.7"), a range or fraction whole
   ("6.5 to 6.9", "40-64 years", "3-18%", "1/5", "1970–2003"). The numbers of a list or range
   whose last one is a percentage are percentages ("a 36, 35 and 31% fall", "40-50%").
2. Values are compared within their *kind*: money of one currency, percentages, years, months,
   and numbers. A claim's value *matches* when the sentence has a value of the same kind and the
   same size (a plain number also matches an amount or a year of that size; a claim's decade
   matches a year in it: "since the 1990s" is "since 1995"; an approximate percentage matches one
   within a tenth of its size or 2.5 points: "one in five" is "20.7%"). It *conflicts* when the
   sentence has values of its kind and none matches (years and decades are one kind here, but a
   claim's year inside the sentence's decade does not conflict: it is more than the sentence
   says, so it is not stated); the sentence's value named is the one whose neighbouring words in
   its sentence best match the claim value's (the word after counts most: "three military"
   answers "five military"). A number conflicts only when the word before or after it is the
   same, it sits beside a value both texts state (where the source states it in words most like
   the claim's; a spread, "± 10.2", only beside a spread), or two words near it are shared:
   numbers are too common to compare blind. A number that labels a kind ("type 2 diabetes",
   "phase 3"), or a year that names an edition ("the 2017 revisions", "the agency's 2019
   budget"), still conflicts, but its match is no evidence that the sentence states the claim: it
   names what both are about, like a name. A value of the claim's size elsewhere in the span does
   not match when another value of its kind stands where the claim has it, far more alike in the
   words around ("in two large nested studies" against "in three large nested studies", with a
   "three" in the next sentence).
3. A *negation* ("not", "no", "none", "nobody", "nothing", "never", "neither", "nor", "cannot",
   "without", "…n't", "non-…") applies to its *head*, the first lower-case content word after it in the same
   clause ("does not participate" → participate; "no significant" → significant;
   "non-binding" → binding); after an adverb in -ly, or an adjective after "no", the next word
   too ("not legally binding", "no statistical difference"). "not only" is no negation. A word with a negating prefix
   ("illegal", "unlikely", "inactive") negates its stem when the other text has the stem
   and not the word.
4. Negations conflict when one text negates a head the other text states, and the other text
   has no negation at all, not even one whose head is not found ("but not the CD8(+)"). "without"
   names a group by what it lacks ("those without a tutor"), in the claim or in the source, and
   denies nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.differences import MONTH_NAMES, NUMBER_ONES, NUMBER_TENS, WORD_NUMBERS, figures
from index.bm25 import tokenize

RIVAL_MARGIN = 2.0  # how much better another value must sit where the claim's does (`_rival`)
NUMBER_KINDS = ("number", "year")  # kinds a plain number may match by size (rule 2)

_MONTH_NUMBER = {m: i for i, m in enumerate(MONTH_NAMES, 1)} | {m[:3]: i for i, m in enumerate(MONTH_NAMES, 1)}
_MONTH_NUMBER["sept"] = 9
_MONTH = "|".join(m.capitalize() for m in sorted(_MONTH_NUMBER, key=len, reverse=True))
_DAY, _YEAR = r"[0-3]?\d(?:st|nd|rd|th)?", r"(?:1[89]|20)\d\d"
_DATE_RE = re.compile(  # "May 28, 2024", "28 May 2024", "May 28", "28 May", "May 2024"
    rf"\b(?P<m1>{_MONTH})\.?\s(?P<d1>{_DAY})\b(?:,?\s(?P<y1>{_YEAR})\b)?"
    rf"|\b(?P<d2>{_DAY})\s(?P<m2>{_MONTH})\b\.?(?:,?\s(?P<y2>{_YEAR})\b)?"
    rf"|\b(?P<m3>{_MONTH})\.?,?\s(?P<y3>{_YEAR})\b")
_AFTER_RANGE = r"(?<![\w.,])(?<![A-Za-z][-/])"  # "1997-2001", "24/122"; not "COVID-19"
_RANGE = re.compile(r"\d+(?:[.,]\d+)?(?:[-–/]|\sto\s)\d+(?:[.,]\d+)?%?")  # "40-64", "6.5 to 6.9", "1/5", "3-18%"
_DECADE_RE = re.compile(r"(?<![\w.,-])(?:(?:early|mid|late)-)?(?P<y>(?:1[89]|20)\d0)['’]?s\b")  # "mid-1990s"
_FRACTIONS = {"half": 1 / 2, "third": 1 / 3, "quarter": 1 / 4, "fifth": 1 / 5, "tenth": 1 / 10}
_HEDGE = (r"(?:about|roughly|nearly|almost|approximately|around|some|over|under|more than|less than|"
          r"just over|just under)")
_SHARE_RE = re.compile(  # "one in five", "1 in 5 million"; "roughly half", "two-thirds of", "a quarter of"
    rf"(?i:\b(?P<n>one|two|three|[123])\s+(?:in|out of)\s+(?!{_YEAR}\b)"
    rf"(?P<d>[1-9][\d,]*|{'|'.join(NUMBER_ONES[2:] + NUMBER_TENS)}|hundred)"
    rf"(?:\s(?P<s>hundred|thousand|million|billion)\b)?(?!\w|[.,]\d)"
    rf"|\b{_HEDGE}\s(?P<f1>(?:a|one|two|three)[\s-](?:{'|'.join(_FRACTIONS)})s?|half)\b(?!\s(?:a|an)\b)"
    rf"|\b(?P<f2>(?:a|one|two|three)[\s-](?:{'|'.join(_FRACTIONS)})s?|half)(?=\s(?:of|the)\b))")
_YEAR_RE = re.compile(rf"{_AFTER_RANGE}{_YEAR}(?![\w%]|[.,]\d)")
_UNIT_ABBREVIATION = re.compile(r"(?:\s|-)?(?:h|hrs?|min|s|d|wk|mo|mg|gm|g|kg|mL|ml|dL|dl|l|L|mm|cm|m|km|µg|ug|ng|"
                                r"mmol|µmol|IU|U|"
                                r"[µunpfm]?M|microM|micromolar|[nm]?mol|mmHg|kDa|Gy|bp|kb|fold|"
                                r"(?:second|minute|hour|day|week|month|year)s?)\b(?:/\w+)?")
_COMPOUND = re.compile(r"-[A-Za-z]+\b(?!-)")  # "2-stage", "12-month": the number is named with its word
_LABEL_BEFORE = re.compile(r"\b(?:[Pp]|pH|[RO]R|HR|IRR|[nN]|[rR]2?|κ)\s?[=<>≤≥]?\s?$")  # "P=0.007", "pH 6.7"
_SPREAD = re.compile(r"(?:±|\+/-|\+-)\s*$")  # before a value: it is a spread, not a value of its own
_LIST_GAP = re.compile(r"\s*,\s*|\s*,?\s+(?:and|or|to)\s+|\s*[-–]\s*")  # between items of a list or range
_SCALE = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_NUMBER_WORD = "|".join(sorted(set(WORD_NUMBERS) - {"one"}, key=len, reverse=True))  # "one of": a pronoun
_GLUED_UNIT = r"(?:[µunpfm]?M|microM|[mµnk]?g|m?[lL]|mm|cm|km|h|min|s|d|wk|mo|yr|kDa|bp|kb|Gy|IU)\b"  # "5mM", "10mg"
_NUMBER_RE = re.compile(
    rf"{_AFTER_RANGE}(?<![A-Za-z]\()(?:(?P<d>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|(?<!\d)\.\d+)"
    rf"(?:(?={_GLUED_UNIT})|(?![\w]|[.,]\d|-\())"
    rf"|(?i:(?P<w>\b(?:{'|'.join(NUMBER_TENS)})-(?:{'|'.join(NUMBER_ONES[1:10])})\b|\b(?:{_NUMBER_WORD})\b)))"
    rf"(?:\s(?P<s>hundred|thousand|million|billion|trillion)\b)?")
_NEGATION = re.compile(r"\b(?:not|no|none|nobody|nothing|never|neither|nor|cannot|without)\b"
                       r"|\b\w+n['’]t\b|\bnon-(?=\w)", re.I)
# "non-…": _NEGATION. in- is il-, ir-, im- before l, r and p, b, m: "inpatient", "input" deny nothing
_NEG_PREFIX = re.compile(r"\b(?:non|un|in(?![pbmlr])|il(?=l)|ir(?=r)|im(?=[pbm]))(?P<base>[a-z]{5,})\b")
_AUXILIARY = r"(?:is|are|was|were|be|do|does|did|has|have|had|can|could|will|would|should|may|might|must)"
_CONTRAST = re.compile(r"(?:\bbut|\band|,)\s*$", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_CLAUSE_END = re.compile(r"[,;:.!?()]|\b(?:but|while|whereas|although|which|that)\b", re.I)
_WORD = re.compile(r"[A-Za-zÀ-ÿ][\w'’-]*")
_UNIT_WORDS = {"second", "minute", "hour", "day", "week", "month", "year", "decade", "mg", "g", "kg", "ml", "l",
               "mm", "cm", "m", "km", "µg", "ng", "mmol", "µmol", "bp", "kb"}
_UNIT_SPELLINGS = {"wk": "week", "wks": "week", "mo": "month", "yr": "year", "yrs": "year", "h": "hour", "hr": "hour",
                   "hrs": "hour", "min": "minute", "s": "second", "sec": "second"}
_TIME_UNITS = ("second", "minute", "hour", "day", "week", "month", "year", "decade", "century")
_VAGUE_SPAN = re.compile(rf"\b(?:(?:several|a few|few|many|some|multiple|a couple of)\s+(?P<u>{'|'.join(_TIME_UNITS)})s"
                         r"|(?P<d>decades|centuries))\b", re.I)
_ADJECTIVE = re.compile(r"(?:al|ant|ent|ic|ive|ous|ful|ible|able)$")  # "no significant change", "no clear tendency"
_LABEL_WORDS = {"type", "grade", "stage", "phase", "class", "category", "tier"}  # "type 2": a kind, not an amount
_DETERMINERS = {"the", "this", "that", "its", "their", "our", "his", "her"}  # "the 2017 revisions": an edition
_HEAD_SKIP = {"a", "an", "the", "be", "been", "being", "is", "are", "was", "were", "to", "at", "all",
              "any", "yet", "longer", "more", "so", "as", "in", "of", "have", "has", "had", "do", "does",
              "did", "it", "its", "there", "also", "by", "itself", "themselves"}  # "not by itself improve"


@dataclass(frozen=True)
class Value:
    text: str  # as written: "75 billion NOK", "2021", "4 weeks", "May 28, 2024"
    kind: str  # a currency (NOK, EUR, …), "%", "year", "decade", "date", "number" or "span"
    value: float  # a date is year * 10000 + month * 100 + day, 0 where not given
    start: int  # span in the text it was read from
    end: int
    in_date: bool = False  # the year of a date, also read on its own
    approximate: bool = False  # a share in words ("one in five", "roughly half"): close is the same


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
    # "but not in the episodic form", "mice without PPR": it sets one thing against another or names
    # what something lacks, rather than denying what the sentence asserts
    contrast: bool = False


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
    counts = {}  # where a count with its unit starts ("4 weeks"): its text names the value
    for f in figures(text):  # money, percentages and counts, as app.differences reads them
        at = text.find(f.text, cursor)
        if at < 0 or f.unit in ("end year", "year"):
            continue  # years are read below, every one of them
        cursor = at + len(f.text)
        if f.unit == "%" or f.unit.isupper():
            r = _range_around(text, at, cursor) if f.unit == "%" else None  # "3-18%" whole
            found.append(Value(r.group() if r else f.text, f.unit, f.value, at, cursor))
        elif f.value.is_integer():  # things are counted whole: "14 new projects", not "1.32 against women"
            counts[at] = f.text

    def free(a: int, b: int) -> bool:
        return not any(v.start < b and a < v.end for v in found)

    for m in _SHARE_RE.finditer(text):
        if free(*m.span()):
            at = m.span("f1") if m["f1"] else m.span()  # the hedge is not the value: "about a third"
            found.append(Value(text[at[0]:at[1]], "%", share(m), *at, approximate=True))
    for m in _DATE_RE.finditer(text):
        if free(*m.span()):
            found.append(_date(m))
            if y := m["y1"] or m["y2"] or m["y3"]:
                found.append(Value(y, "year", float(y), m.start(), m.end(), in_date=True))
    for m in _DECADE_RE.finditer(text):
        if free(*m.span()):
            found.append(Value(m.group(), "decade", float(m["y"]), *m.span()))
    for m in _YEAR_RE.finditer(text):
        if free(*m.span()):  # a span of years is named whole: "1970–2003"
            r = _range_around(text, *m.span())
            found.append(Value(r.group() if r else m.group(), "year", float(m.group()), *m.span()))
    for m in _NUMBER_RE.finditer(text):
        if free(*m.span()):  # named with its unit when it has one: "4 weeks", "8 h"
            whole = _range_around(text, *m.span()) or m  # a range is named whole: "6.5 to 6.9", "40-64 years"
            unit = _UNIT_ABBREVIATION.match(text, whole.end()) or _COMPOUND.match(text, whole.end())
            written = counts.get(m.start()) or whole.group() + (unit.group() if unit else "")
            label = _LABEL_BEFORE.search(text, 0, whole.start())
            found.append(Value((label.group() if label else "") + written, "number", number_value(m), *m.span()))
    for m in _VAGUE_SPAN.finditer(text):  # "several months": its unit is its size
        if free(*m.span()):
            unit = (m["u"] or m["d"].removesuffix("s").replace("centurie", "century")).lower()
            found.append(Value(m.group(), "span", float(_TIME_UNITS.index(unit)), *m.span()))
    return _percent_lists(text, sorted(found, key=lambda v: v.start))


def _percent_lists(text: str, found: list[Value]) -> list[Value]:
    """Numbers in a list whose last one is a percentage are percentages ("a 36, 35 and 31% fall"); a
    list ends in "and", "or", "to" or a dash: "ratio 1.27, 95% interval" is no list."""
    out = list(found)
    for k in range(len(out) - 2, -1, -1):
        v, nxt, gap = out[k], out[k + 1], text[out[k].end:out[k + 1].start]
        last = nxt is found[k + 1] and nxt.kind == "%"  # the list's own percentage, not one read here
        if v.kind == "number" and nxt.kind == "%" and _LIST_GAP.fullmatch(gap) and not (last and "," == gap.strip()):
            out[k] = Value(v.text, "%", v.value, v.start, v.end)
    return out


def _range_around(text: str, start: int, end: int) -> re.Match[str] | None:
    """The range a number at `start`..`end` is one end of ("40-64", "6.5 to 6.9"), for naming it."""
    for r in _RANGE.finditer(text, max(start - 16, 0), min(end + 16, len(text))):
        if r.start() <= start and end <= r.end():
            return r
    return None


def _date(m: re.Match[str]) -> Value:
    month = _MONTH_NUMBER[(m["m1"] or m["m2"] or m["m3"]).casefold()]
    day = int(re.sub(r"\D", "", m["d1"] or m["d2"] or "0"))
    year = int(m["y1"] or m["y2"] or m["y3"] or 0)
    return Value(m.group(), "date", float(year * 10000 + month * 100 + day), *m.span())


def share(m: re.Match[str]) -> float:
    """The percentage a share in words stands for: "one in five" 20, "two-thirds" 66.7, "half" 50."""
    if m["n"]:
        n, d = (float(WORD_NUMBERS.get(x.casefold(), 0) or x.replace(",", "")) for x in (m["n"], m["d"]))
        return 100 * n / (d * _SCALE.get((m["s"] or "").casefold(), 1.0))
    words = (m["f1"] or m["f2"]).casefold().replace("-", " ").split()
    if words == ["half"]:
        return 50.0
    count = 1 if words[0] in ("a", "one") else WORD_NUMBERS[words[0]]
    return 100 * count * _FRACTIONS[words[1].removesuffix("s")]


def number_value(m: re.Match[str]) -> float:
    """The size of a number read by `_NUMBER_RE`: digits or words, times its scale word."""
    if m["d"]:
        base = float(m["d"].replace(",", ""))
    else:
        parts = m["w"].casefold().split("-")  # casefold: the patterns match "ſix" as "six" (re.I)
        base = float(sum(WORD_NUMBERS[p] for p in parts))
    return base * _SCALE.get((m["s"] or "").casefold(), 1.0)


def negations(text: str, other: str = "") -> list[Negation]:
    """The negations in `text` with their heads (rule 3); `other` decides negating prefixes and how
    far a phrase runs (over the words after the head that `other` also has: "not formally reported")."""
    out = []
    other_stems = set(_stems(other))
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
                aux = not m.group().endswith("-")  # "were not formally reported"; "non-binding" alone
                pronoun = m.group().lower() in ("none", "nobody", "nothing")  # "and none fell ill" opens a clause
                contrast = m.group().lower() == "without" or (not pronoun and bool(_CONTRAST.search(text[:m.start()])))
                out.append(Negation(stem[0], phrase(text, m.start(), m.end() + w.end(), other_stems, aux), contrast))
            if not (word.endswith("ly") or m.group().lower() == "no" and _ADJECTIVE.search(word)):
                break  # "not legally binding" denies "binding" too, "no statistical difference" "difference"
    for m in _NEG_PREFIX.finditer(text.lower()):
        base, word = _stems(m["base"]), _stems(m.group())
        if base and word and base[0] in other_stems and word[0] not in other_stems:
            out.append(Negation(base[0], phrase(text, m.start(), m.end(), other_stems)))
    return out


def phrase(text: str, start: int, end: int, shared: set[str], aux: bool = False) -> str:
    """`text[start:end]` widened to a readable phrase: back over an auxiliary if `aux` ("were not"), and
    on over up to two following words with stems in `shared` ("significant differences")."""
    if aux and (before := re.search(rf"\b{_AUXILIARY}\s+$", text[:start], re.I)):
        start = before.start()
    for _ in range(2):
        nxt = re.match(r"\s+([A-Za-z][\w'’-]*)", text[end:])
        if not nxt or not set(_stems(nxt[1])) & shared:
            break
        end += nxt.end()
    return text[start:end]


def compare(claim: str, sentence: str) -> Comparison:
    """The claim's values and negations set against `sentence` (rules 2 and 4)."""
    result = Comparison([], [], [])
    theirs = values(sentence)
    ours = [v for v in values(claim) if not v.in_date]  # the claim's date is compared whole
    same = {v: [s for s in theirs if _same_size(v, s) and _same_unit(claim, v, sentence, s)] for v in ours}
    # every value both state, at the places the source states it in words most like the claim's
    # ("25.1 +/- 5.0 … 63.6 +/- 25.1"; the 5 of "5/6 tissues", not of "1/5 samples")
    anchors = [(v, s) for v, found in same.items() for s in _best_placed(claim, v, sentence, found)]
    # the source's value of another claim value is not this one's, where it has one place
    taken = {id(found[0]) for found in same.values() if len(found) == 1}
    for v in ours:
        if same[v] and (rival := _rival(claim, v, sentence, theirs, same[v], ours)) is not None:
            if (c := Conflict(v.kind, rival.text, v.text)) not in result.conflicts:
                result.conflicts.append(c)
            continue
        if same[v]:
            if not is_label(claim, v):
                result.matched.append(v.text)
            continue
        kin = [s for s in theirs if _comparable(v, s) and id(s) not in taken]
        score = {s: _alignment(claim, v, sentence, s) + _anchored(claim, v, sentence, s, kin, anchors) for s in kin}
        best = max(kin, key=lambda s: (score[s], _clause_overlap(claim, v, sentence, s)), default=None)
        if best is not None and (v.kind != "number" or score[best] >= 1):
            if (c := Conflict(v.kind, best.text, v.text)) not in result.conflicts:  # both ends of a range
                result.conflicts.append(c)
        else:
            result.missing.append(f"{v.text} does not appear here")
    _compare_negations(claim, sentence, result)
    return result


def _best_placed(claim: str, v: Value, sentence: str, found: list[Value]) -> list[Value]:
    """Of the places the source states a claim's value, those whose words around are most like the
    claim's ("5/6 Crohn's tissues" for the claim's "5/6 tissues from Crohn's", not the 5 of "1/5 UC")."""
    score = {id(s): _alignment(claim, v, sentence, s) for s in found}
    top = max(score.values(), default=0.0)
    return [s for s in found if score[id(s)] == top]


def _rival(claim: str, v: Value, sentence: str, theirs: list[Value], same: list[Value],
           ours: list[Value]) -> Value | None:
    """A value of `v`'s kind and another size that stands where the claim has `v` ("in two large
    nested studies" against "in three large nested studies"), far more alike in its words around
    than any value of `v`'s size in the span (a "three" in the next sentence, about something else);
    not one the claim states itself (the "two" of "eleven had …, two had …" in both)."""
    best = max(_alignment(claim, v, sentence, s) for s in same)
    others = [s for s in theirs if s.kind == v.kind and s not in same and not any(_same_size(o, s) for o in ours)]
    rival = max(others, key=lambda s: _alignment(claim, v, sentence, s), default=None)
    if rival is None or _alignment(claim, v, sentence, rival) < max(best + RIVAL_MARGIN, 2.0):
        return None
    return rival


def is_label(text: str, v: Value) -> bool:
    """Whether a number names a kind rather than an amount ("type 2 diabetes", "phase 3 trial"), or a
    year names an edition of a thing rather than when something happened ("the 2017 revisions",
    "the agency's 2019 fare cut")."""
    before = _around(text, v.start, v.end, 1)[0]
    if v.kind == "year":
        owner = bool(before) and (before[0] in _DETERMINERS or before[0].endswith(("'s", "’s")))
        return owner and bool(re.match(r"\s[a-z]", text[v.end:]))
    return v.kind == "number" and bool(before) and before[0] in _LABEL_WORDS


def _anchored(claim: str, v: Value, sentence: str, s: Value, kin: list[Value],
              anchors: list[tuple[Value, Value]]) -> float:
    """3 when `s` is the value of its kind next to a value both texts state, on the side where the
    claim has `v` ("91 in 2002" answers "97 … in 2002"), within 60 characters; a spread ("± 10.2")
    is next only to a spread: "25.6 ± 10.2 vs. 19.8" answers "25.6 against 21.8" with 19.8."""
    spread = is_spread(claim, v)
    for claim_at, source_at in anchors:
        after = v.start > claim_at.start
        side = [k for k in kin if (k.start > source_at.start) == after and k is not source_at
                and abs(k.start - source_at.start) <= 60 and is_spread(sentence, k) == spread]
        if side and min(side, key=lambda k: abs(k.start - source_at.start)) is s:
            return 3.0
    return 0.0


def is_spread(text: str, v: Value) -> bool:
    """Whether a value is the spread of the one before it ("25.6 ± 10.2", "36.6 +/- 25.1")."""
    return bool(_SPREAD.search(text, 0, v.start))


def _compare_negations(claim: str, sentence: str, result: Comparison) -> None:
    """Rule 4, sentence by sentence of a span: a negation in one sentence says nothing about what the
    next one states ("… results in a loss. … but not in mature osteoblasts …")."""
    for part in _SENTENCE_END.split(sentence):
        result.conflicts.extend(c for c in _negation_conflicts(claim, part) if c not in result.conflicts)
    if not any(c.kind == "negation" for c in result.conflicts):
        result.missing.extend(_negation_missing(claim, sentence))


def _negation_conflicts(claim: str, sentence: str) -> list[Conflict]:
    """When only one of the two texts has a negation, one it denies that the other states; where both
    deny something, they agree or deny different things ("no teratomas were found" and "at no point
    were teratomas identified")."""
    claim_neg, source_neg = negations(claim, sentence), negations(sentence, claim)
    if claim_neg and not source_neg and not _negated(sentence):
        words = _words_by_stem(sentence)
        hit = next((n for n in claim_neg if n.head in words and not n.contrast), None)
        return [Conflict("negation", _word_phrase(sentence, words[hit.head], claim, hit.phrase), hit.phrase)] \
            if hit else []
    if source_neg and not claim_neg and not _negated(claim):
        words = _words_by_stem(claim)
        hit = next((n for n in source_neg if n.head in words and not n.phrase.lower().startswith("without")), None)
        return [Conflict("negation", hit.phrase, _word_phrase(claim, words[hit.head], sentence, hit.phrase))] \
            if hit else []
    return []


def _negated(text: str) -> bool:
    """Whether `text` has a negation at all, with a head or not ("but not the CD8(+)")."""
    return any(not re.match(r"\s+only\b", text[m.end():], re.I) for m in _NEGATION.finditer(text))


def _negation_missing(claim: str, sentence: str) -> list[str]:
    """The claim's negation, in words, when `sentence` has none and does not state what it denies."""
    claim_neg = negations(claim, sentence)
    if not claim_neg or negations(sentence, claim) or any(n.head in _words_by_stem(sentence) for n in claim_neg):
        return []
    if any(not n.phrase.lower().startswith("non") for n in claim_neg):  # "non-private": a name's part
        return [f"“{claim_neg[0].phrase}” is not stated here"]
    return []


def _word_phrase(text: str, at: int, other: str, negation: str) -> str:
    """The word of `text` starting at `at`, widened as `phrase` widens a negation; back over its
    auxiliary too where the `negation` it answers has one: "is invited" against "is not invited"."""
    aux = re.match(rf"{_AUXILIARY}\s", negation, re.I) is not None
    return phrase(text, at, at + len(_WORD.match(text, at).group()), set(_stems(other)), aux)


def _comparable(claim: Value, source: Value) -> bool:
    """Whether the source's value can conflict with the claim's (rule 2): one of its kind, or a year
    against a decade, unless the claim's year lies in the source's decade ("1995" in "the 1990s")."""
    if {claim.kind, source.kind} == {"year", "decade"}:
        return not (source.kind == "decade" and _in_decade(claim.value, source.value))
    return claim.kind == source.kind


def _in_decade(year: float, decade: float) -> bool:
    return decade <= year < decade + 10


def _same_size(a: Value, b: Value) -> bool:
    """Whether the source's value `b` states the claim's value `a` (rule 2)."""
    if "decade" in (a.kind, b.kind):
        return a.kind == "decade" and (b.value == a.value if b.kind == "decade" else
                                       b.kind == "year" and _in_decade(b.value, a.value))
    if "date" in (a.kind, b.kind):
        return a.kind == b.kind and _same_date(a.value, b.value)
    if a.kind != b.kind and not (a.kind in NUMBER_KINDS or b.kind in NUMBER_KINDS):
        return False
    if a.kind != b.kind and "%" in (a.kind, b.kind):
        return False
    if a.approximate or b.approximate:
        return abs(a.value - b.value) <= max(0.1 * max(abs(a.value), abs(b.value)), 2.5)
    return abs(a.value - b.value) <= 1e-9 * max(abs(a.value), abs(b.value), 1.0)


def unit(text: str, v: Value) -> str | None:
    """The unit of time or measure a number counts, from the word after it or after the list it ends
    ("6 weeks", "4 week baseline", "1, 6 and 12 months": months), in one spelling; None if none."""
    after = [w for w in _around(text, v.start, v.end, 3)[1] if w not in ("and", "or", "to")]
    if not after:
        return None
    word = _UNIT_SPELLINGS.get(after[0], after[0])
    word = word[:-1] if word.endswith("s") and word[:-1] in _UNIT_WORDS else word
    return word if word in _UNIT_WORDS else None


def _same_unit(claim: str, v: Value, sentence: str, s: Value) -> bool:
    """A count of weeks is not a count of months: numbers of the same size with different units differ."""
    if v.kind != "number" or s.kind != "number":
        return True
    a, b = unit(claim, v), unit(sentence, s)
    return a is None or b is None or a == b


def _same_date(a: float, b: float) -> bool:
    """Dates agree in month, and in day and year where both give them."""
    (ya, mda), (yb, mdb) = divmod(int(a), 10000), divmod(int(b), 10000)
    (ma, da), (mb, db) = divmod(mda, 100), divmod(mdb, 100)
    return ma == mb and (not da or not db or da == db) and (not ya or not yb or ya == yb)


def _alignment(claim: str, v: Value, sentence: str, s: Value) -> float:
    """How alike the words around two values are: the same next word counts 2, the same previous
    word 1 (either ½ when it is a stop word: "to", "in"), each other shared content word ½."""
    (cb, ca), (sb, sa) = _around(claim, v.start, v.end), _around(sentence, s.start, s.end)
    score = 0.0
    for mine, theirs, weight in ((ca[:1], sa[:1], 2.0), (cb[-1:], sb[-1:], 1.0)):
        if mine and mine == theirs:
            score += weight if _stems(mine[0]) else 0.5
    near = lambda ws: set(_stems(" ".join(ws)))  # noqa: E731 - content stems only
    return score + 0.5 * len(near(cb + ca) & near(sb + sa))


def _clause_overlap(claim: str, v: Value, sentence: str, s: Value) -> int:
    """How many content stems the clauses holding the two values share: between values whose nearest
    words tie, the one in the clause about the claim's subject ("doubling the number of centrosomes
    added approximately 30 min" for "doubling the centrosome number added roughly 50 min")."""
    return len(set(_stems(_clause(claim, v))) & set(_stems(_clause(sentence, s))))


def _clause(text: str, v: Value) -> str:
    first, last = _within(_CLAUSE_END, text, v.start, v.end)
    return text[first:last]


def _within(boundary: re.Pattern[str], text: str, start: int, end: int) -> tuple[int, int]:
    """Where the sentence or clause (`boundary` ends them) that holds `text[start:end]` begins and ends."""
    first = max((m.end() for m in boundary.finditer(text, 0, start)), default=0)
    last = next((m.start() for m in boundary.finditer(text, end)), len(text))
    return first, last


def _around(text: str, start: int, end: int, n: int = 4) -> tuple[list[str], list[str]]:
    """Up to `n` lower-cased words before and after a span within its sentence, numbers dropped: the
    sentence before is about something else ("… risk of breast cancer. To date, 26 papers")."""
    first, last = _within(_SENTENCE_END, text, start, end)
    before = [w.lower() for w in _WORD.findall(text[first:start])][-n:]
    after = [w.lower() for w in _WORD.findall(text[end:last])][:n]
    return before, after


@lru_cache(maxsize=8192)
def _stem_words(text: str) -> tuple[str, ...]:
    return tuple(tokenize([text])[0])


def _stems(text: str) -> list[str]:
    """Stemmed content words of `text` (stop words dropped), as BM25 reads them."""
    return list(_stem_words(text))


def _words_by_stem(text: str) -> dict[str, int]:
    """Each content stem of `text` with where the first word that has it starts."""
    out: dict[str, int] = {}
    for w in _WORD.finditer(text):
        for s in _stems(w.group()):
            out.setdefault(s, w.start())
    return out
