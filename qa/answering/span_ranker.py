"""Which words of the quoted sentences answer: candidate spans, features, fitted weights.

Every run of one to `MAX_SPAN_WORDS` words of the best quoted sentences is a candidate.
Each is described by the measures below (`SPAN_FEATURES`); a linear ranker fitted on
dev questions (KazQAD's dev part and the shipped gold set's, each span equal to a gold
answer against every other candidate of its question) and Platt-scaled turns them into
the probability that the span is the answer. The weights live in `data/span_model.json`,
written by `scripts/fit_span_model.py`; nothing here is tuned by hand.

The measures are general facts of Kazakh questions and answers, learnt from what the
data weighs them at:
- an answer rarely repeats the question's words, but stands next to them: "Балықтың
  сезім мүшесі не болып табылады?" is answered by "Балықтың сезім мүшесі – бүйір
  сызығы", the words after the question word's left neighbour ("мүшесі");
- Kazakh inflects its question words, and the answer takes the same case: "кімге?"
  (dative) is answered by "Министрге";
- the kind asked for (a year, a number, a name: qa.answering.short_answer) shows on the
  surface, and the rule that extracts it is one feature among the others;
- punctuation bounds an answer ("X – Y", "Y деп аталады"), and a span that runs into the
  sentence's final verb, or starts or ends on a function word, is rarely one.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from qa.answering.linear_model import LinearModel, read_model_file
from qa.answering.short_answer import AnswerKind, answer_kind, extract_span
from qa.retrieval.question import Question
from qa.text.cleaning import normalize_answer
from qa.text.lexical import tokenize

MODEL_VERSION = 1
MODEL_FILE = "span_model.json"
MAX_SPAN_WORDS = 5  # 97% of KazQAD's dev answers have at most five words
MAX_QUOTES = 2  # spans are copied from the two best quoted sentences

_CASES = ("genitive", "dative", "locative", "ablative", "accusative", "instrumental")
# Kazakh case endings (after any plural or possessive ending), longest first.
_CASE_ENDINGS = {
    "instrumental": re.compile(r"(?:мен|бен|пен|менен|бенен|пенен)$"),
    "ablative": re.compile(r"(?:дан|ден|тан|тен|нан|нен)$"),
    "genitive": re.compile(r"(?:ның|нің|дың|дің|тың|тің)$"),
    "locative": re.compile(r"(?:нда|нде|да|де|та|те)$"),
    "dative": re.compile(r"(?:ға|ге|қа|ке|на|не)$"),
    "accusative": re.compile(r"(?:ны|ні|ды|ді|ты|ті)$"),
}
# Question words, Cyrillic Kazakh; their endings give the case the answer takes.
_QUESTION_WORD = re.compile(
    r"^(?:не|нені|неге|неде|неден|немен|ненің|кім\w*|қанша\w*|неше\w*|нешінші\w*|"
    r"қандай\w*|қай|қайда|қайдан|қайсы\w*|қашан|қалай)$"
)
# Words that end a clause by quoting it: "Y деп аталады", "Y деген".
_QUOTATIVE = frozenset({"деп", "деген", "дейді", "делінеді", "деледі"})
_DASH = frozenset({"–", "—", "-", "−"})

SPAN_FEATURES = (
    "sentence_rank",  # 1 / rank of its sentence among the quotes
    "one_word",
    "two_words",
    "three_words",
    "four_or_more_words",
    "given_share",  # share of its words the question gives (by stem)
    "edge_given",  # its first or last word is given
    "left_given",  # the word just before it is given
    "right_given",  # the word just after it is given
    "near_given",  # 1 / (1 + words to the nearest given word outside it)
    "left_anchor",  # the word before it is the question word's left neighbour
    "right_anchor",  # the word after it is the question word's right neighbour
    "after_punctuation",  # starts the sentence or follows , – : « (
    "after_dash",  # follows a dash: "X – Y" defines X
    "before_punctuation",  # ends the sentence or precedes , . ; : » )
    "before_quotative",  # "Y деп аталады"
    "holds_sentence_end",  # takes in the sentence's last word (a Kazakh verb, mostly)
    "function_word_edge",  # starts or ends on a stopword
    "has_digit",
    "digit_for_number",  # a digit where a year, date or number is asked
    "digit_unasked",  # a digit where none is asked
    "capitalised",  # a capitalised word not opening the sentence
    "name_for_name",  # such a word where a person or place is asked
    "rule_span",  # the span the kind's rule extracts from the sentence
    "inside_rule_span",  # inside it, or holding it
    "case_agrees",  # its last word is in the question word's case
    "nominative",  # its last word has no case ending
    *(f"case_{case}" for case in _CASES),
    "quoted",  # «in quotation marks»
    "opens_sentence",  # its first word opens the sentence ("Мысалы, …" rarely answers)
    "word_length",  # log of its words' mean length: short words are mostly function words
    "given_left_window",  # share of the question's stems among the three words before it
    "given_right_window",  # and the three after it
    "foreign_script",  # Latin letters the question lacks ("(Coleoptera)" in a Kazakh text)
    "markup",  # wiki markup or symbols ("==", "#", "&lt;")
)


class SpanModelError(RuntimeError):
    """The span model file is missing or was fitted for other features."""


@dataclass(frozen=True)
class Candidate:
    """A run of words of a quoted sentence."""

    quote: int  # 0 for the best quoted sentence
    n: int  # the [n] mark of its passage
    start: int  # first word, counting the sentence's words from 0
    end: int  # one past the last word
    text: str  # as it stands, edge punctuation stripped


@dataclass(frozen=True)
class _Word:
    text: str  # with its punctuation
    bare: str  # without
    stem: str  # the first five letters of its stem ("" for a stopword)
    before: str  # punctuation before it
    after: str  # punctuation after it


_EDGE = " ,.;:!?«»\"“”„'()[]"


def _words(sentence: str) -> list[_Word]:
    words = []
    for token in sentence.split():
        bare = token.strip(_EDGE)
        if not re.search(r"\w", bare):  # a dash, an ellipsis, a lone quote mark
            if words:  # it belongs after the word before it
                last = words[-1]
                words[-1] = _Word(last.text, last.bare, last.stem, last.before, last.after + token)
            continue
        lead = token[: len(token) - len(token.lstrip(_EDGE))]
        trail = token[len(token.rstrip(_EDGE)) :]
        words.append(_Word(token, bare, _stem5(bare), lead, trail))
    return words


def candidates(quotes: Sequence[tuple[int, str]]) -> list[Candidate]:
    """Every run of up to `MAX_SPAN_WORDS` words of the best `MAX_QUOTES` sentences that
    does not cross a full stop, a semicolon or a colon."""
    return [
        candidate
        for q, (n, sentence) in enumerate(quotes[:MAX_QUOTES])
        for candidate in _candidates(q, n, _words(sentence))
    ]


def _candidates(q: int, n: int, words: list[_Word]) -> Iterator[Candidate]:
    for start in range(len(words)):
        for end in range(start + 1, min(start + MAX_SPAN_WORDS, len(words)) + 1):
            if end - 1 > start and re.search(r"[.;:!?]", words[end - 2].after):
                break
            text = " ".join(w.text for w in words[start:end]).strip(_EDGE + "–—")
            yield Candidate(q, n, start, end, text)


def _case(word: str) -> str:
    lowered = word.lower()
    if len(lowered) < 4:  # too short to carry a case ending
        return "nominative"
    for case, ending in _CASE_ENDINGS.items():
        if ending.search(lowered):
            return case
    return "nominative"


@dataclass(frozen=True)
class _Asked:
    """What the span features read from the question."""

    given: frozenset[str]
    left: str  # stem of the question word's left neighbour ("" if none)
    right: str  # and of its right neighbour
    case: str  # the question word's case ("" when none is found)
    kind: AnswerKind
    latin: bool  # the question is written in Latin letters (English, Latin-script Kazakh)

    def gives(self, word: _Word | None) -> bool:
        """Whether the question gives this word (by the first five letters of its stem)."""
        return word is not None and bool(word.stem) and word.stem in self.given


def _asked(question: Question) -> _Asked:
    given = {t[:5] for t in question.tokens if len(t) >= 3}
    given |= {t[:5] for t in tokenize(question.kazakh_terms) if len(t) >= 3}
    left = right = case = ""
    if question.language == "kk":
        words = [w.strip(_EDGE).lower() for w in question.match_text.split()]
        words = [w for w in words if w]
        for i, word in enumerate(words):
            if _QUESTION_WORD.match(word):
                left = _stem5(words[i - 1]) if i > 0 else ""
                right = _stem5(words[i + 1]) if i + 1 < len(words) else ""
                case = _case(word) if word not in ("не", "кім") else "nominative"
                break
    latin = bool(re.search(r"[A-Za-z]", question.text))
    return _Asked(frozenset(given), left, right, case, answer_kind(question), latin)


def _stem5(word: str) -> str:
    stems = tokenize(word)
    return stems[0][:5] if stems else ""


def span_features(
    question: Question, quotes: Sequence[tuple[int, str]]
) -> tuple[list[Candidate], np.ndarray]:
    """The candidates of the quoted sentences ((n, sentence), best first) and one row of
    `SPAN_FEATURES` each."""
    asked = _asked(question)
    found, rows = [], []
    for q, (n, sentence) in enumerate(quotes[:MAX_QUOTES]):
        words = _words(sentence)  # stems each word: done once a sentence
        rule = normalize_answer(extract_span(asked.kind, sentence, question) or "")
        given_at = [i for i, word in enumerate(words) if asked.gives(word)]
        for candidate in _candidates(q, n, words):
            found.append(candidate)
            rows.append(_row(candidate, words, given_at, rule, asked))
    return found, np.array(rows, dtype=float).reshape(len(rows), len(SPAN_FEATURES))


def _row(
    candidate: Candidate, words: list[_Word], given_at: list[int], rule: str, asked: _Asked
) -> list[float]:
    """`given_at`: the positions of the sentence's words the question gives, in order."""
    inside = words[candidate.start : candidate.end]
    before = words[candidate.start - 1] if candidate.start else None
    after = words[candidate.end] if candidate.end < len(words) else None
    count = len(inside)
    given = [asked.gives(w) for w in inside]
    left = bisect.bisect_left(given_at, candidate.start)  # given_at[:left] lie before it
    right = bisect.bisect_left(given_at, candidate.end)  # given_at[right:] after it
    outside_given = [candidate.start - given_at[left - 1]] if left else []
    if right < len(given_at):
        outside_given.append(given_at[right] - (candidate.end - 1))
    text = normalize_answer(candidate.text)
    digit = bool(re.search(r"\d", candidate.text))
    numeric = asked.kind in (AnswerKind.YEAR, AnswerKind.DATE, AnswerKind.NUMBER)
    capitalised = any(w.bare[:1].isupper() for i, w in enumerate(inside) if candidate.start + i)
    case = _case(inside[-1].bare)
    values = {
        "sentence_rank": 1.0 / (candidate.quote + 1),
        "one_word": count == 1,
        "two_words": count == 2,
        "three_words": count == 3,
        "four_or_more_words": count >= 4,
        "given_share": sum(given) / count,
        "edge_given": given[0] or given[-1],
        "left_given": asked.gives(before),
        "right_given": asked.gives(after),
        "near_given": 1.0 / (1 + min(outside_given)) if outside_given else 0.0,
        "left_anchor": bool(asked.left) and before is not None and before.stem == asked.left,
        "right_anchor": bool(asked.right) and after is not None and after.stem == asked.right,
        "after_punctuation": before is None
        or bool(re.search(r"[,:;–—(«\"-]", before.after + inside[0].before)),
        "after_dash": before is not None and any(d in before.after for d in _DASH),
        "before_punctuation": after is None or bool(re.search(r"[,.;:!?)»\"–—]", inside[-1].after)),
        "before_quotative": after is not None and after.bare.lower() in _QUOTATIVE,
        "holds_sentence_end": after is None,
        "function_word_edge": not inside[0].stem or not inside[-1].stem,
        "has_digit": digit,
        "digit_for_number": digit and numeric,
        "digit_unasked": digit and not numeric,
        "capitalised": capitalised,
        "name_for_name": capitalised and asked.kind in (AnswerKind.PERSON, AnswerKind.PLACE),
        "rule_span": bool(rule) and text == rule,
        "inside_rule_span": bool(rule) and text != rule and (text in rule or rule in text),
        "case_agrees": bool(asked.case) and case == asked.case,
        "nominative": case == "nominative",
        **{f"case_{c}": case == c for c in _CASES},
        "quoted": inside[0].before.startswith("«") and inside[-1].after.startswith("»"),
        "opens_sentence": candidate.start == 0,
        "word_length": float(np.log(np.mean([len(w.bare) for w in inside]))),
        "given_left_window": _given_share(
            words[max(0, candidate.start - 3) : candidate.start], asked
        ),
        "given_right_window": _given_share(words[candidate.end : candidate.end + 3], asked),
        "foreign_script": bool(re.search(r"[A-Za-z]", candidate.text)) and not asked.latin,
        "markup": bool(re.search(r"[=#&<>|{}\[\]*_]", candidate.text)),
    }
    return [float(values[name]) for name in SPAN_FEATURES]


def _given_share(words: list[_Word], asked: _Asked) -> float:
    return sum(asked.gives(w) for w in words) / max(len(asked.given), 1)


@dataclass(frozen=True)
class SpanModel(LinearModel):
    """A fitted linear ranker over `SPAN_FEATURES`, Platt-scaled, and the probability
    from which its best span is shown."""

    show_from: float  # chosen by scripts/fit_span_model.py
    fitted_on: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            **self.linear_json(MODEL_VERSION, SPAN_FEATURES),
            "show_from": round(self.show_from, 6),
            "fitted_on": self.fitted_on,
        }

    @classmethod
    def from_json(cls, data: dict) -> SpanModel:
        if not cls.fits(data, MODEL_VERSION, SPAN_FEATURES):
            raise SpanModelError(
                "the span model was fitted for other features than this version of Kenes "
                "computes: refit it with `python scripts/fit_span_model.py`"
            )
        return cls(
            **cls.linear_fields(data),
            show_from=float(data["show_from"]),
            fitted_on=data.get("fitted_on", {}),
        )


@functools.cache
def shipped_span_model() -> SpanModel:
    """The span model fitted on the dev questions, shipped in the package."""
    return SpanModel.from_json(
        read_model_file(MODEL_FILE, "span model", "fit_span_model.py", SpanModelError)
    )


@dataclass(frozen=True)
class RankedSpan:
    candidate: Candidate
    probability: float


def best_span(
    question: Question, quotes: Sequence[tuple[int, str]], model: SpanModel | None = None
) -> RankedSpan | None:
    """The likeliest answer span of the quoted sentences (None when there is no word)."""
    found, x = span_features(question, quotes)
    if not found:
        return None
    p = (model or shipped_span_model()).probabilities(x)
    best = int(np.argmax(p))
    return RankedSpan(found[best], float(p[best]))
