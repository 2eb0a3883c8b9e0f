"""Kazakh in Latin letters ↔ Cyrillic: :func:`latn_to_cyrl`, :func:`cyrl_to_latn`.

Latin script: the official 2021 alphabet (ä ğ ı ñ ö q ş ū ü y ...), the earlier 2017
(apostrophes) and 2018 (acute accents) alphabets, and the informal spellings people type
without diacritics (sh, zh, kh, gh, ng, q, y, w).

:func:`latn_to_cyrl` converts every Latin word it finds; whether Latin text is Kazakh at
all is decided in :mod:`qa.text.latin_or_english`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from qa.text.script_detection import _CYRL_WORD

# --------------------------------------------------------------------------------------
# Latin ↔ Cyrillic
# --------------------------------------------------------------------------------------

#: Cyrillic → official Kazakh Latin alphabet of 2021. и and й are both "i"; і is the
#: dotless "ı" (capital "I"), и/й capital is "İ".
CYRL_TO_LATN: dict[str, str] = {
    "а": "a",
    "ә": "ä",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "ğ",
    "д": "d",
    "е": "e",
    "ё": "io",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "қ": "q",
    "л": "l",
    "м": "m",
    "н": "n",
    "ң": "ñ",
    "о": "o",
    "ө": "ö",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ұ": "ū",
    "ү": "ü",
    "ф": "f",
    "х": "h",
    "һ": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "ş",
    "щ": "şş",
    "ъ": "",
    "ы": "y",
    "і": "ı",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
}

#: Latin letters with a single Cyrillic reading in every Kazakh Latin alphabet (2021
#: letters, 2018 acute letters) and in informal typing.
LATN_LETTERS: dict[str, str] = {
    "a": "а",
    "ä": "ә",
    "á": "ә",
    "b": "б",
    "d": "д",
    "e": "е",
    "é": "е",
    "f": "ф",
    "g": "г",
    "ğ": "ғ",
    "ǵ": "ғ",
    "h": "х",
    "j": "ж",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "ñ": "ң",
    "ń": "ң",
    "ŋ": "ң",
    "o": "о",
    "ö": "ө",
    "ó": "ө",
    "p": "п",
    "q": "қ",
    "r": "р",
    "s": "с",
    "ş": "ш",
    "ç": "ч",
    "t": "т",
    "ū": "ұ",
    "ü": "ү",
    "ú": "ү",
    "v": "в",
    "w": "у",
    "x": "кс",
    "ý": "у",
    "z": "з",
    "ə": "ә",
}

#: Two-letter spellings (2018 alphabet and informal typing).
LATN_DIGRAPHS: dict[str, str] = {
    "sh": "ш",
    "ch": "ч",
    "zh": "ж",
    "kh": "х",
    "gh": "ғ",
}

#: 2017 alphabet: a letter followed by an apostrophe.
LATN_APOSTROPHE_LETTERS: dict[str, str] = {
    "a": "ә",
    "g": "ғ",
    "n": "ң",
    "o": "ө",
    "u": "ү",
    "y": "у",
    "s": "ш",
    "c": "ч",
    "i": "и",
}
LATN_APOSTROPHES = "'’ʼ`´"

#: Letters whose presence marks each Latin variant.
LATN_2021_MARKERS = frozenset("äöüğşıñūİ")
LATN_2018_MARKERS = frozenset("áóúǵńý")

# --------------------------------------------------------------------------------------
# Regular expressions
# --------------------------------------------------------------------------------------

_LATN_LETTER_CLASS = "A-Za-z\u00c0-\u024f\u1e00-\u1eff"
_LATN_WORD = re.compile(f"[{_LATN_LETTER_CLASS}]+(?:[{LATN_APOSTROPHES}][{_LATN_LETTER_CLASS}]*)*")
_LATN_APOSTROPHE_PAIR = re.compile(f"[agnoucsyi][{LATN_APOSTROPHES}]", re.IGNORECASE)


# ======================================================================================
# Cyrillic → Latin
# ======================================================================================


def _cyrl_word_to_latn(word: str) -> str:
    word = word.replace("ə", "ә").replace("Ə", "Ә")
    all_upper = len(word) > 1 and word.isupper()
    out: list[str] = []
    for i, ch in enumerate(word):
        lower = ch.lower()
        latin = CYRL_TO_LATN.get(lower, ch)
        if ch != lower and latin:
            if lower in "ий":
                latin = "İ"
            elif lower == "і":
                latin = "I"
            elif all_upper or (i + 1 < len(word) and word[i + 1].isupper()):
                latin = latin.upper()
            else:
                latin = latin[0].upper() + latin[1:]
        out.append(latin)
    return "".join(out)


def cyrl_to_latn(text: str) -> str:
    """Cyrillic Kazakh → the official Kazakh Latin alphabet of 2021.

    ә ä, ғ ğ, і ı (capital I), и/й i (capital İ), ң ñ, ө ö, қ q, ш ş, ұ ū, ү ü, у u,
    ы y, ж j, х/һ h; Russian letters: ц ts, ч ch, щ şş, я ia, ю iu, ё io, э e; ъ and ь are
    dropped. Non-Cyrillic text is left as it is.
    """
    text = unicodedata.normalize("NFC", text)
    return _CYRL_WORD.sub(lambda m: _cyrl_word_to_latn(m.group(0)), text)


# ======================================================================================
# Latin → Cyrillic
# ======================================================================================

_LATN_VOWELS = frozenset("aäáeéioöóuüúūyıý")
_LATN_BACK_VOWELS = frozenset("aouyū")
_LATN_FRONT_VOWELS = frozenset("eäáöóüúı")


def _latin_variant(text: str) -> str:
    """Which Kazakh Latin alphabet `text` is in: "2021", "2018", "2017" or "informal"."""
    letters = set(text) | set(text.lower())
    if letters & (LATN_2021_MARKERS - {"ı"}):
        return "2021"
    if letters & LATN_2018_MARKERS:
        return "2018"  # (2018 also has ı, for и/й)
    if "ı" in letters:
        return "2021"
    if any(
        m.end() == len(text) or text[m.end()].isalpha()
        for m in _LATN_APOSTROPHE_PAIR.finditer(text)
    ):
        return "2017"
    return "informal"


def _match_case(source: str, cyrillic: str, word_all_upper: bool) -> str:
    """Give `cyrillic` the letter case of the Latin `source` letters it was read from."""
    if word_all_upper:
        return cyrillic.upper()
    if not cyrillic or not source[:1].isupper():
        return cyrillic
    return cyrillic[0].upper() + cyrillic[1:]


@dataclass(frozen=True)
class _LatinWord:
    """One Latin word being read: its lower-case letters and what is known of it."""

    lower: str
    variant: str  # "2021", "2018", "2017" or "informal" (the whole text's)
    front: bool  # looks like a front-vowel (soft) word
    back: bool  # has back vowels only

    @classmethod
    def of(cls, word: str, variant: str) -> _LatinWord:
        """Frontness comes from the first vowel that tells (o, u, i are both front and
        back when typed without diacritics): "otken" is front, "Somalige" back."""
        lower = "".join(ch.lower()[0] for ch in word)  # "İ".lower() is two characters
        letters = set(lower)
        telling = [ch for ch in lower if ch in _LATN_FRONT_VOWELS or ch in "aāyū"]
        if telling:
            front = telling[0] in _LATN_FRONT_VOWELS
        else:  # "bilim", "ushin", "kun" (күн) but "bul", "qus"
            front = "i" in letters or (bool(letters & {"k", "g"}) and "q" not in letters)
        vowels = letters & _LATN_VOWELS
        return cls(lower, variant, front, not front and bool(vowels & _LATN_BACK_VOWELS))

    def at(self, i: int) -> str:
        return self.lower[i] if 0 <= i < len(self.lower) else ""

    def vowel_at(self, i: int) -> bool:
        return self.at(i) != "" and self.at(i) in _LATN_VOWELS


def _read_latin(word: _LatinWord, i: int, syllable: int, original: str) -> tuple[int, str]:
    """Read the Latin letter(s) at `i`: (how many letters were read, the Cyrillic)."""
    ch, nxt, variant = word.at(i), word.at(i + 1), word.variant
    informal = variant == "informal"
    after_vowel = word.vowel_at(i - 1)
    if ch in LATN_APOSTROPHES:
        return 1, ""
    if variant == "2017" and ch in LATN_APOSTROPHE_LETTERS and nxt and nxt in LATN_APOSTROPHES:
        if ch == "i":
            return 2, "й" if after_vowel else "и"
        return 2, LATN_APOSTROPHE_LETTERS[ch]
    pair = ch + nxt
    if pair in LATN_DIGRAPHS:
        return 2, LATN_DIGRAPHS[pair]
    if informal and pair == "ng" and not word.at(i + 2).isalpha():
        return 2, "ң"  # "jang", "meng": ң typed as ng at the end of a word
    if ch == "i" or (ch == "ı" and variant == "2018"):
        cyr = _read_latin_i(word, i, original)
        if cyr in ("и", "й") and nxt == "a":
            return 2, "я" if after_vowel or i == 0 or word.at(i - 1) == "i" else "ия"
        if cyr in ("и", "й") and nxt == "u" and not informal:
            return 2, "ю" if after_vowel or i == 0 else "ию"
        return 1, cyr
    if ch == "ı":
        return 1, "і"
    if ch == "u":
        return 1, _read_latin_u(word, i, syllable)
    if ch == "y":
        if informal and (after_vowel or i == 0) and nxt in ("a", "u"):
            return 2, "я" if nxt == "a" else "ю"  # "yagni"
        if informal and after_vowel and word.at(i - 1) not in "iy" and not word.vowel_at(i + 1):
            return 1, "й"  # "qanday", "aytty"
        return 1, "ы"
    if ch == "c":
        return 1, "с" if nxt in ("e", "i", "y") else "к"
    if informal and ch == "o" and word.front and syllable == 0:
        return 1, "ө"  # "otken"
    if informal and ch == "g" and word.back and nxt not in _LATN_FRONT_VOWELS | {"i"}:
        return 1, "ғ"  # "toragalygy", "bagdarlama"; but "Somalige"
    return 1, LATN_LETTERS.get(ch, original[i])


def _read_latin_i(word: _LatinWord, i: int, original: str) -> str:
    """и, й or і for the Latin letter i (or ı in the 2018 alphabet) at `i`."""
    after_vowel = word.vowel_at(i - 1) and word.at(i - 1) not in "iı"
    if word.variant in ("2017", "2018") and word.at(i) == "i":
        return "і"
    if word.variant == "2021" and original[i] == "I" and word.front:
        return "і"  # 2021 capital I is І (И is İ); "Islam" is typed with I all the same
    if word.variant in ("2021", "2018") or after_vowel:
        return "й" if after_vowel else "и"
    return "і" if word.front else "и"  # informal: "bilim", "kim" but "Islam", "Somali"


def _read_latin_u(word: _LatinWord, i: int, syllable: int) -> str:
    """у, ұ or ү for the Latin letter u at `i`."""
    if word.variant in ("2017", "2018"):
        return "ұ"
    if word.variant == "2021":
        return "у"
    nxt = word.at(i + 1)
    if word.vowel_at(i - 1) or (word.vowel_at(i + 1) and nxt not in "iy"):
        return "у"  # "qatysuy", "uaqyt"
    if syllable == 0:
        return "ү" if word.front else "ұ"  # "ulken", "uiym", "bul", "jumys"
    return "у"


def _latn_word_to_cyrl(word: str, variant: str) -> str:
    """Read one Latin word as Cyrillic, `variant` being the alphabet of the whole text."""
    reading = _LatinWord.of(word, variant)
    all_upper = len(word) > 1 and word.isupper()
    pieces: list[str] = []
    i = syllable = 0
    while i < len(word):
        used, cyr = _read_latin(reading, i, syllable, word)
        pieces.append(_match_case(word[i : i + used], cyr, all_upper))
        syllable += any(c in "аәеиоөұүыіэюяу" for c in cyr)
        i += used
    return "".join(pieces)


def latn_to_cyrl(text: str) -> str:
    """Kazakh Latin → Cyrillic, for every Latin word in `text`.

    Reads the 2021 alphabet (ä ğ ı ñ ö q ş ū ü; i = и/й, ı = і, u = у, y = ы), the 2018
    one (á ǵ ń ó ú ý, sh, ch; ı = и/й, i = і, u = ұ), the 2017 one (a' g' n' o' u' y' s'
    c' i') and informal typing (sh ch zh kh gh, q, j, w, y = ы, "ng" at the end of a
    word = ң; i and u guessed from vowel harmony). Letter case is kept. Converts
    unconditionally: use :func:`transliterate` to leave English words alone.
    """
    text = unicodedata.normalize("NFC", text)
    variant = _latin_variant(text)
    return _LATN_WORD.sub(lambda m: _latn_word_to_cyrl(m.group(0), variant), text)
