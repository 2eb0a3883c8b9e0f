"""The short answer: a few words copied from a cited sentence, checked in code.

A person who asks "which year?" wants a year, not two quoted sentences. The short answer
is a span of one of the quoted sentences: the model, when there is one, names the
sentence and the span (constrained to JSON); code checks that the span is in that
sentence and is of the kind asked for (a year for "қай жылы"). When the model's span
fails, or there is no model, code extracts by kind (the year, the number with its unit,
the name in the best sentence). Where no rule finds one, a span ranker fitted on dev
questions (qa.answering.span_ranker) proposes the likeliest span of the two best quotes,
shown when it is more likely right than wrong. When nothing short answers (a reason, a
long definition), there is no short answer and the quote is the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from qa.answering.evidence import spelt_any_harmony, who_is
from qa.retrieval.question import Question
from qa.text.cleaning import clean_text
from qa.text.lexical import tokenize


class AnswerKind(StrEnum):
    """What a question asks for, read from its question words (kk, ru, en)."""

    YEAR = "year"
    DATE = "date"
    NUMBER = "number"
    PERSON = "person"
    PLACE = "place"
    LIST = "list"
    REASON = "reason"
    DEFINITION = "definition"
    OTHER = "other"


# Question words, most telling first: "қай жылы" asks a year before "қай" asks a thing.
# Each pattern reads the question's lower-case match text (Kazakh in Cyrillic).
_KIND_PATTERNS: list[tuple[AnswerKind, re.Pattern[str]]] = [
    (AnswerKind.REASON, re.compile(r"\b(?:неге|неліктен|не үшін|почему|зачем|why)\b")),
    (
        AnswerKind.YEAR,
        re.compile(
            r"қай жыл|нешінші жыл|қай кезең|каком году|какого года|какой год|какой период|"
            r"what year|which year|what period|which period|since when"
        ),
    ),
    (
        AnswerKind.DATE,
        re.compile(r"\b(?:қашан|когда|when)\b|қай күн|қай ай|what date|какого числа"),
    ),
    (AnswerKind.NUMBER, re.compile(r"қанша|неше|сколько|how many|how much|нешінші|какое место")),
    (
        AnswerKind.LIST,
        re.compile(
            r"\b(?:қандай|қай|қайсы)\s+\S+(?:лар|лер|дар|дер|тар|тер)\w*|\bкакие\b|"
            r"\bwhich \w+s\b|\bwhat are\b|\blist\b"
        ),
    ),
    (AnswerKind.PERSON, re.compile(r"\b(?:кім\w*|кто|кого|кому|who|whom)\b")),
    (
        AnswerKind.PLACE,
        re.compile(
            r"\b(?:қайда|қай жер\w*|қай қала\w*|қай ел\w*|қай мемлекет\w*|где|куда|"
            r"в каком городе|в какой стране|where|which city|which country)\b"
        ),
    ),
    (
        AnswerKind.DEFINITION,
        re.compile(r"деген не|дегеніміз не|\bнеде\b|что такое|what is (?:a|an|the)\b"),
    ),
]


def answer_kind(question: Question) -> AnswerKind:
    """The kind of answer `question` asks for (OTHER when no question word tells).

    "Риззат Тасым кім?" asks who a named person is: a description (DEFINITION), not a
    name.
    """
    if who_is(question.match_text):
        return AnswerKind.DEFINITION
    text = question.match_text.lower()
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(text):
            return kind
    return AnswerKind.OTHER


_MONTH = (
    r"(?:қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйе[кг]|қазан|қараша|желтоқсан|"
    r"январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр|октябр|ноябр|декабр)\w*"
)
_YEAR = r"(?:1[5-9]|20)\d\d"
# "1995 жылы", "1995 жылдан бері", "2012 жылдың қараша айында", "15-16 қарашада".
_YEAR_SPAN = re.compile(
    rf"(?:\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s+{_MONTH}\s+)?{_YEAR}"
    rf"(?:\s*-?\s*(?:жыл\w*|ж\.|год\w*|г\.))?"
    rf"(?:(?:\s+\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?)?\s+{_MONTH}(?:\s+ай\w*)?)?"
    r"(?:\s+(?:бері|бастап))?(?!\d)",
    re.IGNORECASE,
)
_DAY_MONTH = re.compile(rf"\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s*[-–]?\s*{_MONTH}", re.IGNORECASE)
_NUMBER_WORDS = (
    r"бір|екі|үш|төрт|бес|алты|жеті|сегіз|тоғыз|он|жиырма|отыз|қырық|елу|алпыс|жетпіс|"
    r"сексен|тоқсан|жүз|мың"
)
# A number and the words that say what it counts: "350 млн доллар", "18 мемлекет",
# "12-ші орында", "он екі".
_NUMBER_SPAN = re.compile(
    rf"(?:\d+(?:[.,\s]\d{{3}})*(?:[.,]\d+)?|(?:{_NUMBER_WORDS})(?:\s+(?:{_NUMBER_WORDS}))*)"
    r"(?:\s*-?\s*(?:ші|шы|нші|ншы|інші|ыншы)\w*)?"
    r"(?:\s*(?:%|пайыз\w*|млн|млрд|мың|трлн|миллион\w*|миллиард\w*))?"
    r"(?:\s+[а-яәғқңөұүһіё$€]\w*)?",
    re.IGNORECASE,
)
_CAPITALISED = r"[А-ЯӘҒҚҢӨҰҮҺІЁ][а-яәғқңөұүһіё-]+"
# Capitalised words in a row: a person ("Нұрсұлтан Назарбаев", two or three words) or a
# place ("Жидда", "Сауд Арабиясы").
_CAPITALISED_RUN = re.compile(rf"(?<!\w){_CAPITALISED}(?:\s+{_CAPITALISED})*")
# "X – Y": Kazakh states what a thing is with a dash.
_DASH_DEFINITION = re.compile(r"\s[–—-]\s(?P<what>[^.;]{3,80})")
_LIST_AFTER_COLON = re.compile(r":\s*(?P<items>[^.]{3,200})")
# An enumeration: three or more short items with commas, the last one perhaps after
# "және" or "мен" ("Әзербайжан, Өзбекстан, Қырғызстан, Түрікменстанмен").
_AND = r"(?:және|мен|пен|бен|и|and)"
_ITEM = rf"[\w«»\"-]+(?:\s(?!{_AND}\b)[\w«»\"-]+)?"  # one or two words
_ENUMERATION = re.compile(rf"(?P<items>{_ITEM}(?:,\s+{_ITEM}){{2,}}(?:\s+{_AND}\s+{_ITEM})?)")
MAX_SHORT_WORDS = 12


@dataclass(frozen=True)
class ShortAnswer:
    """A short answer and where it was copied from."""

    text: str  # as shown: the span, or its translation with the span in brackets
    span: str  # the words as they stand in the sentence
    n: int  # the [n] mark of the sentence's passage
    kind: AnswerKind
    by: str  # "model", "rule" or "ranker" (qa.answering.span_ranker)


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", clean_text(text)).strip(' ,.;:«»"').lower()


def span_in(span: str, sentence: str) -> bool:
    """Whether `span` stands in `sentence` as whole words, after the cleaning
    normalisation: "долларын" holds no "доллары", an ending the model made up."""
    wanted = _normalised(span)
    found = re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", _normalised(sentence))
    return bool(wanted) and found is not None


def fits_kind(span: str, kind: AnswerKind) -> bool:
    """Whether a span is of the kind asked for: a year for YEAR, a number for NUMBER…"""
    if kind is AnswerKind.YEAR:
        return bool(re.search(_YEAR, span))
    if kind is AnswerKind.DATE:
        return bool(re.search(_YEAR, span) or _DAY_MONTH.search(span))
    if kind is AnswerKind.NUMBER:
        return bool(re.search(rf"\d|\b(?:{_NUMBER_WORDS})\b", span, re.IGNORECASE))
    if kind in (AnswerKind.PERSON, AnswerKind.PLACE):
        return bool(re.search(_CAPITALISED, span))
    return len(span.split()) <= MAX_SHORT_WORDS


def _first(pattern: re.Pattern[str], text: str, group: int | str = 0) -> str | None:
    match = pattern.search(text)
    return match.group(group).strip(" ,;:") if match else None


def _given(word: str, given: set[str]) -> bool:
    """Whether the question gives this word (its stem's first five letters)."""
    return any(stem[:5] in given for stem in tokenize(word))


def _names_not_given(words: list[str], given: set[str]) -> list[list[str]]:
    """The runs of `words` left when words the question gives (by stem) are taken out.

    One word right after a given name continues that name, and is dropped with it:
    "Қазақстан Республикасы" names Kazakhstan, not a "Республикасы".
    """
    parts: list[list[str]] = []
    current: list[str] = []
    after_given = False
    for word in [*words, ""]:
        if word and not _given(word, given):
            if not current:
                started_after_given = after_given
            current.append(word)
            after_given = False
            continue
        if current and not (started_after_given and len(current) == 1):
            parts.append(current)
        current, after_given = [], bool(word)
    return parts


def _description_before(person: str, sentence: str) -> str | None:
    """The words that describe a person just before the name: "саясаттанушы, сарапшы
    Асқар Бекұлы айтты" → "саясаттанушы, сарапшы"."""
    name = re.search(spelt_any_harmony(person), sentence, re.IGNORECASE)
    if name is None:
        return None
    before = re.split(r"[.;:!?«»\"()]", sentence[: name.start()])[-1]
    words = before.split()[-8:]
    if not words or any(w[:1].isupper() for w in words[1:]):
        return None
    return " ".join(words).strip(" ,–-") or None


def _names_only(items: str) -> str:
    """A list of names without the words around it: "мемлекеттері Әзербайжан, Өзбекстан,
    Қырғызстанмен қатар" → "Әзербайжан, Өзбекстан, Қырғызстанмен"."""
    words = items.split()
    capitalised = [i for i, w in enumerate(words) if w[:1].isupper()]
    if len(capitalised) < 3:
        return items
    return " ".join(words[capitalised[0] : capitalised[-1] + 1])


def extract_span(kind: AnswerKind, sentence: str, question: Question) -> str | None:
    """The words of `sentence` that answer a question of this kind (None: none found).

    Names the question already gives are not an answer: "Қазақстан" answers no
    "who?" about Kazakhstan.
    """
    if kind is AnswerKind.YEAR:
        return _first(_YEAR_SPAN, sentence)
    if kind is AnswerKind.DATE:
        return _first(_YEAR_SPAN, sentence) or _first(_DAY_MONTH, sentence)
    if kind is AnswerKind.NUMBER:
        asked = set(re.findall(r"\d+", question.match_text))
        for match in _NUMBER_SPAN.finditer(sentence):
            span = match.group(0).strip()
            if not (set(re.findall(r"\d+", span)) & asked) and not re.fullmatch(_YEAR, span[:4]):
                return span
        return None
    if kind in (AnswerKind.PERSON, AnswerKind.PLACE):
        shortest = 2 if kind is AnswerKind.PERSON else 1
        given = {t[:5] for t in question.tokens if len(t) >= 4}
        for run in _CAPITALISED_RUN.finditer(sentence.strip()):
            words = run.group(0).split()
            # The first word of a sentence is capitalised anyway: no name unless the
            # question gives it ("Қазақстан Республикасы …" still continues a name).
            if run.start() == 0 and not _given(words[0], given):
                words = words[1:]
            for part in _names_not_given(words, given):
                if shortest <= len(part) <= 3:
                    return " ".join(part)
        return None
    if kind is AnswerKind.DEFINITION:
        person = who_is(question.match_text)
        return (_description_before(person, sentence) if person else None) or _first(
            _DASH_DEFINITION, sentence, "what"
        )
    if kind is AnswerKind.LIST:
        items = _first(_LIST_AFTER_COLON, sentence, "items") or _first(
            _ENUMERATION, sentence, "items"
        )
        return _names_only(items) if items else None
    return None


#: The reply the model is constrained to (llama.cpp grammar, Ollama `format`).
SPAN_SCHEMA = {
    "type": "object",
    "properties": {"sentence": {"type": "integer"}, "answer": {"type": "string"}},
    "required": ["sentence", "answer"],
}
TRANSLATED_SPAN_SCHEMA = {
    "type": "object",
    "properties": {**SPAN_SCHEMA["properties"], "translation": {"type": "string"}},
    "required": ["sentence", "answer", "translation"],
}


@dataclass(frozen=True)
class ModelSpan:
    sentence: int  # counts the quotes from 1
    span: str
    translation: str = ""


def parse_reply(reply: str) -> ModelSpan | None:
    """The model's JSON reply, or None when it is not one."""
    try:
        data = json.loads(reply)
        return ModelSpan(
            int(data["sentence"]), str(data["answer"]).strip(), str(data.get("translation", ""))
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def adds_no_name(span: str, translation: str) -> bool:
    """Whether a translation names no more people, places or bodies than its span: a
    capitalised word after the first counts as a name. Names change their spelling
    across languages ("Жибути", "Джибути", "Djibouti"), so they are counted, not
    compared; "Kazakhstan and Azerbaijan" from a span naming no one is refused."""
    capitalised = r"(?<!^)(?<![.!?]\s)\b[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][\w-]+"
    return len(re.findall(capitalised, translation.strip())) <= len(
        re.findall(capitalised, span.strip())
    ) + int(bool(re.match(_CAPITALISED, span.strip())))


# A reason is a clause of its quote: no short answer.
NO_SHORT_ANSWER = frozenset({AnswerKind.REASON})
# Kinds the model is not asked about. A question whose kind no question word tells
# ("… қалай аталады?") gave the model's spans that were wrong 14 times in 19 on the gold
# set's dev part (10 of them above a right quote); for a list it named one item (1 right
# in 5 on dev), where code takes the enumeration itself.
NOT_FOR_THE_MODEL = frozenset({AnswerKind.OTHER, AnswerKind.LIST})


def model_reads_span(kind: AnswerKind) -> bool:
    """Whether the model is asked for the span of a question of this kind (else code
    extracts it, or no short answer is given)."""
    return kind not in NO_SHORT_ANSWER and kind not in NOT_FOR_THE_MODEL


def short_answer(
    question: Question,
    quotes: Sequence[tuple[int, str]],
    ask_model: Callable[[Question, Sequence[tuple[int, str]]], str] | None = None,
    keeps_numbers: Callable[[str, str], bool] = lambda source, translation: True,
) -> ShortAnswer | None:
    """The short answer to `question` from the quoted sentences ((n, sentence), best
    first), or None when none is short or checks out.

    `ask_model` returns the model's JSON reply (`SPAN_SCHEMA`, the sentence counting the
    quotes from 1); its span is used when it stands in that sentence and is of the asked
    kind. Its translation (Russian or English questions) is shown before the span when
    it keeps the span's numbers and adds no name.
    """
    kind = answer_kind(question)
    if kind in NO_SHORT_ANSWER or not quotes:
        return None
    if ask_model is not None and model_reads_span(kind):
        reply = parse_reply(ask_model(question, quotes))
        # The best sentence decides: a runner-up's span only when the best has none of
        # the kind ("200 млн" for refugees, beside the "350 млн" asked about, is not it).
        best_has_one = extract_span(kind, quotes[0][1], question) is not None
        chosen = reply.sentence if reply is not None else 0
        if reply is not None and (chosen == 1 or (1 < chosen <= len(quotes) and not best_has_one)):
            n, sentence = quotes[chosen - 1]
            if _acceptable(reply.span, sentence, kind):
                text = reply.span
                translation = reply.translation.strip(" .")
                if (
                    translation
                    and keeps_numbers(reply.span, translation)
                    and adds_no_name(reply.span, translation)
                ):
                    text = f"{translation} ({reply.span})"
                return ShortAnswer(text, reply.span, n, kind, "model")
    for n, sentence in quotes[:1]:  # the kind's rule reads the best sentence only
        span = extract_span(kind, sentence, question)
        if span and _acceptable(span, sentence, kind):
            return ShortAnswer(span, span, n, kind, "rule")
    return _ranked_span(question, quotes, kind)


def _ranked_span(
    question: Question, quotes: Sequence[tuple[int, str]], kind: AnswerKind
) -> ShortAnswer | None:
    """The fitted span ranker's best span, when it is likely enough to be the answer."""
    from qa.answering.span_ranker import best_span, shipped_span_model  # it reads this module

    model = shipped_span_model()
    ranked = best_span(question, quotes, model)
    if ranked is None or ranked.probability < model.show_from:
        return None
    span, (n, sentence) = ranked.candidate.text, quotes[ranked.candidate.quote]
    return ShortAnswer(span, span, n, kind, "ranker") if _acceptable(span, sentence, kind) else None


def _acceptable(span: str, sentence: str, kind: AnswerKind) -> bool:
    short = 0 < len(span.split()) <= MAX_SHORT_WORDS
    return short and span_in(span, sentence) and fits_kind(span, kind)


def disagreeing(
    question: Question, quotes: Sequence[tuple[int, str]], first: ShortAnswer
) -> list[ShortAnswer]:
    """Other quoted passages' own answers of a year or number kind that differ from
    `first` ("1992 [3]; 1995 жылдан бері [2]")."""
    if first.kind not in (AnswerKind.YEAR, AnswerKind.DATE, AnswerKind.NUMBER):
        return []
    found: list[ShortAnswer] = []
    seen = {first.n}
    values = {tuple(re.findall(r"\d+", first.span))}
    for n, sentence in quotes:
        if n in seen:
            continue
        span = extract_span(first.kind, sentence, question)
        if span and (value := tuple(re.findall(r"\d+", span))) and value not in values:
            found.append(ShortAnswer(span, span, n, first.kind, "rule"))
            seen.add(n)
            values.add(value)
    return found


def shown(answers: Sequence[ShortAnswer]) -> str:
    """The short answer as the user reads it: "1992 [3]; 1995 жылдан бері [2]"."""
    return "; ".join(f"{a.text} [{a.n}]" for a in answers)
