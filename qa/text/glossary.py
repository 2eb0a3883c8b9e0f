"""Dictionary-based query translation: Russian or English question → Kazakh search terms.

The corpus is Kazakh; BM25 cannot match a Russian or English word against it, and the
small multilingual embedding model is weak across languages. So a question in Russian or
English is also looked up in a bilingual domain glossary (``qa/data/glossary.tsv``) and
turned into the Kazakh words the documents use (classic cross-language retrieval).

The glossary is UTF-8, tab-separated, with the header ``kk<TAB>ru<TAB>en`` and one concept a
line. Each cell may hold several variants separated by ``|``:

* ``kk``: the Kazakh search terms in Cyrillic; the first is the canonical term, the rest
  are inflected or related forms found in the documents.
* ``ru`` and ``en``: lower-case match patterns. A pattern is one word or a phrase of
  words; each word is a stem that matches any question word it *starts* (``вступ``
  matches "вступил", but ``ис`` does not match inside "список"). A word ending in ``$``
  must match a whole word (``un$`` is not "under"); so must a word that is a single
  letter or all digits (``g-20``). Phrase words match consecutive question words.

Matching prefers the longest match (most question words, then most characters, then the
longest pattern); a question word is counted once, so "Council of Foreign Ministers"
gives the council's terms, not also "foreign" and "minister". Numbers in the question
(years, sums, session numbers) are language-neutral and are kept as terms too.

The other way round, :func:`glossary_hints` gives a Kazakh text's terms with their ru/en
renderings: the dictionary the model reads when it answers a Russian or English question
from Kazakh passages, or translates a quote.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

from qa.text.lexical import is_stopword

#: The languages the glossary translates from.
LANGUAGES = ("ru", "en")
COLUMNS = ("kk", "ru", "en")

_WORD = re.compile(r"\w+")
_PATTERN_WORD = re.compile(r"\w+\$?")
_MISPLACED_DOLLAR = re.compile(r"(?<!\w)\$|\$(?=\w)")
_POSSESSIVE = re.compile(r"(?<=\w)['’ʼ]s\b")  # English "Kazakhstan's" → "Kazakhstan"
_NUMBER = re.compile(r"(\d+)(?:[^\W\d]{0,3})")  # "39", "39th", "1990s"
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_ACRONYM = re.compile("[А-ЯӘҒҚҢӨҰҮҺІ]{2,6}")


class GlossaryError(ValueError):
    """The glossary file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Concept:
    """One glossary line: Kazakh terms (canonical first) and the ru/en match patterns."""

    kk: tuple[str, ...]
    ru: tuple[str, ...]
    en: tuple[str, ...]
    line: int

    @property
    def term(self) -> str:
        """The canonical Kazakh term."""
        return self.kk[0]


@dataclass(frozen=True)
class _Pattern:
    words: tuple[str, ...]  # stems, without the `$`
    exact: tuple[bool, ...]  # whole-word match for each stem
    concept: int  # index into the glossary
    length: int  # characters in the pattern, for breaking ties

    def matches_at(self, tokens: list[str], start: int) -> bool:
        if start + len(self.words) > len(tokens):
            return False
        for offset, (stem, exact) in enumerate(zip(self.words, self.exact, strict=True)):
            token = tokens[start + offset]
            if token != stem if exact else not token.startswith(stem):
                return False
        return True


def _normalise(text: str) -> str:
    """NFC, lower case, ё → е, English possessive 's dropped."""
    text = unicodedata.normalize("NFC", text).lower().replace("ё", "е")
    return _POSSESSIVE.sub("", text)


def _parse_pattern(pattern: str, concept: int) -> _Pattern | None:
    text = _normalise(pattern)
    words = _PATTERN_WORD.findall(text)
    if not words or _MISPLACED_DOLLAR.search(text):
        return None
    stems = tuple(word.rstrip("$") for word in words)
    exact = tuple(
        word.endswith("$") or len(stem) == 1 or stem.isdigit()
        for word, stem in zip(words, stems, strict=True)
    )
    return _Pattern(stems, exact, concept, sum(len(stem) for stem in stems))


def _split_cell(cell: str) -> tuple[str, ...]:
    return tuple(variant.strip() for variant in cell.split("|")) if cell.strip() else ()


def parse_glossary(text: str, source: str = "glossary.tsv") -> tuple[Concept, ...]:
    """Parse and validate glossary TSV text; raise GlossaryError naming the bad line."""
    lines = text.splitlines()
    if not lines or tuple(c.strip() for c in lines[0].lstrip("\ufeff").split("\t")) != COLUMNS:
        raise GlossaryError(f"{source}:1: the header must be 'kk<TAB>ru<TAB>en'")
    concepts: list[Concept] = []
    seen: dict[tuple[str, tuple[str, ...], tuple[bool, ...]], int] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        cells = line.split("\t")
        if len(cells) != len(COLUMNS):
            raise GlossaryError(
                f"{where}: expected 3 tab-separated columns (kk, ru, en), found {len(cells)}"
            )
        kk, ru, en = (_split_cell(cell) for cell in cells)
        if not kk or not all(kk):
            raise GlossaryError(f"{where}: the kk cell is empty or has an empty variant")
        if not any(_CYRILLIC.search(term) for term in kk):
            raise GlossaryError(f"{where}: the kk cell has no Cyrillic term: {cells[0]!r}")
        if not ru and not en:
            raise GlossaryError(f"{where}: neither a ru nor an en pattern")
        concept = Concept(kk=kk, ru=ru, en=en, line=number)
        for language, patterns in (("ru", ru), ("en", en)):
            for pattern in patterns:
                parsed = _parse_pattern(pattern, len(concepts))
                if parsed is None:
                    raise GlossaryError(
                        f"{where}: bad {language} pattern {pattern!r} "
                        "(empty, or '$' not at the end of a word)"
                    )
                key = (language, parsed.words, parsed.exact)
                if key in seen:
                    raise GlossaryError(
                        f"{where}: {language} pattern {pattern!r} is already on line {seen[key]}"
                    )
                seen[key] = number
        concepts.append(concept)
    return tuple(concepts)


@functools.lru_cache(maxsize=1)
def load_glossary() -> tuple[Concept, ...]:
    """The packaged glossary (qa/data/glossary.tsv), parsed once."""
    resource = resources.files("qa.text") / "data" / "glossary.tsv"
    return parse_glossary(resource.read_text(encoding="utf-8"), source="qa/data/glossary.tsv")


@functools.lru_cache(maxsize=len(LANGUAGES))
def _default_index(language: str) -> dict[str, tuple[_Pattern, ...]]:
    return _index(load_glossary(), language)


def _index(glossary: tuple[Concept, ...], language: str) -> dict[str, tuple[_Pattern, ...]]:
    """The language's patterns, indexed by the first letter of their first word."""
    index: dict[str, list[_Pattern]] = {}
    for number, concept in enumerate(glossary):
        for pattern in getattr(concept, language):
            parsed = _parse_pattern(pattern, number)
            if parsed is not None:  # parse_glossary has rejected bad patterns already
                index.setdefault(parsed.words[0][0], []).append(parsed)
    return {letter: tuple(patterns) for letter, patterns in index.items()}


@dataclass(frozen=True)
class Match:
    """A glossary concept found in a question, over question words [start, end)."""

    start: int
    end: int
    concept: Concept


def find_concepts(
    question: str, language: str, glossary: tuple[Concept, ...] | None = None
) -> list[Match]:
    """The glossary concepts in a ru/en question (longest matches win), in question order.

    `glossary` defaults to the packaged one (:func:`load_glossary`).
    """
    language = (language or "").strip().lower()
    if language not in LANGUAGES:
        return []
    if glossary is None:
        glossary, index = load_glossary(), _default_index(language)
    else:
        index = _index(glossary, language)
    found = list(_WORD.finditer(_normalise(question)))
    tokens = [m.group() for m in found]
    candidates: list[tuple[int, int, int, int, _Pattern]] = []
    for start, token in enumerate(tokens):
        for pattern in index.get(token[0], ()):
            if pattern.matches_at(tokens, start):
                end = start + len(pattern.words)
                chars = found[end - 1].end() - found[start].start()
                candidates.append((len(pattern.words), chars, pattern.length, start, pattern))
    candidates.sort(key=lambda c: (-c[0], -c[1], -c[2], c[3], c[4].concept))
    taken = [False] * len(tokens)
    chosen: list[Match] = []
    for width, _, _, start, pattern in candidates:
        if any(taken[start : start + width]):
            continue
        taken[start : start + width] = [True] * width
        chosen.append(Match(start, start + width, glossary[pattern.concept]))
    return sorted(chosen, key=lambda m: m.start)


def kazakh_concepts(
    question: str, language: str, glossary: tuple[Concept, ...] | None = None
) -> list[tuple[str, ...]]:
    """The Kazakh terms of a Russian ("ru") or English ("en") question, one group a concept.

    Each group holds the canonical term and the variants of one glossary concept found
    (or one number of the question), in question order; a concept found twice is given
    once. Any other language gives [] (Kazakh needs no translation). Kept apart, the
    groups let a match count once per concept, however many variants it has.
    """
    language = (language or "").strip().lower()
    if language not in LANGUAGES:
        return []
    tokens = _WORD.findall(_normalise(question))
    matches = find_concepts(question, language, glossary)
    pieces: list[tuple[int, tuple[str, ...]]] = [(m.start, m.concept.kk) for m in matches]
    covered = {i for m in matches for i in range(m.start, m.end)}
    for position, token in enumerate(tokens):
        number = _NUMBER.fullmatch(token)
        if number and position not in covered:
            pieces.append((position, (number.group(1),)))
    groups: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for _, variants in sorted(pieces, key=lambda piece: piece[0]):
        fresh = tuple(term for term in variants if term.lower() not in seen)
        seen.update(term.lower() for term in fresh)
        if fresh:
            groups.append(fresh)
    return groups


def kazakh_terms(
    question: str, language: str, glossary: tuple[Concept, ...] | None = None
) -> list[str]:
    """Kazakh search terms for a Russian ("ru") or English ("en") question.

    The canonical term and the variants of every glossary concept found, plus the
    numbers in the question, deduplicated (ignoring case) in question order. Any other
    language gives [] (Kazakh needs no translation).
    """
    return [term for group in kazakh_concepts(question, language, glossary) for term in group]


def translate_query(question: str, language: str) -> str:
    """The Kazakh terms of :func:`kazakh_terms` joined by spaces ("" when none)."""
    return " ".join(kazakh_terms(question, language))


@functools.lru_cache(maxsize=1)
def acronyms() -> dict[str, str]:
    """Kazakh acronyms of the glossary and the names they stand for ("ИЫҰ" → "Ислам
    ынтымақтастық ұйымы"): a term in capitals whose concept has a name of words with
    those initials ("және" and other short words may stand between)."""
    found: dict[str, str] = {}
    for concept in load_glossary():
        for term in concept.kk:
            if _ACRONYM.fullmatch(term) and term not in found:
                name = next((n for n in concept.kk if _initials(n) == term), None)
                if name:
                    found[term] = name
    return found


def _initials(name: str) -> str:
    return "".join(word[0].upper() for word in name.split() if not is_stopword(word))


def expand_acronyms(text: str) -> str:
    """Kazakh text with its glossary acronyms spelt out, their case ending dropped
    ("ИЫҰ-ға мүше" → "Ислам ынтымақтастық ұйымы мүше"). An embedding model has never
    seen "ИЫҰ"; the documents name the organisation in full as often as not. Letters
    typed apart ("и ы ұ", as the Arabic-script interview writes it) count too."""
    names = acronyms()
    if not names:
        return text

    def spelt_out(match: re.Match[str]) -> str:
        return names.get(match.group(1).replace(" ", "").upper(), match.group(0))

    return _acronym_use(tuple(names)).sub(spelt_out, text)


@functools.lru_cache(maxsize=4)
def _acronym_use(terms: tuple[str, ...]) -> re.Pattern[str]:
    spaced = [" ".join(term.lower()) for term in terms if len(term) > 2]
    alternatives = "|".join(re.escape(t) for t in sorted([*terms, *spaced], key=len, reverse=True))
    return re.compile(rf"(?<!\w)({alternatives})(?:-\w+)?(?!\w)")


def glossary_hints(text: str, language: str, most: int = 24) -> list[tuple[str, str]]:
    """(Kazakh term, its ru/en rendering) for the glossary terms a Kazakh text uses.

    A small model translating Kazakh needs the words it does not know; these are the
    project's own terms ("сауда" → "торгов", "аумақтық тұтастық" → "territorial
    integrity"). Terms of more words go first; one rendering per concept. The ru
    column holds stems ("торгов"), which the model completes.
    """
    language = (language or "").strip().lower()
    if language not in LANGUAGES:
        return []
    words = _WORD.findall(text.lower())
    found: list[tuple[str, str]] = []
    seen: set[str] = set()  # a term shared by two concepts is given once
    for concept in load_glossary():
        targets = getattr(concept, language)
        term = next((t for t in concept.kk if _uses(words, t)), None)
        if term is not None and targets and term not in seen:
            seen.add(term)
            found.append((term, targets[0].rstrip("$")))
    found.sort(key=lambda hit: -len(hit[0].split()))
    return found[:most]


def _uses(words: list[str], term: str) -> bool:
    """Every word of the term starts a word of the text: inflected ("тұтастыққа"), or
    with its last letter voiced ("ынтымақтастығы") when the word is long enough. A
    word of three letters must stand whole ("үш" is not in "үшінші")."""
    return all(_used(words, part) for part in term.lower().split())


def _used(words: list[str], part: str) -> bool:
    if len(part) <= 3:
        return part in words
    prefix = part[:-1] if len(part) >= 6 else part
    return any(w.startswith(prefix) for w in words)
