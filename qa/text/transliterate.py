"""Kazakh script conversion: Cyrillic, Arabic (töte jazu) and Latin.

Kazakh is written in three scripts. Kenes searches and cites in Cyrillic, so documents and
questions in the other two are converted to Cyrillic first:

* Arabic script (töte jazu, used by Kazakhs in China, Mongolia, Iran, Afghanistan) is a
  full alphabet: every vowel is written. Four letters stand for a back/front vowel pair
  (``ا`` а/ә, ``و`` о/ө, ``ۇ`` ұ/ү, ``ى`` ы/і); which one is meant follows from vowel
  harmony. A word with front vowels starts with the hamza ``ء`` unless it already contains
  ``ە`` (е), ``ك`` (к) or ``گ`` (г), which are front by themselves.
* Latin script: the official 2021 alphabet (ä ğ ı ñ ö q ş ū ü y ...), the earlier 2017
  (apostrophes) and 2018 (acute accents) alphabets, and the informal spellings people type
  without diacritics (sh, zh, kh, gh, ng, q, y, w).

Public functions: :func:`transliterate`, :func:`arab_to_cyrl`, :func:`cyrl_to_arab`,
:func:`latn_to_cyrl`, :func:`cyrl_to_latn`, :func:`looks_like_kazakh_latin`,
:func:`detect_script`.

Arabic script has no letter case, so Arabic → Cyrillic output is lower case apart from a
short list of proper names (:data:`qa.text.arabic_script.PROPER_NAMES`).

The conversion is split by concern; this module is the entry point and re-exports the
public functions:

* :mod:`qa.text.script_detection`: which script a text is in (:func:`detect_script`).
* :mod:`qa.text.arabic_script`: töte jazu ↔ Cyrillic.
* :mod:`qa.text.latin_script`: Kazakh Latin ↔ Cyrillic.
* :mod:`qa.text.latin_or_english`: whether Latin text is Kazakh or English.
* here: :func:`transliterate`, which chains the conversions for a target script and
  converts only the Kazakh stretches of Latin text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from qa.text.arabic_script import arab_to_cyrl, cyrl_to_arab
from qa.text.latin_or_english import (
    ENGLISH_WORDS,
    KAZAKH_LATIN_ACRONYMS,
    _is_acronym,
    _kazakh_word_score,
    _latin_runs,
    _run_scores,
    looks_like_kazakh_latin,
)
from qa.text.latin_script import (
    _LATN_WORD,
    _latin_variant,
    _latn_word_to_cyrl,
    cyrl_to_latn,
    latn_to_cyrl,
)
from qa.text.script_detection import detect_script

__all__ = [
    "arab_to_cyrl",
    "cyrl_to_arab",
    "cyrl_to_latn",
    "detect_script",
    "latn_to_cyrl",
    "looks_like_kazakh_latin",
    "transliterate",
]


# ======================================================================================
# Kazakh Latin inside mixed text
# ======================================================================================


def _convert_kazakh_latin_word(word: str, variant: str) -> str:
    """Latin → Cyrillic for one word of Kazakh Latin text; acronyms and English function
    words that are not Kazakh are kept."""
    if word in KAZAKH_LATIN_ACRONYMS:
        return KAZAKH_LATIN_ACRONYMS[word]
    if _is_acronym(word) and _kazakh_word_score(word) == 0.0:
        return word  # "OIC", "UNIFIL"
    if word.lower() in ENGLISH_WORDS:
        return word
    return _latn_word_to_cyrl(word, variant)


def _convert_kazakh_latin_runs(text: str) -> str:
    """Latin → Cyrillic for the Kazakh Latin words of a text that looks Kazakh.

    English stretches inside it (a quoted English title, say) and acronyms are kept.
    """
    variant = _latin_variant(text)
    out: list[str] = []
    pos = 0
    for (start, end), (kazakh, english) in zip(_latin_runs(text), _run_scores(text), strict=True):
        segment = text[start:end]
        out.append(text[pos:start])
        if english > kazakh and english >= 1.0:
            out.append(segment)  # an English stretch: kept
        else:
            out.append(
                _LATN_WORD.sub(lambda m: _convert_kazakh_latin_word(m.group(0), variant), segment)
            )
        pos = end
    out.append(text[pos:])
    return "".join(out)


# ======================================================================================
# The entry point
# ======================================================================================


def _kazakh_latin_to_cyrl(text: str) -> str:
    """The Kazakh Latin words of `text` in Cyrillic, if the text looks Kazakh at all."""
    return _convert_kazakh_latin_runs(text) if looks_like_kazakh_latin(text) else text


def _to_cyrl(text: str) -> str:
    return _kazakh_latin_to_cyrl(arab_to_cyrl(text))


def _to_arab(text: str) -> str:
    return cyrl_to_arab(_kazakh_latin_to_cyrl(text))


def _to_latn(text: str) -> str:
    return cyrl_to_latn(arab_to_cyrl(text))


_TARGETS: dict[str, Callable[[str], str]] = {"cyrl": _to_cyrl, "arab": _to_arab, "latn": _to_latn}


def transliterate(text: str, to: str = "cyrl") -> str:
    """Convert Kazakh `text` to the script `to`: "cyrl", "arab" or "latn".

    * ``"cyrl"``: Arabic-script words are read as Cyrillic; Latin words are converted
      only when the text looks like Kazakh Latin (:func:`looks_like_kazakh_latin`), and
      even then acronyms ("OIC") and English stretches stay as they are. Cyrillic, digits
      and punctuation are kept.
    * ``"arab"``: Cyrillic (and Kazakh Latin) → töte jazu; Arabic text is kept.
    * ``"latn"``: Cyrillic (and Arabic) → the 2021 Kazakh Latin alphabet; Latin is kept.

    Raises ValueError for any other target.
    """
    key = to.lower() if isinstance(to, str) else to
    try:
        convert = _TARGETS[key]
    except (KeyError, TypeError):
        raise ValueError(f"unknown target script {to!r}; use 'cyrl', 'arab' or 'latn'") from None
    return convert(unicodedata.normalize("NFC", text))
