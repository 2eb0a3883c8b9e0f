"""Is this Latin text Kazakh or English? :func:`looks_like_kazakh_latin`.

Kazakh typed in Latin letters and English share an alphabet, and one question can hold
both ("Qazaqstan OIC-ke qashan kirdi?"). Each Latin word is scored for Kazakh
(:func:`_kazakh_word_score`) and for English (:func:`_english_word_score`); the scores
are summed per run of Latin words (:func:`_latin_runs`, :func:`_run_scores`), so that an
English stretch inside Kazakh text (a quoted title) can be told apart and left alone.
"""

from __future__ import annotations

import re
import unicodedata

from qa.text.latin_script import (
    _LATN_APOSTROPHE_PAIR,
    _LATN_LETTER_CLASS,
    _LATN_WORD,
    LATN_APOSTROPHES,
)

# --------------------------------------------------------------------------------------
# Evidence: Kazakh and English words
# --------------------------------------------------------------------------------------

#: Kazakh acronyms as typed in Latin letters (upper case) → Cyrillic. Other acronyms are
#: converted letter by letter only when they hold a Kazakh-only letter ("BŪŪ", "İYŪ");
#: the rest ("OIC", "UNIFIL") are kept.
KAZAKH_LATIN_ACRONYMS: dict[str, str] = {
    "IYU": "ИЫҰ",
    "IIU": "ИЫҰ",
    "IYŪ": "ИЫҰ",
    "İYŪ": "ИЫҰ",
    "IKU": "ИКҰ",
    "İKŪ": "ИКҰ",
    "BUU": "БҰҰ",
    "BŪŪ": "БҰҰ",
    "QR": "ҚР",
    "TMD": "ТМД",
    "EQYU": "ЕҚЫҰ",
    "EQYŪ": "ЕҚЫҰ",
    "ShYU": "ШЫҰ",
    "ŞYŪ": "ШЫҰ",
    "SIM": "СІМ",
    "SІM": "СІМ",
    "SİM": "СІМ",
    "SIMK": "СІМК",
    "JIÖ": "ЖІӨ",
    "JIO": "ЖІӨ",
}

#: Letters found only in Kazakh Latin (2021 and 2018 alphabets), not in English.
KAZAKH_LATIN_LETTERS = frozenset("äöüğşıñūáóúǵńýİŋ")

#: Frequent Kazakh words as people type them in Latin, with a weight: how sure a match
#: is Kazakh rather than English or a name. Matched on the lower-cased word; entries
#: ending in "-" match any word starting with them.
KAZAKH_LATIN_WORDS: dict[str, float] = {
    **dict.fromkeys(
        """
        qazaqstan- qazaq- kazakhstannyn jyl jyly jyldan jylgy jyldary zhyl zhyly qashan
        qanday qandai qandaı qalai qalay qaida qaisy qaysy qai qaı neshe nesh nege ne
        kimder ujym- uiym- uyym- ujim- yntymaq- ıntymaq- jane zhane jäne ushin üshin uşin
        turaly boyynsha boiynsha memleket- respublikasy- prezidenti- tóraǵa- toraga-
        toraǵa- töraǵa- törağa- toraghalyq toragalyq kirdi boldy bolady bolyp bolgan
        bolğan bolǵan mushe- müşe- elder- osy bul bügin bugin sonday sondai degen dep edi
        emes mıne bizdin sizdin qyzmet- halyqaralyq khalyqaralyq halykaralyk baǵdarlama-
        bagdarlama- bağdarlama- qatynas- jiyn ulken otti otken qazir qazirgi ukimet-
        ükimet- syrtqy ister elshi- saiasat- saiasi sayasat- sayasi qoğam- qogam- qarym-
        """.split(),
        2.0,
    ),
    # Kazakh too, but also English words or names: weak evidence.
    **dict.fromkeys(
        "men pen ben ma me ba be pa pe bir biz siz kim mine islam".split(),
        0.5,
    ),
}

#: Kazakh case and derivation endings (informal and 2021 spellings). Weak evidence.
KAZAKH_LATIN_SUFFIXES = tuple(
    """
    dyñ nyñ tyñ dıñ nıñ tıñ dyn nyn tyn ğa ğe qa men pen ben dağy tağy dagy tagy daghy
    lyq dyq tyq ğan qan ge ke da ta de te dan tan nan den ten nen lar ler dar der tar ter
    sy ny dy ty
    """.split()
)

#: Frequent English words: evidence against Kazakh.
ENGLISH_WORDS = frozenset(
    """
    a an the of and or to in on at by for from with without as is are was were be been
    being has have had do does did will would can could should may might must not no
    that this these those it its their his her our your my we you they he she i me
    what when where which who whom whose why how about into than then there here after
    before between during under over all any some such only also more most very join
    joined member members role work country countries state states
    """.split()
)

# --------------------------------------------------------------------------------------
# Regular expressions
# --------------------------------------------------------------------------------------

# Where a run of Latin words ends: anything that is not a Latin word, a space, a hyphen
# or a comma.
_LATN_RUN_BREAK = re.compile(f"[^{_LATN_LETTER_CLASS}{LATN_APOSTROPHES}\\s,\\-]")


# ======================================================================================
# Is this Latin text Kazakh?
# ======================================================================================


def _is_acronym(word: str) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters)


def _kazakh_word_score(word: str) -> float:
    """Evidence that one Latin word is Kazakh (0 = none). An acronym counts only when it
    is a known Kazakh one or has Kazakh-only letters ("BŪŪ"), not "OIC" or "UNIFIL"."""
    if word in KAZAKH_LATIN_ACRONYMS:
        return 2.0
    lower = "".join(ch.lower()[0] for ch in word if ch.isalpha() or ch in LATN_APOSTROPHES)
    if not lower:
        return 0.0
    score = 0.0
    if set(lower) & KAZAKH_LATIN_LETTERS or "İ" in word:
        score += 2.0
    elif _LATN_APOSTROPHE_PAIR.search(lower) and not lower.endswith(("'s", "’s")):
        score += 1.0
    weight = KAZAKH_LATIN_WORDS.get(lower)
    if weight is None:
        prefixes = (key for key in KAZAKH_LATIN_WORDS if key.endswith("-"))
        weight = max(
            (KAZAKH_LATIN_WORDS[key] for key in prefixes if lower.startswith(key[:-1])),
            default=0.0,
        )
    score += weight
    if re.search(r"q(?!u[aeio])", lower):
        score += 1.0  # English q comes before u and a vowel ("question", "equal")
    if len(lower) >= 6 and lower.endswith(KAZAKH_LATIN_SUFFIXES):
        score += 0.5
    if re.search(r"ii[aou]|[^aeiou\W]y[^aeiouy\W]", lower):
        score += 0.5  # 2021 "-iia" (-ия), y = ы between consonants ("jyl", "qysym")
    if _is_acronym(word) and score < 2.0:
        return 0.0
    return score


def _english_word_score(word: str) -> float:
    """Evidence that one Latin word is English."""
    lower = word.lower()
    if lower in ENGLISH_WORDS:
        return 1.0
    if re.search(r"th|wh|tion$|ing$|ough|ee|oo", lower):
        return 0.5
    return 0.0


def looks_like_kazakh_latin(text: str) -> bool:
    """Whether the Latin words of `text` are Kazakh written in Latin letters.

    Evidence for Kazakh: letters only Kazakh Latin has (ä ö ü ğ ş ı ñ ū á ó ú ǵ ń ý),
    2017-style apostrophes (a' g' n'), frequent Kazakh words (:data:`KAZAKH_LATIN_WORDS`),
    q not followed by u + vowel, Kazakh case endings. Evidence for English: frequent
    English words and spellings (th, wh, -tion, -ing). Acronyms ("OIC") count for
    neither. Evidence is weighed per run of Latin words (split at quotes, brackets and
    sentence ends); runs where English wins (a quoted English title) are left out. True
    when the remaining Kazakh evidence is at least 1.5 and outweighs the English.
    """
    text = unicodedata.normalize("NFC", text)
    kazakh = english = 0.0
    for run_kazakh, run_english in _run_scores(text):
        if run_english > run_kazakh and run_english >= 1.0:
            continue  # an English stretch (a quoted title) inside Kazakh text
        kazakh += run_kazakh
        english += run_english
    return kazakh >= 1.5 and kazakh > english


def _run_scores(text: str) -> list[tuple[float, float]]:
    """(Kazakh evidence, English evidence) of each run of Latin words in `text`."""
    scores = []
    for start, end in _latin_runs(text):
        words = _LATN_WORD.findall(text[start:end])
        scores.append(
            (sum(_kazakh_word_score(w) for w in words), sum(_english_word_score(w) for w in words))
        )
    return scores


def _latin_runs(text: str) -> list[tuple[int, int]]:
    """Spans of consecutive Latin words (separated only by spaces, commas, hyphens)."""
    runs: list[tuple[int, int]] = []
    start = end = -1
    for m in _LATN_WORD.finditer(text):
        if start >= 0 and not _LATN_RUN_BREAK.search(text[end : m.start()]):
            end = m.end()
            continue
        if start >= 0:
            runs.append((start, end))
        start, end = m.start(), m.end()
    if start >= 0:
        runs.append((start, end))
    return runs
