"""Sentence-level evidence: which sentences of the retrieved passages matter.

Used twice: before generation, to pass the model only the sentences the question
needs (prompt size is what makes a small CPU model slow), and after it, to check
that each answer sentence is supported by the passage it cites. One scorer does
both: content-word overlap on stems, numbers that must match exactly, and
embedding similarity, which also carries support across languages (an English
answer checked against a Kazakh passage).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa.retrieval.question import Question
from qa.text.language import detect_language
from qa.text.lexical import tokenize
from qa.text.units import CONCLUSION, Sentence, passage_sentences
from qa.types import Passage

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_YEAR_QUESTION = (
    r"қай жыл|қай кезең|қашан|нешінші жыл|когда|в каком году|в какой период|с какого года|"
    r"when|what year|which year|what period"
)
_COUNT_QUESTION = r"қанша|неше(?!нші)|сколько|how (?:many|much)"
_ASKS_YEAR = re.compile(_YEAR_QUESTION, re.IGNORECASE)
_ASKS_COUNT = re.compile(_COUNT_QUESTION, re.IGNORECASE)
# Questions whose answer is a number or a date ("нешінші": the how-manieth, any ordinal):
# sentences with numbers answer them.
_ASKS_NUMBER = re.compile(f"{_YEAR_QUESTION}|{_COUNT_QUESTION}|нешінші", re.IGNORECASE)
_YEAR = re.compile(r"(?:1[89]|20)\d\d")
_YEAR_PHRASE = re.compile(
    r"\b(?:1[89]|20)\d\d(?:\s*-?\s*(?:жыл\w*|ж\.|год\w*|г\.))?(?!\d)", re.IGNORECASE
)
_QUANTITY = re.compile(
    r"\d|\b(?:екі|үш|төрт|бес|алты|жеті|сегіз|тоғыз|он|жиырма|отыз|қырық|елу|алпыс|жетпіс|"
    r"сексен|тоқсан|жүз|мың|миллион|миллиард|млн|млрд|трлн|жарым|бірнеше)\b",
    re.IGNORECASE,
)
# Months are facts like numbers: "в апреле 2016 года" is not supported by "2016 жылдың
# мамыр айынан" (May). One pattern a month: Kazakh, Russian, English ("May" capitalised
# only, not the verb).
_MONTHS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\bқаңтар\w*|\bянвар\w*|\bjanuary\b",
        r"\bақпан\w*|\bфеврал\w*|\bfebruary\b",
        r"\bнаурыз\w*|\bмарт[аеу]?\b|\bmarch\b",
        r"\bсәуір\w*|\bапрел\w*|\bapril\b",
        r"\bмамыр\w*|\bма[йяе]\b|(?-i:\bMay\b)",
        r"\bмаусым\w*|\bиюн\w*|\bjune\b",
        r"\bшілде\w*|\bиюл\w*|\bjuly\b",
        r"\bтамыз\w*|\bавгуст\w*|\baugust\b",
        r"\bқыркүйек\w*|\bсентябр\w*|\bseptember\b",
        r"\bқазан\w*|\bоктябр\w*|\boctober\b",
        r"\bқараша\w*|\bноябр\w*|\bnovember\b",
        r"\bжелтоқсан\w*|\bдекабр\w*|\bdecember\b",
    )
]
# Kazakh question words, and the third-person possessive ending of the noun asked about
# (after т, д or н an ending ы/і is more often the accusative, "төрағалықты кімге", and
# after ш the agent noun's own, "сарапшы").
_QUESTION_WORD = re.compile(
    r"кім\w*|қай|қайда|қайсы|қандай|қашан|қанша|неше|нешінші|қалай|неге|неліктен|не|нені|неде"
)
_POSSESSED = re.compile(r"[а-яәғқңөұүһіё](?<![тднш])[ыі]$")
_WORD = re.compile(r"[\w-]+")
# "өзгертілуі" (its being renamed): an event, which a sentence may tell in other words
# ("өзгерілуі"), not a thing to be named ("туы", its flag, is too short to be one).
_VERBAL_NOUN = re.compile(r"\w{3,}[уү][ыі]$")
# A name: a capitalised Cyrillic word that is not an acronym (acronyms vary: ИКҰ/ИЫҰ).
_NAME = re.compile(r"\b[А-ЯӘҒҚҢӨҰҮҺІЁ][а-яәғқңөұүһіё]{3,}")
_CACHE_SIZE = 4096
# How `Scorer.scores` weighs support (the citation check; the evidence ranker is fitted):
# e5-small's cosines between unrelated Kazakh sentences sit near 0.76 and paraphrases
# reach 0.90, so that range is stretched to 0..1 and shared with the stem overlap; a
# claim's number or month missing from the sentence leaves 35% of the score, and each
# of its names the passage never mentions halves it ("Somalia … 538 million" against a
# passage about Syria).
DENSE_FLOOR, DENSE_SPAN, DENSE_SHARE = 0.76, 0.14, 0.55
MISSING_FACT_FLOOR = 0.35
MISSING_NAME_FACTOR = 0.5
# Verbs that make a predicate of the word before them ("мүше болды", "төрағалық етті").
_AUXILIARIES = {"бол", "ет", "етт", "жаса", "тұр", "тұра", "қыл"}
# Questions that ask for a reason, and the words that give one.
ASKS_REASON = re.compile(r"\b(?:неге|неліктен|не үшін|почему|зачем|why)\b", re.IGNORECASE)
_GIVES_REASON = re.compile(
    r"\b(?:себебі|себеп|өйткені|сондықтан|себепті|байланысты|салдарынан|нәтижесінде)",
    re.IGNORECASE,
)
# A sentence about the text itself ("This article considers …", "Данная статья
# рассматривает …", "Осы мақала … қарастырады") names every topic of the article and
# states no fact of it: it counts only when the question asks about the article.
ABOUT_THE_TEXT = re.compile(
    r"\b(?:this|the present) (?:article|paper|study)\b|\b(?:данная|эта|настоящая) статья\b|"
    r"\bосы мақала\b|\bthe authors\b|\bавторы\b",
    re.IGNORECASE,
)
ASKS_ABOUT_THE_TEXT = re.compile(
    r"\b(?:article|paper|authors?|стать[яиеюй]\w*|автор\w*|мақала\w*)\b", re.IGNORECASE
)
# "Риззат Тасым кім?": who someone is. The answer describes them where they are named
# ("саясаттанушы Риззат Тасым …"), not where they are quoted ("Риззат Тасымның айтуынша").
_ASKS_WHO_IS = re.compile(
    r"^\s*(?:кто так(?:ой|ая)\s+|who (?:is|was)\s+)?(?P<name>[^?]+?)"
    r"(?:\s+(?:кім|кім болған|деген кім|(?:\S+(?:да|де|та|те)\s+)?қандай қызмет атқарады))?"
    r"\s*\?\s*$",
    re.IGNORECASE,
)
# A lower-case word before the name, which may be inflected and, read from Arabic
# script, lower-case itself ("… бөлімінің басшысы асқар мусиновпен").
_DESCRIBED = "(?:^|[^\\w])[а-яәғқңөұүһіё]+,?\\s+(?i:{name})[а-яәғқңөұүһіё]{{0,4}}(?![\\w])"
# "Бағдарламаның жаңалығы неде?" is answered by "… жаңалығы – әйел құқықтары …": Kazakh
# states what a thing is with a dash after it (see `definition_of_asked`).


def numbers_in(text: str) -> set[str]:
    return {n.replace(",", ".") for n in _NUMBER.findall(text)}


def months_in(text: str) -> set[int]:
    """The months a text names (1-12), in Kazakh, Russian or English."""
    return {n for n, month in enumerate(_MONTHS, 1) if month.search(text)}


class Scorer:
    """Scores how well sentence B supports (or answers) text A, from 0 to 1."""

    def __init__(
        self, embedder, common_terms: frozenset[str] = frozenset(), sentence_vectors=None
    ) -> None:
        from qa.retrieval.ingest import stored_sentence_vectors

        self.embedder = embedder
        self.common_terms = common_terms  # stems in most passages: not telling names
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        # The units' vectors stored at index time (qa.retrieval.ingest): a question then
        # embeds only itself. Units not stored (another index, an old one) are embedded.
        self.sentence_vectors = (
            sentence_vectors if sentence_vectors is not None else stored_sentence_vectors(embedder)
        )

    def _embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        from embeddings.models import embed_passages, embed_queries

        # The result is built from `found`, not the cache: filling the cache may evict
        # vectors of this very call (more texts than _CACHE_SIZE, or older cached ones).
        found = {t: self._vectors[(kind, t)] for t in texts if (kind, t) in self._vectors}
        if kind == "passage" and self.sentence_vectors is not None:
            wanted = [t for t in dict.fromkeys(texts) if t not in found]
            for text, vector in zip(wanted, self.sentence_vectors.lookup(wanted), strict=True):
                if vector is not None:
                    found[text] = vector
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            encode = embed_queries if kind == "query" else embed_passages
            for text, vector in zip(missing, encode(self.embedder, missing), strict=True):
                found[text] = vector
                self._vectors[(kind, text)] = vector
                if len(self._vectors) > _CACHE_SIZE:
                    self._vectors.popitem(last=False)
        return np.stack([found[t] for t in texts])

    def scores(
        self,
        claim: str,
        sentences: Sequence[Sentence],
        language: str = "kk",
        question: bool = False,
    ) -> np.ndarray:
        """Support of `claim` by each sentence (the citation check): the stretched
        cosine and the stem overlap, less where the claim's numbers, months or names
        are missing (see `parts`)."""
        parts = self.parts(claim, sentences, language, question=question)
        if parts is None:
            return np.zeros(0, dtype=np.float32)
        dense = np.clip((parts.cosine - DENSE_FLOOR) / DENSE_SPAN, 0.0, 1.0)
        score = DENSE_SHARE * dense + (1 - DENSE_SHARE) * parts.overlap
        score *= MISSING_FACT_FLOOR + (1 - MISSING_FACT_FLOOR) * parts.numbers_found
        score *= MISSING_FACT_FLOOR + (1 - MISSING_FACT_FLOOR) * parts.months_found
        return (score * MISSING_NAME_FACTOR**parts.missing_names).astype(np.float32)

    def parts(
        self,
        claim: str,
        sentences: Sequence[Sentence],
        language: str = "kk",
        alternate: str = "",
        window: bool = False,
        concepts: Sequence[Sequence[str]] = (),
        titles: Sequence[str] = (),
        question: bool = False,
    ) -> SupportParts | None:
        """How `claim` and each sentence relate, measure by measure (None for no
        sentences): `scores` combines them, the fitted evidence ranker
        (qa.answering.evidence_ranker) reads them as features.

        `alternate` is another wording of the claim (the Kazakh glossary terms of a
        Russian or English question): its words count too, and the closer of the two
        embeddings is used. With `window`, a sentence's words are read together with
        the sentence before it in the same passage: "аталған саммит … 2017 жылы өтті"
        names its summit only there. `concepts` (the glossary groups of a Russian or
        English question, see `Question.kazakh_concepts`) replace the claim's own
        words in the overlap, each group counted once: the claim's Russian words never
        match a Kazakh sentence, and a concept with four variants is no more telling
        than one with one. `titles` (per passage, as `Sentence.passage` numbers them)
        lend their names to every sentence of the passage: an interview's answers never
        repeat the name of the man its title says is speaking.

        A claim's numbers must stand where its words do (see `_number_home`). A
        `question`'s numbers name what it is about ("39-сессиясы"): a unit stating them
        is about that, wherever the question's other words stand.
        """
        if not sentences:
            return None
        claims = [claim, alternate] if alternate else [claim]
        sentence_vecs = self._embed([s.text for s in sentences], "passage")
        cosine = (sentence_vecs @ self._embed(claims, "query").T).max(axis=1)
        groups = [[tokenize(v) for v in group] for group in concepts]
        claim_tokens = (
            {t for group in groups for variant in group for t in variant}
            if concepts
            else set(tokenize(claim, language)) | set(tokenize(alternate))
        )
        titled = _titled_names(claim_tokens, titles, self.common_terms)
        sentence_tokens = [set(tokenize(s.text)) | titled.get(s.passage, set()) for s in sentences]
        weights = _idf(claim_tokens, sentence_tokens)

        def overlap_in(token_sets: Sequence[set[str]]) -> list[float]:
            if not concepts:
                return [_overlap(weights, tokens) for tokens in token_sets]
            shares = _concept_overlap(groups, weights, token_sets)
            return _with_own_language_overlap(claim, sentences, shares, language)

        own_overlap = overlap_in(sentence_tokens)
        overlap = overlap_in(_with_previous(sentences, sentence_tokens)) if window else own_overlap
        claim_numbers = numbers_in(claim)
        claim_months = set() if question else months_in(claim)
        number_home = _number_home(sentences, sentence_tokens, weights) if claim_numbers else {}
        # A Russian claim spells names its own way ("Казахстан", not "Қазақстан").
        missing_names = (
            {}
            if language == "ru"
            else _missing_names(claim, sentences, sentence_tokens, self.common_terms)
        )
        n = len(sentences)
        numbers_found, months_found = np.ones(n), np.ones(n)
        for i, sentence in enumerate(sentences):
            if claim_numbers:
                home_index = number_home.get(sentence.passage)
                home = sentences[i if home_index is None else home_index].text
                stated = numbers_in(home) | (numbers_in(sentence.text) if question else set())
                numbers_found[i] = len(claim_numbers & stated) / len(claim_numbers)
            if claim_months:
                months_found[i] = len(claim_months & months_in(sentence.text)) / len(claim_months)
        return SupportParts(
            cosine=cosine.astype(np.float64),
            overlap=np.asarray(overlap, dtype=np.float64),
            own_overlap=np.asarray(own_overlap, dtype=np.float64),
            numbers_found=numbers_found,
            months_found=months_found,
            missing_names=np.array(
                [missing_names.get(s.passage, 0) for s in sentences], dtype=np.float64
            ),
        )


@dataclass(frozen=True)
class SupportParts:
    """How a claim and each sentence relate, measure by measure."""

    cosine: np.ndarray  # embedding cosine (the closer of the claim's two wordings)
    overlap: np.ndarray  # IDF-weighted share of the claim's stems (or concepts) named
    own_overlap: np.ndarray  # the same, in the sentence alone (`overlap` with no window)
    numbers_found: np.ndarray  # share of the claim's numbers stated where its words are
    months_found: np.ndarray  # share of the claim's months named (1: none to find)
    missing_names: np.ndarray  # the claim's names its passage never mentions


def _with_own_language_overlap(
    claim: str, sentences: Sequence[Sentence], overlap: Sequence[float], language: str
) -> list[float]:
    """The overlap of each unit, or, for a unit in the claim's own language (a Russian
    or English abstract), its share of the claim's own words where that is higher: the
    glossary's Kazakh terms never match "the Muslim Ummah"."""
    own = [i for i, s in enumerate(sentences) if detect_language(s.text) == language]
    if not own:
        return list(overlap)
    tokens = {i: set(tokenize(sentences[i].text, language)) for i in own}
    weights = _idf(set(tokenize(claim, language)), list(tokens.values()))
    out = list(overlap)
    for i in own:
        out[i] = max(out[i], _overlap(weights, tokens[i]))
    return out


def _concept_overlap(
    groups: Sequence[Sequence[list[str]]],
    weights: dict[str, float],
    tokens: Sequence[set[str]],
) -> list[float]:
    """Weighted share of the concepts each unit names (a concept: its best variant)."""
    variants = [
        [({t: weights[t] for t in variant}, _mean_weight(variant, weights)) for variant in group]
        for group in groups
    ]
    group_weights = [max((w for _, w in group), default=0.0) for group in variants]
    total = sum(group_weights)
    if not total:
        return [0.0] * len(tokens)
    return [
        sum(
            weight * max((_overlap(v, unit) for v, _ in group), default=0.0)
            for group, weight in zip(variants, group_weights, strict=True)
        )
        / total
        for unit in tokens
    ]


def _mean_weight(tokens: Sequence[str], weights: dict[str, float]) -> float:
    return sum(weights[t] for t in tokens) / len(tokens) if tokens else 0.0


def _with_previous(sentences: Sequence[Sentence], tokens: list[set[str]]) -> list[set[str]]:
    return [
        own | tokens[i - 1] if i and sentences[i - 1].passage == s.passage else own
        for i, (s, own) in enumerate(zip(sentences, tokens, strict=True))
    ]


def _titled_names(
    claim_tokens: set[str], titles: Sequence[str], common: frozenset[str]
) -> dict[int, set[str]]:
    """Per passage, the claim's words that its document's title names."""
    found = {}
    for passage, title in enumerate(titles):
        title_names = {t for name in _title_names(title) for t in tokenize(name)}
        if mentioned := {t for t in claim_tokens if matches_stem(t, title_names - common)}:
            found[passage] = mentioned
    return found


def _title_names(title: str) -> list[str]:
    """The title's capitalised words; its first only when the next is one too ("Асқар
    Мусинов: …", not "Көпвекторлы саясат")."""
    found = list(_NAME.finditer(title))
    second = found[1].start() if len(found) > 1 else -1
    leading = title[found[0].end() : second].strip() if found and found[0].start() == 0 else None
    return [m.group() for m in found if m.start() or leading == ""]


def _missing_names(
    claim: str,
    sentences: Sequence[Sentence],
    tokens: Sequence[set[str]],
    common: frozenset[str],
) -> dict[int, int]:
    """Per passage, how many names (capitalised Cyrillic words) of the claim it never mentions.

    "Somalia … 538 million" is not supported by a passage that never names Somalia, however
    well the rest of the sentence matches.
    """
    names = {stem for word in _names(claim, sentences) for stem in tokenize(word)[:1]} - common
    words: dict[int, set[str]] = {}
    for sentence, unit_tokens in zip(sentences, tokens, strict=True):
        words.setdefault(sentence.passage, set()).update(unit_tokens)
    return {p: sum(not matches_stem(name, seen) for name in names) for p, seen in words.items()}


def _names(claim: str, sentences: Sequence[Sentence]) -> list[str]:
    """Capitalised words of the claim, less a sentence's first word that the passages
    write in lower case ("Мақалада Қазақстан …": "мақала" is no name)."""
    lower: set[str] | None = None  # stems the passages write in lower case, when needed
    names = []
    for match in _NAME.finditer(claim):
        before = claim[: match.start()].rstrip()
        if before and before[-1] not in ".!?":
            names.append(match.group())
            continue
        if lower is None:
            words = (w for s in sentences for w in s.text.split() if w[:1].islower())
            lower = {stem for word in words for stem in tokenize(word)[:1]}
        if not set(tokenize(match.group())[:1]) <= lower:
            names.append(match.group())
    return names


def _number_home(
    sentences: Sequence[Sentence], tokens: Sequence[set[str]], weights: dict[str, float]
) -> dict[int, int]:
    """Per passage, the unit that shares the most (weighted) words with the claim.

    A claim's numbers must stand in that unit: "350 for Somalia, while 200 for Syrian
    refugees" does not support "200 for Somalia", although both numbers are there.
    """
    words = {t: w for t, w in weights.items() if not t.isdigit()}
    home: dict[int, tuple[float, int]] = {}
    for i, sentence in enumerate(sentences):
        overlap = _overlap(words, tokens[i])
        if sentence.passage not in home or overlap > home[sentence.passage][0]:
            home[sentence.passage] = (overlap, i)
    # With no word in common (a claim in another language) any unit may hold the numbers.
    return {passage: i for passage, (overlap, i) in home.items() if overlap > 0}


def _idf(tokens: set[str], documents: Sequence[set[str]]) -> dict[str, float]:
    """Weights of the claim's words: a word every candidate sentence has tells little."""
    n = len(documents)
    return {t: math.log(1 + n / (1 + sum(matches_stem(t, d) for d in documents))) for t in tokens}


def matches_stem(token: str, tokens: set[str]) -> bool:
    """Exact stem match, one 4+ letter stem starting the other (мүше ~ мүшелікке), or
    stems that differ only in their last letter past 5 shared ones (сайлан ~ сайлау:
    the verb's voice, which the stemmer leaves on)."""
    if token in tokens:
        return True
    if len(token) < 4:
        return False
    return any(len(t) >= 4 and _related(token, t) for t in tokens)


def _related(a: str, b: str) -> bool:
    if a.startswith(b) or b.startswith(a):
        return True
    return len(a) == len(b) >= 6 and a[:-1] == b[:-1]


def _overlap(weights: dict[str, float], tokens: set[str]) -> float:
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if matches_stem(t, tokens)) / total if total else 0.0


@dataclass
class Evidence:
    """Every sentence of the retrieved passages, its relevance, and the ones worth showing."""

    sentences: list[Sentence]
    scores: np.ndarray
    chosen: list[int]  # indices into sentences, in document order

    @property
    def best(self) -> float:
        return float(self.scores.max()) if len(self.scores) else 0.0

    def chosen_sentences(self) -> list[Sentence]:
        return [self.sentences[i] for i in self.chosen]

    def top(self, most: int = 2, close: float = 0.85) -> list[Sentence]:
        """The best chosen sentence, plus runners-up nearly as relevant."""
        ranked = sorted(self.chosen, key=lambda i: -self.scores[i])[:most]
        return [self.sentences[i] for i in ranked if self.scores[i] >= close * self.best]


def select_evidence(
    ranker: SentenceRanker,
    asked: Question,
    passages: Sequence[Passage],
    per_passage: int = 2,
    max_sentences: int = 4,
    keep_ratio: float = 0.6,
    followup: Question | None = None,
) -> Evidence:
    """Score every sentence against the question and choose what the model should see.

    The scores are the fitted ranker's probabilities (qa.answering.evidence_ranker). The
    model sees the best few sentences overall (at most `per_passage` from one passage),
    and none scoring well below the best. A `followup` ("Ал бұл тізімде нешінші орында?")
    is what `asked` (its stand-alone form) asks for now: its own words count as much as
    the whole, or the earlier question's topic would win.
    """
    sentences = passage_sentences(passages)
    titles = [p.title for p in passages]
    scores = ranker.scores(asked, sentences, titles)
    if followup and followup.match_text != asked.match_text and sentences:
        scores = 0.5 * scores + 0.5 * ranker.scores(followup, sentences, titles)
    evidence = Evidence(sentences, np.asarray(scores, dtype=np.float64), [])
    per_passage_count = [0] * len(passages)
    for i in np.argsort(-evidence.scores, kind="stable"):
        if len(evidence.chosen) == max_sentences or scores[i] < keep_ratio * evidence.best:
            break
        if per_passage_count[sentences[i].passage] < per_passage:
            per_passage_count[sentences[i].passage] += 1
            evidence.chosen.append(int(i))
    evidence.chosen.sort()
    return evidence


class SentenceRanker(Protocol):
    """What `select_evidence` needs: a score per sentence (qa.answering.evidence_ranker)."""

    def scores(
        self, asked: Question, sentences: Sequence[Sentence], titles: Sequence[str]
    ) -> np.ndarray: ...


def description_of_asked(question: str) -> Callable[[str], re.Match | None] | None:
    """A search for a description of the person a "who is X?" question asks about."""
    person = who_is(question)
    if not person:
        return None
    return re.compile(_DESCRIBED.format(name=spelt_any_harmony(person))).search


def definition_of_asked(question: str) -> Callable[[str], re.Match | None] | None:
    """A search for "<the asked noun> – …" in a unit (None when nothing is asked about)."""
    subject = asked_subject(question)
    if not subject:
        return None
    return re.compile(rf"(?<!\w){re.escape(subject[-1])}\s+[–—-]\s", re.IGNORECASE).search


def asks_for_number(question: str) -> bool:
    return bool(_ASKS_NUMBER.search(question))


def who_is(question: str) -> str:
    """The name a "who is X?" question asks about ("" for any other question)."""
    asks = r"\bкім\b|кто так|\bwho (?:is|was)\b|қандай қызмет атқарады"
    if not re.search(asks, question, re.IGNORECASE):
        return ""
    match = _ASKS_WHO_IS.match(question)
    name = match.group("name").strip() if match else ""
    # A name is one to three capitalised words; "Ұйымды кім басқарады?" asks no definition.
    words = name.split()
    return name if 0 < len(words) <= 3 and all(w[:1].isupper() for w in words) else ""


# Letters a name may swap for its harmony twin when typed in Latin or read from Arabic
# script ("Musinov" → "Мүсінов", written "Мусинов").
_HARMONY_TWINS = ("аә", "оө", "ұүу", "ыіи", "кқ", "гғ")


def spelt_any_harmony(name: str) -> str:
    """A pattern for `name` that accepts either harmony twin of each letter."""
    classes = {c: f"[{twins}]" for twins in _HARMONY_TWINS for c in twins}
    return "".join(classes.get(c.lower(), re.escape(c)) for c in name)


def gives_reason(text: str) -> bool:
    """A reason word in the unit; a leading "Сондықтан" gives none (its reason is before)."""
    conclusion = CONCLUSION.match(text)
    return bool(_GIVES_REASON.search(text, conclusion.end() if conclusion else 0))


def asks_for_count(question: str) -> bool:
    """ "How many / how much" (not "which year" or "in what place")."""
    return bool(_ASKS_COUNT.search(question)) and not _ASKS_YEAR.search(question)


def asked_kind(question: str) -> str:
    """The kind of answer asked for that code can check: "year", "count" or "reason"
    ("" for any other)."""
    if _ASKS_YEAR.search(question):
        return "year"
    if asks_for_count(question):
        return "count"
    return "reason" if ASKS_REASON.search(question) else ""


def _text_gives_kind(kind: str, text: str) -> bool:
    """Whether `text` gives a year, a quantity or a reason (`kind`, see `asked_kind`)."""
    gives = {"year": _YEAR.search, "count": gives_quantity, "reason": gives_reason}[kind]
    return bool(gives(text))


def _gives_kind(kind: str, sentences: Sequence[Sentence]) -> bool:
    return any(_text_gives_kind(kind, s.text) for s in sentences)


def gives_asked_value(question: str, sentences: Sequence[Sentence]) -> bool:
    """False when the question asks for a year or a quantity and no sentence gives one."""
    kind = asked_kind(question)
    return kind not in ("year", "count") or _gives_kind(kind, sentences)


def quoted_sentences(question: str, evidence: Evidence) -> list[Sentence]:
    """What an answer would quote: of the best sentences, those that answer what is asked
    (`sentences_to_quote`); when they give no year or quantity asked for, a runner-up may."""
    quoted = sentences_to_quote(question, evidence.top())
    if not gives_asked_value(question, quoted):
        quoted = sentences_to_quote(question, evidence.top(most=4, close=0.7))
    return quoted


def sentences_to_quote(question: str, sentences: Sequence[Sentence]) -> list[Sentence]:
    """Of the best sentences, those that answer what is asked, as far as code can tell.

    First those giving the year, quantity or reason asked for, when some do; then of these,
    those naming what the question asks happened ("құрылды", founded), when some do.
    A runner-up without either does not answer the question, and cites a passage that
    does not hold the answer: the year of the renaming does not say when it was founded.
    A definition of the asked noun ("жаңалығы – …"), or a description of the person
    asked about ("саясаттанушы Риззат Тасым"), is the answer on its own.
    """
    for answers in (definition_of_asked(question), description_of_asked(question)):
        if answers and (answering := [s for s in sentences if answers(s.text)]):
            return answering
    kind = asked_kind(question)
    giving = list(sentences)
    if kind:
        giving = [s for s in sentences if _gives_kind(kind, [s])] or giving
    predicate = asked_predicate(question)
    naming = [s for s in giving if predicate and matches_stem(predicate, set(tokenize(s.text)))]
    return _naming_asked_noun(question, naming or giving)


def _naming_asked_noun(question: str, quotes: list[Sentence]) -> list[Sentence]:
    """The quotes, less runners-up that lack what the question asks for when the best
    one has it: the noun it asks which of ("қай бөлімді", which department: a second
    quote on the organisation's fields of work names none), or a name in the case of
    its "кім" ("кімге тапсырды", to whom: "… Джибутиге берді", not "мақсаты – …")."""
    if len(quotes) < 2:
        return quotes
    for answers in (_names_asked_noun(question), _names_in_asked_case(question)):
        if answers and answers(quotes[0].text):
            return [s for s in quotes if answers(s.text)]
    return quotes


def _names_asked_noun(question: str) -> Callable[[str], bool] | None:
    noun = asked_which(question)
    if not noun:
        return None
    # Compared by their first letters, not stems: the stemmer reads "бөлімді" as "бол".
    head = noun[:5]
    return lambda text: any(w.startswith(head) for w in _WORD.findall(text.lower()))


def _names_in_asked_case(question: str) -> Callable[[str], bool] | None:
    asked = re.search(r"(?<!\w)кім(ге|ді|нің|мен)(?!\w)", question.lower())
    if not asked:
        return None
    ending = _CASE_ENDINGS[asked[1]]
    name = re.compile(rf"(?<![\w-])[А-ЯӘҒҚҢӨҰҮҺІ][а-яәғқңөұүһі-]+(?:{ending})(?!\w)")
    return lambda text: bool(name.search(text))


# The case endings of a name that answers "кімге" (to whom), "кімді", "кімнің", "кіммен".
_CASE_ENDINGS = {
    "ге": "ға|ге|қа|ке|на|не",
    "ді": "ны|ні|ды|ді|ты|ті|н",
    "нің": "ның|нің|дың|дің|тың|тің",
    "мен": "мен|бен|пен",
}


def asked_which(question: str) -> str:
    """The noun a Kazakh question asks which of ("бөлімді" in "қай бөлімді"), lower case."""
    words = _WORD.findall(question.lower())
    pairs = itertools.pairwise(words)
    return next((after for word, after in pairs if word in ("қай", "қандай")), "")


def asked_predicate(question: str) -> str:
    """The stem of what a Kazakh question asks happened: its last word that is not an
    auxiliary verb ("құрыл" in "қай жылы құрылды?", "мүше" in "қай жылы мүше болды?")."""
    for word in reversed(_WORD.findall(question.lower())):
        stems = tokenize(word)
        if stems and stems[0] not in _AUXILIARIES and not stems[0].isdigit():
            return stems[0]
    return ""


def names_asked_subject(question: str, sentences: Sequence[Sentence]) -> bool:
    """False when a Kazakh question asks about a possessed noun ("штаб-пәтері қай
    қалада?", "ресми туы қандай түсті?") that none of the sentences names.

    Sentences about the organisation's meetings do not say where its headquarters
    is, however well the rest of the question matches them. Words written apart
    count joined too ("бас қосты" names a "басқосу").
    """
    phrase = asked_subject(question)
    if not phrase:
        return True
    words = [w for s in sentences for w in _WORD.findall(s.text)]
    joined = [a + b for a, b in itertools.pairwise(words)]
    # Each word's own stem, not the root the tokenizer adds beside a derived word.
    parts = (part for w in words + joined for part in w.split("-"))
    named = {stems[0] for part in parts if (stems := tokenize(part))}
    if all(_names_noun(t, named) for t in tokenize(phrase[-1])):
        return True
    # Or its acronym: "ЖІӨ" names "жалпы ішкі өнімі".
    acronyms = {"".join(w[0] for w in phrase[-n:]).upper() for n in range(2, len(phrase) + 1)}
    return any(w in acronyms for w in words)


def _names_noun(asked: str, named: set[str]) -> bool:
    """The asked noun itself, not one derived from it: "хатшылығы" (the secretariat)
    does not name "хатшысы" (the secretary), though its stem starts with his."""
    return any(
        (t.startswith(asked) and len(t) - len(asked) <= 1) or (asked.startswith(t) and len(t) >= 4)
        for t in named
    )


def asked_subject(question: str) -> list[str]:
    """The words up to the possessed noun right before a Kazakh question word, which
    is last: [..., "Бас", "хатшысы"] in "ИЫҰ-ның қазіргі Бас хатшысы кім?" ([] when
    there is none)."""
    words = _WORD.findall(question)
    for n, word in enumerate(words[1:], 1):
        if _QUESTION_WORD.fullmatch(word.lower()):
            noun = words[n - 1]
            thing = _POSSESSED.search(noun) and not _VERBAL_NOUN.search(noun)
            return words[max(0, n - 4) : n] if thing else []
    return []


def gives_checked_kind(question: str, sentences: Sequence[Sentence]) -> bool:
    """Whether code can tell these sentences give the kind of answer asked for: a year
    for "which year", a quantity for "how many", a reason for "why"."""
    kind = asked_kind(question)
    return bool(kind) and _gives_kind(kind, sentences)


# How a Russian or English answer gives a reason ("because of the Arab Spring").
_ANSWER_GIVES_REASON = re.compile(
    r"\b(?:because|due to|owing to|as a result|result of|caused by|thanks to|so that|"
    r"in order to|led to|reason|потому|из-за|так как|поскольку|вследствие|в связи с|"
    r"благодаря|причин\w*|в результате|чтобы|ради)\b",
    re.IGNORECASE,
)


def answer_gives_asked_kind(question: str, answer: str) -> bool:
    """False when the question asks for a year, a quantity or a reason that code can
    check and a written answer, in any of the three languages, gives none."""
    kind = asked_kind(question)
    if not kind:
        return True
    # Beyond what a Kazakh sentence is checked for: a Russian or English reason, and any
    # digits for a count (a written answer may state it as a year-like figure).
    if kind == "reason" and _ANSWER_GIVES_REASON.search(answer):
        return True
    if kind == "count" and re.search(r"\d", answer):
        return True
    return _text_gives_kind(kind, answer)


def gives_quantity(text: str) -> bool:
    """Whether a sentence states a quantity, in digits or words, a year not counting."""
    return bool(_QUANTITY.search(_YEAR_PHRASE.sub(" ", text)))


def disagreement(
    evidence: Evidence,
    passages: Sequence[Passage],
    asked: Question,
    close: float = 0.7,
    quoted: str = "",
) -> list[tuple[Sentence, str]]:
    """Different numbers given by different documents for a "when / how many" question,
    or different documents naming each alternative a question offers.

    The anchor is the `quoted` sentence (what the answer says) when it gives a number,
    else the best sentence that gives one. Another document disagrees
    when one of its sentences scores at least `close` of the anchor, gives other
    numbers, and names everything of the question the anchor names: "joined in 1995"
    competes with "joined in 1992", "chaired in 2011" does not (it lacks "joined").
    A Russian or English question names things through its glossary concepts, so
    that every language and script of one question gets the same note.
    Returns (sentence, its numbers) per document when they disagree, else [].
    """
    question = asked.match_text
    if offered := offered_alternatives(question):
        return _alternatives_named(evidence, passages, offered)
    if not asks_for_number(question):
        return []
    asked_numbers = numbers_in(question)
    years_only = bool(_ASKS_YEAR.search(question))
    numbered = []
    for i in map(int, np.argsort(-evidence.scores)):
        values = numbers_in(evidence.sentences[i].text) - asked_numbers
        found = frozenset(n for n in values if not years_only or _YEAR.fullmatch(n))
        if found:
            numbered.append((i, found))
    if not numbered:
        return []
    anchor = next((i for i, _ in numbered if evidence.sentences[i].text == quoted), numbered[0][0])
    numbered.sort(key=lambda pair: pair[0] != anchor)  # the anchor's document first
    words = {i: set(tokenize(evidence.sentences[i].text)) for i, _ in numbered}
    # What the question names, one group a concept: a Kazakh word, or a glossary concept
    # of a Russian or English question, named by any of its variants ("ИКҰ" or "ұйым").
    # A concept rendered only by postpositions ("since" → "бері", "бастап") names no topic.
    concepts = (
        [{t} for t in asked.tokens]
        if asked.language == "kk"
        else [
            {t for v in group for t in tokenize(v)}
            for group in asked.kazakh_concepts
            if not set(group) <= _POSTPOSITIONS
        ]
    )
    named = [c for c in concepts if any(matches_stem(t, words[anchor]) for t in c)]
    if not named:  # nothing to tell a competing fact from another one by
        return []
    per_document: dict[str, tuple[int, frozenset[str]]] = {}
    for i, found in numbered:
        doc = passages[evidence.sentences[i].passage].doc_id
        if doc in per_document or evidence.scores[i] < close * evidence.scores[anchor]:
            continue
        if all(any(matches_stem(t, words[i]) for t in concept) for concept in named):
            per_document[doc] = (i, found)
    values = [found for _, found in per_document.values()]
    if not any(a.isdisjoint(b) for n, a in enumerate(values) for b in values[n + 1 :]):
        return []
    return [(evidence.sentences[i], ", ".join(sorted(f))) for i, f in per_document.values()]


# Kazakh postpositions: they relate words ("1995 жылдан бері", since 1995) and name nothing.
_POSTPOSITIONS = frozenset(
    "бері бастап дейін кейін бұрын арқылы үшін туралы бойынша қарай сияқты секілді".split()
)

# "Джубитти ме, әлде Джибути ме?": a question offering alternatives, with the question
# particle after each and "әлде" (or) between.
_PARTICLES = {"ме", "ма", "бе", "ба", "пе", "па"}


def offered_alternatives(question: str) -> tuple[str, ...]:
    """What tells apart the alternatives a Kazakh "X ме, әлде Y ме?" question offers:
    ("Джубитти", "Джибути"); ("1992", "1995") for "1992 жылы ма, әлде 1995 жылы ма?".
    () for any other question."""
    words = _WORD.findall(question)
    lower = [w.lower() for w in words]
    if "әлде" not in lower[2:]:
        return ()
    k = lower.index("әлде")
    if lower[k - 1] not in _PARTICLES:
        return ()
    after = lower[k + 1 :]
    second = words[
        k + 1 : k + 1 + next((n for n, w in enumerate(after) if w in _PARTICLES), len(after))
    ]
    first = words[max(0, k - 1 - len(second)) : k - 1]
    in_first, in_second = {w.lower() for w in first}, {w.lower() for w in second}
    a = [w for w in first if w.lower() not in in_second]
    b = [w for w in second if w.lower() not in in_first]
    return (" ".join(a), " ".join(b)) if a and b else ()


def _alternatives_named(
    evidence: Evidence, passages: Sequence[Passage], offered: Sequence[str]
) -> list[tuple[Sentence, str]]:
    """The best sentence naming each alternative, when different documents name them.

    A word counts when it starts with the alternative's ("Джубиттиге" names "Джубитти").
    """
    found: dict[str, Sentence] = {}
    for i in map(int, np.argsort(-evidence.scores)):
        sentence = evidence.sentences[i]
        words = [w.lower() for w in _WORD.findall(sentence.text)]
        for option in offered:
            named = all(any(w.startswith(o) for w in words) for o in option.lower().split())
            if option not in found and named:
                found[option] = sentence
        if len(found) == len(offered):
            break
    docs = {passages[s.passage].doc_id for s in found.values()}
    if len(found) < len(offered) or len(docs) < 2:
        return []
    return [(found[option], option) for option in offered]
