"""What kind of answer a question asks for, and whether a piece of text holds one.

Rules on the question's wh-word and its head noun, in this order (the first that fits wins):

- yes/no: the question opens with an auxiliary ("Is", "Does", "Can", "Did", "Has" …);
- date: "when", "what/which year", "what date", "since when", "since/from/in which year";
- number: "how many/much/often/long/large/big/old", "what percentage/proportion/share/number/amount/
  (relative) risk/odds", "what is the/X's budget/weight …";
- reason: "why", "for what reason", "what is the reason/purpose";
- manner: "how" (the remaining uses: "how does X work", "how is X done");
- person: "who/whom/whose", "which/what" + a person or body noun (minister, agency, organisation …),
  "the name of the minister/director …";
- place: "where", "which/what" + a place noun (country, city, region …);
- definition: "what is/are X", "what does X stand for / mean", where X is short and names something;
- list: "which/what … include", "name …", "which/what" + a plural noun (not "diagnosis", "virus");
- other: anything else; its answer is taken to name something (a capitalised word, an acronym,
  a code with a letter and a digit; a bare number or a year is none) that the question does not;
  after "which/what <noun>" the name must stand near that noun ("phase 2" names a phase).

A text *matches* a type when it holds an answer of that kind that the question does not already
give (the year in "What happened in 2021?" is not an answer to it; "Norway-EU" gives Norway;
"EC" is the question's own "endometrial cancer").
A number must be of the kind asked: a duration for "how long", "how many days", "median
survival"; a number with a unit for "what dose", "how tall/wide/deep/thick/heavy"; a sum of money
for a cost, price or budget; a headcount for a population; a change (a share, a fold, "by 3 mg")
for "how much did X fall"; a share for "what percentage" (and never for "how many"); an age or a
duration for "at what age", "how old"; never a p-value ("P<0.05") or a label ("phase 1").
"Who discovered/invented/founded/wrote" asks for a person's name. A month, a weekday, a single
capital letter ("X receptor"), the heading of a structured abstract ("RESULTS") and the word after
it name nobody; a code with a digit ("NR1H4"), a place noun that refers back ("in these areas")
and an abbreviation of common words ("electron microscopy, EM") name no body or place.
Regexes only: a question costs microseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from app.coverage import initials
from app.differences import MONTHS

TYPES = ("date", "number", "person", "place", "yesno", "definition", "list", "reason", "manner", "other")

_AUX = (r"is|are|was|were|does|do|did|can|could|has|have|had|will|would|should|may|might|must|shall")
_YESNO = re.compile(rf"^(?:{_AUX})\b", re.I)
_DATE_Q = re.compile(r"^(?:\w+ )?when\b|\b(?:(?:since|until|till) when|how long ago|how soon|"
                     r"(?:what|which) (?:year|date|month|decade|day|days)|"
                     r"(?:since|from|in|by|until) (?:what|which) (?:year|date|time))\b", re.I)
_NUMBER_Q = re.compile(r"\b(?:how (?:many|much|often|long|large|big|old|high|far|frequently|tall|wide|deep|heavy|"
                       r"fast|thick|small)|"
                       r"(?:what|which) (?:\w+ )?(?:percentage|proportion|share|fraction|number|amount|rate|size|"
                       r"sum|ratio|dose|level|wavelength|temperature|concentration|duration|frequency|"
                       r"budget|cost|price|value|risk(?! factors?)|odds)\b|"
                       r"what (?:is|was|were|are) the (?:median|mean|average|total)\b|"
                       r"what (?:is|was|were|are) (?:the )?(?:\w+['’]s )?(?:\w+ )?(?:budget|cost|price|amount|"
                       r"number|size|percentage|proportion|share|rate|dose|value|sum|total|population|weight|mass)\b|"
                       r"at what (?:rate|dose|age|level))", re.I)
_REASON_Q = re.compile(r"\b(?:why|for what (?:reason|purpose)|what (?:is|was|are|were) the (?:reason|"
                       r"purpose|cause|motivation)s?|"
                       r"^what (?:causes|caused|makes|made|activates|triggers|drives|induces))\b", re.I)
_MANNER_Q = re.compile(r"\bhow\b|\b(?:which|what) (?:\w+ )?(?:technique|method|approach|assay|means|procedure)s?\b",
                       re.I)
_PERSON_NOUN = (r"minister|ministers|ministry|ministries|official|officials|person|people|agency|agencies|body|"
                r"bodies|alliance|alliances|union|"
                r"organi[sz]ations?|institutions?|office|offices|authority|authorities|committee|"
                r"council|leader|leaders|head|president|secretary|representative|group|groups|"
                r"company|companies|team|partner|partners|researchers?|authors?|scientists?|"
                r"service|services|entity|entities|counterpart|figure|figures")
_PERSON_Q = re.compile(rf"^(?:who|whom|whose)\b|\b(?:who|whom|whose)\b|\b(?:which|what) (?:\w+ ){{0,2}}"
                       rf"(?:{_PERSON_NOUN})\b", re.I)
_PLACE_NOUN = (r"country|countries|city|cities|region|regions|place|places|location|locations|state|states|"
               r"area|areas|nation|nations")
_PLACE_Q = re.compile(rf"\bwhere\b|\b(?:which|what) (?:\w+ ){{0,2}}(?:{_PLACE_NOUN})\b", re.I)
_DEFINITION_Q = re.compile(r"^(?:what|who) (?:is|are|was|were) (?:an? |the )?(?P<x>[^?]{1,60}?)\s*\??$|"
                           r"^what does (?P<y>.{1,40}?) (?:stand for|mean|refer to)\b|"
                           r"^(?:define|explain) (?P<z>[^?]{1,60}?)\s*\??$", re.I)
_LIST_Q = re.compile(r"\b(?:include|includes|including|examples?|name (?:the|some|all|two|three)|list)\b|"
                     r"\b(?:which|what) (?:two|three|four|five|several|other)\b|"
                     r"^(?:which|what) (?:[a-z]+ )?(?!(?:is|was|has|does|this|its|his|has)\b)[a-z]+[^s\W'iu]s "
                     r"(?:of|in|on|for|does|do|did|are|were|have|had|can|should|will|would)\b|"
                     r"\bwhat (?:are|were) the (?:\w+ )?(?:types|kinds|components|members|parts|areas|fields)\b",
                     re.I)

_MONTH = "|".join(m.capitalize() for m in MONTHS)
_YEAR = re.compile(r"\b(?:1[5-9]\d\d|20\d\d)s?\b")
_DATE = re.compile(rf"\b(?:1[5-9]\d\d|20\d\d)s?\b|\b(?:{_MONTH})\.? \d{{1,2}}\b|\b\d{{1,2}} (?:{_MONTH})\b|"
                   r"\b(?:century|decade)\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|"
                   r"\b(?:January|February|March|April|June|July|August|September|October|November|December|"
                   r"(?:early|late|mid|mid-) ?May|spring|summer|autumn|winter)\b|"
                   r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve)[ -](?:days?|weeks?|wk|months?|"
                   r"years?|hours?|h)\b|\b(?:days?|weeks?|months?|years?) \d+\b")
# a number that labels ("phase 1", "type 2", "Figure 3", "chromosome 17") counts nothing
_LABEL = "".join(rf"(?<!{w} )" for w in ("phase", "Phase", "type", "Type", "stage", "Stage", "grade", "Grade", "class",
                                         "Class", "chromosome", "Figure", "figure", "Fig.", "Table", "table",
                                         "Article", "article", "Section", "section", "step", "Step"))
_NUMBER_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
                 r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
                 r"eighty|ninety|hundred|hundreds|thousand|thousands|million|millions|billion|billions|"
                 r"dozen|dozens|half|quarter|third|fifth|twice|once|double|twofold|threefold|fold|percent")
# a plain year (1900-2099) is a date, not an amount: "2017" does not answer "how much"; digits
# hyphenated or slashed onto a name ("HSV-2", "(HSV)-2", "H3K9me3/2") are part of the name, and so
# are digits before a capital or a prime ("16S rRNA", "5'-UTR")
_NUMBER = re.compile(rf"(?<![\w.])(?<![A-Za-z)]-)(?<![A-Za-z]\d/)(?!(?:19|20)\d\d(?![\d.,]\d)){_LABEL}"
                     rf"\d+(?:[.,]\d+)*(?![\d'’′A-Z])|%|"
                     rf"\b(?:{_NUMBER_WORDS})\b", re.I)
_FREQUENCY = re.compile(r"\b(?:annual|annually|biannual|biannually|yearly|monthly|weekly|daily|semi-annual|"
                        r"regular|regularly|every|each|twice|once|times)\b", re.I)
_HOW_MANY = re.compile(r"\bhow many ((?:[\w-]+ ){0,2}[\w-]+)", re.I)
# an entity asked for by "which/what + noun": the answer names something the question does not
# a code holds a letter and a digit ("p53", "IL-6", "293T"); a bare number ("100%", "2028") or a
# measure ("2-fold", "5-year") names nothing
_ENTITY = re.compile(r"(?<=\S )[A-Z][\w'’-]*|\b[A-Z][A-Z0-9-]+\b|"
                     r"\b(?![\d.,]+-[a-z]+\b)(?=[\w-]*[A-Za-z])[\w-]*\d[\w-]*\b")
_OFFICE = re.compile(rf"\b(?:{_PERSON_NOUN}|Minister|President|Secretary|Director|Commission|Council|"
                     r"Parliament|Agency|Service|Institute|University|Ministry|Dr|Prof)\b")
# a capitalised function word after a heading ("BACKGROUND In the year …") names nothing
_CAPITALISED = re.compile(r"(?<=[\w,;:)] )(?!(?:In|The|We|Our|This|These|Those|It|Its|Here|However|Thus|To|For|Of|"
                          r"On|At|By|As|And|But|Or|A|An|After|Before|During|Using|With|From|Among|When|While|"
                          rf"{_MONTH}|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)"
                          r"(?:[A-Z][\w'’-]+|[A-Z]{2,})(?: (?:of |for |the )?[A-Z][\w'’-]*)*")
# the heading of a structured abstract ("RESULTS Two thirds …") names nothing, nor does the word after it
_HEADING = re.compile(r"^\s*(?:(?:BACKGROUND|INTRODUCTION|CONTEXT|IMPORTANCE|OBJECTIVES?|AIMS?|PURPOSE|MOTIVATION|"
                      r"RATIONALE|DESIGN|SETTINGS?|PARTICIPANTS|PATIENTS|SUBJECTS|METHODS?|MATERIALS|"
                      r"INTERVENTIONS?|EXPOSURES?|MEASUREMENTS|MAIN|OUTCOMES?|MEASURES|RESULTS|FINDINGS|"
                      r"INTERPRETATION|DISCUSSION|CONCLUSIONS?|SIGNIFICANCE|LIMITATIONS|SUMMARY|ABSTRACT|"
                      r"AVAILABILITY|IMPLEMENTATION|CONTACT|SUPPLEMENTARY|INFORMATION|FUNDING|AND|OF|&)"
                      r"[\s:]+)+(?=[A-Z0-9])")
_CODE = re.compile(r"\b[\w-]*[A-Za-z][\w-]*\d[\w-]*\b|\b[\w-]*\d[\w-]*[A-Za-z][\w-]*\b")
_PLACE = re.compile(r"\b(?:in|at|from|across|to|within|throughout|near) (?:the )?[A-Z][\w'’-]+|"
                    rf"(?<!these )(?<!those )(?<!this )(?<!that )(?<!such )(?<!other )(?<!all )(?<!many )"
                    rf"(?<!some )(?<!both )\b(?:{_PLACE_NOUN})\b")
_LIST = re.compile(r"\b(?:include|includes|including|such as|e\.g\.|examples?|namely|like)\b|"
                   r"[^,;]+[,;][^,;]+(?:,|;|\band\b|\bor\b)[^,;]+")
_REASON = re.compile(r"\b(?:because|due to|owing to|since|as a result|result(?:s|ed)? (?:in|from)|in order to|"
                     r"so that|therefore|thus|hence|leads? to|led to|caus(?:e|es|ed|ing)|reason|aims? to|"
                     r"intended to|to (?:enable|ensure|promote|strengthen|support|help|reduce|increase|"
                     r"improve|prevent|protect|facilitate|enhance|allow))\b", re.I)
_MANNER = re.compile(r"\b(?:by|through|via|using|with|by means of|mediated by|depends? on|requires?)\b", re.I)
_NEGATION = re.compile(r"\b(?:not|no|never|neither|nor|without|cannot|non|none|lack|lacks|fail|fails|"
                       r"failed)\b|n['’]t\b", re.I)
_WORD = re.compile(r"[\w'’-]+")
# "Who is the head of X?", "the name of the minister": the answer is a person's name, not an office
_WANTS_NAME = re.compile(r"^who (?:first )?(?:discovered|invented|founded|coined|wrote|authored)\b|"
                         r"^who (?:is|was|are|were)\b.*\b(?:minister|secretary|president|director|head|chair|"
                         r"chairman|chairwoman|leader|representative|commissioner|ambassador|ceo|founder|"
                         r"governor|mayor|king|queen)\b|\bname of (?:the )?(?:\w+['’]s )?(?:\w+ ){0,3}(?:minister|"
                         r"secretary|president|director|head|chair|leader|representative|commissioner|"
                         r"ambassador|official)\b", re.I)
_PERSONAL_NAME = re.compile(r"\b(?:Dr\.? |Prof\.? )?[A-Z][a-zà-ÿ'’]+(?:[ -](?:van |von |de )?[A-Z][a-zà-ÿ'’]+)+\b")
_INSTITUTION = frozenset("""minister ministry secretary general representative president director head chair
council commission agency union office service services fund programme program agreement affairs policy
foreign security defence defense european government parliament department committee bank organisation
organization association institute university centre center mechanism facility cooperation partnership
environment structured permanent civil protection action external international national united states
nations republic kingdom federal state high deputy prime vice senior chief executive board group army
force forces navy court assembly alliance treaty""".split())
# the head noun of "Which/What (adj) (adj) NOUN (verb) …": the last word before a verb-like word
_HEAD = re.compile(r"^(?:which|what) (?:[\w-]+ ){0,2}?([a-z][\w-]+?)(?:s)? (?:is|are|was|were|does|do|did|has|have|had|"
                   r"can|could|will|would|that|which|helps?|caused?|made|used|activates?|carries|carry|rel[a-z]+)\b",
                   re.I)
# a noun, not an auxiliary ("what does the gate …", "what was used"), follows the wh-word
_WH_NOUN = re.compile(rf"\b(?:which\s+(?!(?:{_AUX})\b)|what\s+(?:(?:is|are|was|were)\s+(?:the|an?)\s+|"
                      rf"(?!(?:{_AUX})\b)))\w", re.I)
_NOT_HEAD = frozenset("is are was were does do did has have had kind type sort one".split())
_MEASURE = re.compile(r"\b(?:dose|doses|dosage|wavelength|concentration|temperature|weight|mass|length|volume|"
                      r"pressure|voltage|frequency)\b|\bhow (?:tall|wide|deep|thick|heavy)\b", re.I)
_HOW_LONG = re.compile(r"\bhow long\b(?! ago)|\bhow many (?:seconds|minutes|hours|days|weeks|months|years|"
                       r"decades)\b|\b(?:median|mean|average|overall) (?:survival|follow-up)\b(?! rates?)", re.I)
_DURATION = re.compile(r"\b(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                       r"several|a few|many)[ -](?:seconds?|minutes?|min|hours?|h|days?|d|weeks?|wk|months?|"
                       r"years?|yr|decades?)\b|\b(?:for|over|after) (?:several |many |some )?(?:seconds|minutes|"
                       r"hours|days|weeks|months|years|decades)\b", re.I)  # "persisted for months"
# "how much did it cost", "what is the budget": a sum of money, not any number
_MONEY_Q = re.compile(r"\bhow much\b.*\b(?:money|cost|costs|costed|price|priced|pay|pays|paid|spend|spends|spent|"
                      r"fee|fees|salary|revenue|funding)\b|\b(?:what|which)\b.*\b(?:cost|costs|price|prices|budget|"
                      r"budgets|fee|fees|salary|salaries|revenue|revenues)\b", re.I)
_CHANGE_Q = re.compile(r"\bby how much\b|\b(?:percent|percentage|proportion|share|ratio|fold)\b", re.I)
_MONEY = re.compile(r"[$€£¥]|\b(?:USD|EUR|NOK|SEK|DKK|GBP|CHF|ISK)\b|\b(?:dollars?|euros?|kroner|krone|kronor|"
                    r"pounds|yen|cents?)\b|\d\s?(?:million|billion|bn)\b", re.I)
# "what percentage": a share (a per cent, a fraction, "12 of 40"), not any number
_SHARE_Q = re.compile(r"\b(?:what|which) (?:\w+ )?percentage\b", re.I)
_SHARE = re.compile(r"%|\bper ?cent\b|\b(?:half|halves|thirds?|quarters?|fifths?|tenths?|majority|minority|most|all|"
                    r"none)\b|\b\d+ (?:of|in|out of) (?:the |all )?\d+\b|\b(?:one|two|three|four|five) in \w+\b|"
                    r"(?<![\d.])0?\.\d+\b", re.I)
# "at what age", "how old": an age ("aged 4", "6-year-old", "at 3 months"), not a share or a count
_AGE_Q = re.compile(r"\b(?:what|which) (?:\w+ )?age\b|\bhow old\b", re.I)
_AGE = re.compile(r"\b(?:aged?|ages) (?:of |between |from )?\d|\d[ -](?:years?|months?|weeks?|days?)[ -]old\b|"
                  r"\bage (?:at \w+ )?(?:was |of |= ?)?\d", re.I)
_PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s?(?:%|per ?cent\b)", re.I)
# "how much did X fall", "by how much": a change (a share, a fold, "by 3 mg"), not any number
_DELTA_Q = re.compile(r"\bby how much\b|\bby what (?:factor|amount)\b|\bhow (?:much|large|big)\b.*\b(?:fall|fell|"
                      r"drop|dropped|rise|rose|increase[sd]?|decrease[sd]?|reduced?|reduction|decline[sd]?|lower|"
                      r"higher|change[sd]?|differ|difference|gain|loss|lose|lost)\b", re.I)
_DELTA = re.compile(r"%|\bper ?cent\b|\d[- ]?(?:fold|times)\b|-fold\b|\b(?:twice|double[sd]?|halved|half|"
                    r"tripled?|quadrupled?)\b|\bby (?:about |approximately |nearly |almost |over |up to )?\d", re.I)
_POPULATION_Q = re.compile(r"\b(?:the|its|their) population\b(?! of (?:patients|cells|mice|animals))|"
                           r"\bpopulation of [A-Z]", re.I)
_HEADCOUNT = re.compile(r"\d(?:[\d.,]*\d)?\s?(?:million |thousand |billion |m )?(?:people|persons|inhabitants|"
                        r"residents|citizens|individuals)\b|\d\s?(?:million|billion)\b", re.I)
_P_VALUE = re.compile(r"\b[Pp]\s?[<>=≤≥]\s?0?[.,]\d+")
_UNIT = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*\s?(?:mg|g|kg|µg|μg|ug|ng|ml|mL|l|L|µl|μl|mM|µM|μM|nM|pM|M|mol|"
                   r"Gy|cGy|nm|µm|μm|mm|cm|m|km|°C|°F|K|Hz|kHz|MHz|V|mV|W|J|IU|U|%|mg/kg|g/kg|ppm|bp|kb|kDa)\b")
# "What is X used for / about / known as / called" asks about X
_ASKED_ABOUT = re.compile(r"\s+(?:used for|about|known as|called|made of|for|like|mean|do|does)$", re.I)
_AUX_WORDS = frozenset(_AUX.split("|"))
_GLUE = frozenset("in at from across to within throughout near the of for by".split())


# The FOCUS of a question: the noun its wh-phrase asks about ("what dose", "how many patients",
# "the capital of"), the verb of "who heads", the participle of "where was X signed". An on-topic
# question the document cannot answer usually shares the topic words but not the focus.
_FOCUS_STOP = (r"of|in|on|at|to|by|for|with|from|that|which|who|whose|has|have|had|can|could|will|would|"
               r"against|about|between|during|after|before|into|over|under|among|per|than|as|such|when|where|"
               rf"while|not|no|outside|inside|within|without|through|across|{_AUX}")
_FOCUS_STOP_WORDS = frozenset(_FOCUS_STOP.split("|"))
_WH = re.compile(r"\b(?:how (?:many|much)|what|which)\s+(.*)", re.I)
_DETERMINERS = frozenset("the a an its their this these".split())
_WHO_VERB = re.compile(rf"^who\s+(?!(?:{_AUX})\b)([a-z][\w-]+)", re.I)
_PASSIVE_END = re.compile(rf"^(?:when|where|how|why|(?:in )?(?:what|which) \w+)\s+(?:{_AUX})\b.*\s([a-z][\w-]+ed)\s*\??$",
                          re.I)
# words that name the kind of answer, not what it is about ("what year", "the name of")
_GENERIC = frozenset("""year years date day month time times number numbers amount amounts kind kinds type types
sort name names one ones percentage proportion share thing things way ways part parts""".split())
_FOCUS_WINDOW = 8  # words either side of a focus word in which the answer counts as attached to it


@lru_cache(maxsize=4096)
def focus(question: str) -> tuple[str, ...]:
    """The stems of the words the question's wh-phrase asks about (rules above); () when none."""
    words = [w for w in (_head_noun(question),) if w]
    for pattern in (_WHO_VERB, _PASSIVE_END):
        v = pattern.search(question.strip())
        if v:
            words.append(v[1].lower())
    return tuple(dict.fromkeys(_stem(w) for w in words if len(w) > 2))


def _phrase(words: list[str], counted: bool = False) -> list[str]:
    """The leading words up to a function word or a verb (a word followed by a determiner); after
    "how many" a participle ending the phrase ("patients carrying …") stops it too."""
    out: list[str] = []
    for i, w in enumerate(words[:4]):
        participle = out and w.endswith("ed") and not out[-1].endswith("ly")  # "chemically induced" goes on
        if w in _FOCUS_STOP_WORDS or w in _DETERMINERS or participle or (
                out and i + 1 < len(words) and words[i + 1] in _DETERMINERS) or (counted and out and w.endswith("ing")):
            break
        out.append(w)
    return out


def _head_noun(question: str) -> str | None:
    """The last word of the wh-phrase ("what dose", "which Src kinase inhibitor"); for a generic
    one ("the name of the minister") the last word of its "of" phrase."""
    m = _WH.search(question)
    if not m:
        return None
    words = [w.lower() for w in _WORD.findall(re.split(r"[,;:(]", m[1])[0])]
    if words and words[0] in _AUX_WORDS:  # "what is the capital of …" asks for the capital; "what
        words = words[1:]  # does X stand for", "what is X used for" name no focus
        if not words or words[0] not in _DETERMINERS:
            return None
    while words and words[0] in _DETERMINERS:
        words = words[1:]
    counted = m[0].lower().startswith("how")  # "how many relapsed patients": an adjective, not a verb
    if words and not counted and (words[0].endswith("ed") or words[1:2] and words[1] in _DETERMINERS):
        return None  # "what happened", "what makes a …": a verb, not a noun, follows the wh-word
    phrase = _phrase(words, counted)
    if not phrase:
        return None
    head = phrase[-1]
    rest = words[len(phrase):]
    if head in _GENERIC and rest[:1] == ["of"]:
        rest = rest[1:]
        while rest and rest[0] in _DETERMINERS:
            rest = rest[1:]
        of_phrase = _phrase(rest)
        head = of_phrase[-1] if of_phrase else head
    return None if head in _GENERIC else head


def _focus_at(stem: str, words: list[str]) -> list[int]:
    """Where a word of `words` is `stem` or a variant of it (same first letters, at most five, a
    final e aside: dose/dosage/dosing, chair/chaired)."""
    k = min(len(stem) - stem.endswith("e"), 5)
    return [i for i, w in enumerate(words) if w[:k].lower() == stem[:k]]


def states_focus(stems: tuple[str, ...], text: str) -> float:
    """Share of the focus `stems` that `text` states (1.0 when the question has no focus)."""
    if not stems:
        return 1.0
    words = _WORD.findall(text)
    return sum(bool(_focus_at(s, words)) for s in stems) / len(stems)


def focus_answered(qt: QuestionType, stems: tuple[str, ...], text: str) -> bool:
    """Whether `text` holds the kind of answer asked for within a few words of a focus word
    (without a focus: anywhere)."""
    if not stems:
        return matches(qt, text)
    words = _WORD.findall(text)
    for s in stems:
        for i in _focus_at(s, words):
            if matches(qt, " " + " ".join(words[max(i - _FOCUS_WINDOW, 0):i + _FOCUS_WINDOW + 1])):
                return True
    return False


@dataclass(frozen=True)
class QuestionType:
    """The expected answer type and the question's own words (to tell new information from echo)."""

    kind: str
    words: frozenset[str]  # lower-cased words of the question
    term: str | None = None  # the thing a definition question asks about, as written
    question: str = ""
    head: str | None = None  # "inhibitor" in "Which kinase inhibitor …?": the answer names one


def analyse(question: str) -> QuestionType:
    """The expected answer type of `question` (rules in the module docstring)."""
    q = question.strip()
    found = [w.lower() for w in _WORD.findall(q)]
    words = frozenset(found + [part for w in found if "-" in w for part in w.split("-") if part])
    term = _defined_term(q)
    return QuestionType(_kind(q, term), words, term, q, _asked_noun(q))


def _asked_noun(q: str) -> str | None:
    """The noun of "Which/What (adj) NOUN …" whose name the answer gives (`_HEAD`; failing that the
    focus noun, when a noun follows the wh-word or "what is the": not "what does the gate …")."""
    if not _WH_NOUN.search(q):
        return None
    m = _HEAD.match(q)
    if m and not {m[1].lower(), m[1].lower() + "s"} & _NOT_HEAD:
        return m[1].lower()
    return _stem(_head_noun(q) or "") or None


def _kind(q: str, term: str | None) -> str:
    """The kind of answer `q` asks for; `term` is its `_defined_term`."""
    if _YESNO.match(q):
        return "yesno"
    for kind, pattern in (("date", _DATE_Q), ("number", _NUMBER_Q), ("reason", _REASON_Q)):
        if pattern.search(q):
            return kind
    if _WANTS_NAME.search(q):
        return "person"  # "What is the name of the minister?" asks for a person
    if term and not q.lower().startswith("who"):
        return "definition"  # "What is the council?" asks what it is, not who is in it
    if _PERSON_Q.search(q):
        return "person"
    if _PLACE_Q.search(q):
        return "place"
    if term:
        return "definition"
    if _MANNER_Q.search(q):
        return "manner"
    return "list" if _LIST_Q.search(q) else "other"


def _defined_term(q: str) -> str | None:
    """X in "What is X?", when X is short and names something (a capital, an acronym or ≤ 4 words)."""
    m = _DEFINITION_Q.match(q.strip())
    if not m:
        return None
    term = (m["x"] or m["y"] or m["z"] or "").strip(" .,'\"“”")
    term = _ASKED_ABOUT.sub("", term).strip()
    words = term.split()
    if not words or len(words) > 6:
        return None
    named = any(w[:1].isupper() or any(c.isdigit() for c in w) for w in words)
    return term if named or len(words) <= 3 else None


def matches(qt: QuestionType, text: str) -> bool:
    """Whether `text` holds an answer of the kind `qt` asks for, beyond the question's own words."""
    kind = qt.kind
    text = _HEADING.sub("", text, count=1)
    names = _with_initials(qt.question, qt.words)  # what a new name must not be
    if kind == "date":
        return _new(_DATE, text, qt.words)
    if kind == "number":
        return _number(qt, text)
    if kind == "person":
        if _WANTS_NAME.search(qt.question):
            return _personal_name(text, qt.words)
        return _new(_CAPITALISED, text, names | _abbreviated(text)) or _new(_OFFICE, text, qt.words)
    if kind == "place":  # a code with a digit ("NR1H4") is no place name
        text = _CODE.sub(" ", text)
        names |= _abbreviated(text)
        return _new(_PLACE, text, names) or _new(_CAPITALISED, text, names)
    if kind == "definition":
        return qt.term is not None and defines(qt.term, text)
    if kind == "list":
        return bool(_LIST.search(text))
    if kind == "reason":
        return bool(_REASON.search(text))
    if kind == "manner":
        return bool(_MANNER.search(text))
    if kind == "yesno":
        return True  # a yes/no answer is any sentence on the property: coverage features judge it
    if qt.head:  # other, "which <noun>": a name or code next to the noun asked about
        return _named_near(qt.head, text, names)
    return _new(_ENTITY, text, names)  # other: a name or code the question does not give


def _number(qt: QuestionType, text: str) -> bool:
    """Whether `text` holds the kind of number `qt` asks for (a dose, a sum, a share, an age, a
    duration, a count …)."""
    q = qt.question
    text = _P_VALUE.sub(" ", text)  # "(P<0.05)" says how sure, not how much
    if _MEASURE.search(q):  # "what dose", "how tall": a number with a unit of measure
        return bool(_UNIT.search(text))
    if _MONEY_Q.search(q) and not _CHANGE_Q.search(q):
        return bool(_MONEY.search(text))
    if _SHARE_Q.search(q):
        return bool(_SHARE.search(text))
    if _POPULATION_Q.search(q):  # a headcount: "5.5 million people", "40,000 inhabitants"
        return bool(_HEADCOUNT.search(text))
    if _DELTA_Q.search(q):
        return bool(_DELTA.search(text) or _UNIT.search(text))
    if _AGE_Q.search(q):
        return bool(_AGE.search(text) or _DURATION.search(text))
    if _HOW_LONG.search(q):  # a duration, or a length
        return bool(_DURATION.search(text) or _UNIT.search(text))
    if _HOW_MANY.search(q):  # a count: a share ("20% of patients") does not say how many
        text = _PERCENT.sub(" ", text)
    if {"often", "frequently"} & qt.words:
        return _new(_FREQUENCY, text, qt.words) or _new(_NUMBER, text, qt.words)
    return _new(_NUMBER, text, qt.words)


def checked(kind: str) -> bool:
    """Whether `matches` can say anything for this kind of question."""
    return kind != "yesno"


def counted(question: str, text: str) -> bool:
    """For "how many X": whether `text` has a number followed within three words by one of X's words."""
    m = _HOW_MANY.search(question)
    if not m:
        return False
    words = [w for w in m[1].lower().split() if w not in _AUX_WORDS]
    plural = [w for w in words if w.endswith("s") and not w.endswith("ss")]
    if not words:
        return False
    asked = {_stem(plural[0] if plural else words[0])}
    for n in _NUMBER.finditer(text):
        after = _WORD.findall(text[n.end():n.end() + 60])[:3]
        if any(_stem(w.lower()) in asked for w in after):
            return True
    return False


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def negated(text: str) -> bool:
    """Whether `text` negates something (for yes/no questions: the answer may be "no")."""
    return bool(_NEGATION.search(text))


def defines(term: str, text: str) -> bool:
    """Whether `text` explains `term`: "X (…)", "(X)" after its long form, "X is/are/means …",
    "X, a/an/the …" or "X: …"; failing that, the same for the names within the term (the
    "Copernicus" of "the Copernicus programme", not the "Norway" of "the capital of Norway")."""
    if _defines(term, text):
        return True
    head = re.split(r"\s+of\s+", term, maxsplit=1)[0]  # "the capital of Norway" is not Norway
    names = [w for w in head.split() if w[:1].isupper() or any(c.isdigit() for c in w)]
    return any(_defines(n, text) for n in names if n != term)


def _defines(term: str, text: str) -> bool:
    t = re.escape(term.strip())
    t = re.sub(r"\\ ", r"\\s+", t)
    pattern = (rf"(?:\b|(?<=\W)){t}(?:\b|(?=\W))\s*(?:\(|,\s+(?:an?|the|which|who)\b|:|—|–|\s(?:is|are|was|were|"
               rf"means|refers|stands|consists|comprises|describes)\b)|\(\s*{t}\s*\)")
    return bool(re.search(pattern, text, re.I))


def _named_near(head: str, text: str, asked: frozenset[str]) -> bool:
    """Whether a name or code the question does not give stands within four words of `head`."""
    words = _WORD.findall(text)
    at = [i for i, w in enumerate(words) if head in w.lower()]
    for i in at:
        near = " ".join(words[max(i - 4, 0):i + 5])
        if _new(_ENTITY, " " + near, asked) or (i + 1 < len(words) and words[i + 1].isdigit()):
            return True  # a name or code nearby, or a number naming this one ("phase 2", "chromosome 17")
    return False


def _personal_name(text: str, asked: frozenset[str]) -> bool:
    """Whether `text` names a person: capitalised words, none of them an office, body or the question's."""
    for m in _PERSONAL_NAME.finditer(text):
        before, after = text[max(m.start() - 4, 0):m.start()].lower(), text[m.end():m.end() + 2]
        if before.endswith("the ") or after.lstrip().startswith("("):
            continue  # "the Coastal Data Exchange", "Blue Harbour (a network)": named things, not people
        words = [w.lower() for w in _WORD.findall(m.group()) if w.lower() not in ("dr", "prof", "van", "von", "de")]
        if words and not any(w in _INSTITUTION or w in asked for w in words):
            return True
    return False


@lru_cache(maxsize=4096)
def _with_initials(question: str, words: frozenset[str]) -> frozenset[str]:
    """`words` and the initials of 2-5 successive content words of `question`: "endometrial cancer"
    gives "ec", so a text's "(EC)" is the question's own term, not a new name."""
    content = [w.lower() for w in _WORD.findall(question) if w.lower() not in _FOCUS_STOP_WORDS | _GLUE | {"and"}]
    return words | initials(content)


def _abbreviated(text: str) -> frozenset[str]:
    """The initials of 2-5 successive lower-case words of `text` ("electron microscopy" gives "em"):
    an abbreviation of common words names a thing, not a person, body or place."""
    out: set[str] = set()
    for run in re.findall(r"\b[a-z][\w-]*(?:\s+[a-z][\w-]*)*", text):
        out |= initials([w for w in run.split() if w not in ("and", "of", "the")])
    return frozenset(out)


def _new(pattern: re.Pattern[str], text: str, asked: frozenset[str]) -> bool:
    """A match of `pattern` in `text` that is not made only of words the question already uses."""
    for m in pattern.finditer(text):
        words = [w.lower() for w in _WORD.findall(m.group()) if w.lower() not in _GLUE]
        if not words or any(w not in asked for w in words):
            return True
    return False
