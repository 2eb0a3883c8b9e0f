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
short list of proper names (:data:`PROPER_NAMES`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# --------------------------------------------------------------------------------------
# Cyrillic → Arabic (töte jazu)
# --------------------------------------------------------------------------------------

#: One Cyrillic letter → its töte spelling. Front and back vowels share a letter; the
#: hamza (see :data:`HAMZA`) marks front words. Russian-only letters get their usual
#: spellings in Kazakh Arabic script; ъ and ь are not written.
CYRL_TO_ARAB: dict[str, str] = {
    "а": "ا",
    "ә": "ا",
    "б": "ب",
    "в": "ۆ",
    "г": "گ",
    "ғ": "ع",
    "д": "د",
    "е": "ە",
    "ё": "يو",
    "ж": "ج",
    "з": "ز",
    "и": "ي",
    "й": "ي",
    "к": "ك",
    "қ": "ق",
    "л": "ل",
    "м": "م",
    "н": "ن",
    "ң": "ڭ",
    "о": "و",
    "ө": "و",
    "п": "پ",
    "р": "ر",
    "с": "س",
    "т": "ت",
    "у": "ۋ",
    "ұ": "ۇ",
    "ү": "ۇ",
    "ф": "ف",
    "х": "ح",
    "һ": "ھ",
    "ц": "تس",
    "ч": "چ",
    "ш": "ش",
    "щ": "شش",
    "ъ": "",
    "ы": "ى",
    "і": "ى",
    "ь": "",
    "э": "ە",
    "ю": "يۋ",
    "я": "يا",
}

#: The hamza written before a front-vowel word (U+0621 ARABIC LETTER HAMZA).
HAMZA = "ء"

#: Cyrillic letters that make a word "front" and need the hamza to be shown.
CYRL_FRONT_VOWELS = frozenset("әөүі")
#: Cyrillic letters whose Arabic spelling is front by itself: no hamza needed.
CYRL_FRONT_WITHOUT_HAMZA = frozenset("екгэ")

#: Punctuation: Cyrillic/Latin → Arabic (the reverse table is :data:`ARAB_PUNCTUATION`).
CYRL_TO_ARAB_PUNCTUATION: dict[str, str] = {",": "،", ";": "؛", "?": "؟"}

# --------------------------------------------------------------------------------------
# Arabic (töte jazu) → Cyrillic
# --------------------------------------------------------------------------------------

#: Letters with one reading.
ARAB_CONSONANTS: dict[str, str] = {
    "ب": "б",
    "پ": "п",
    "ت": "т",
    "ج": "ж",
    "چ": "ч",
    "ح": "х",
    "خ": "х",
    "د": "д",
    "ر": "р",
    "ز": "з",
    "ژ": "ж",
    "س": "с",
    "ش": "ш",
    "ع": "ғ",
    "غ": "ғ",
    "ف": "ф",
    "ق": "қ",
    "ك": "к",
    "گ": "г",
    "ڭ": "ң",
    "ل": "л",
    "م": "м",
    "ن": "н",
    "ھ": "һ",
    "ۆ": "в",
    "ۋ": "у",
    "ە": "е",
    # Letters of Arabic loanwords, not in the Kazakh alphabet, read by sound.
    "ث": "с",
    "ذ": "з",
    "ص": "с",
    "ض": "з",
    "ط": "т",
    "ظ": "з",
}

#: Letters with a back and a front reading: (back, front).
ARAB_VOWELS: dict[str, tuple[str, str]] = {
    "ا": ("а", "ә"),
    "و": ("о", "ө"),
    "ۇ": ("ұ", "ү"),
    "ى": ("ы", "і"),
}

#: ي is и or й (and starts я, ю); see :func:`_read_yeh`.
ARAB_YEH = "ي"

#: Variant code points folded to the letters above before reading.
ARAB_VARIANTS: dict[str, str] = {
    "ه": "ە",  # Arabic heh typed for Kazakh е
    "ک": "ك",  # Persian keheh
    "ی": "ي",  # Persian yeh
    "ې": "ە",
    "إ": "ا",
    "آ": "ا",
    "ة": "ە",
}

#: Precomposed letters that carry the front-vowel hamza themselves (or a letter written
#: with a hamza on it): they make the whole word front.
ARAB_FRONT_LETTERS: dict[str, str] = {
    "ٵ": "ا",  # U+0675 high hamza alef: ә
    "ٶ": "و",  # U+0676 high hamza waw: ө
    "ٷ": "ۇ",  # U+0677 high hamza u: ү
    "ٸ": "ى",  # U+0678 high hamza yeh: і
    "أ": "ا",
    "ؤ": "و",
}

#: Hamza marks: U+0621 (the usual one), U+0674 high hamza, U+0654 combining hamza above,
#: U+0626 yeh with hamza (typed for the hamza by some keyboards).
ARAB_HAMZAS = frozenset("ءٴٔئ")

#: Letters that make the vowels around them front (е, к, г) or back (қ, ғ).
ARAB_FRONT_CUES = frozenset("ەكگ")
ARAB_BACK_CONSONANTS = frozenset("قعغ")

#: Letters typical of Russian and European loanwords (в, ф, х, ч): such words do not obey
#: Kazakh vowel harmony.
ARAB_LOAN_LETTERS = frozenset("ۆفحچ")

#: Arabic punctuation and digits → ASCII.
ARAB_PUNCTUATION: dict[str, str] = {
    "،": ",",
    "؛": ";",
    "؟": "?",
    "٪": "%",
    "۔": ".",
    "ـ": "",  # tatweel (letter stretching), not a letter
    **{chr(0x0660 + d): str(d) for d in range(10)},
    **{chr(0x06F0 + d): str(d) for d in range(10)},
}

#: Back-stem suffixes that are always written with е: "Қазақстанмен", "ұйыммен". They do
#: not make the stem front.
ARAB_INVARIANT_SUFFIXES = ("مەن", "بەن", "پەن")

#: Proper names restored with a capital letter (Arabic script has no case). Matched on
#: the start of the Cyrillic word, so inflected forms are capitalised too.
PROPER_NAMES = (
    "қазақстан",
    "астана",
    "алматы",
    "ресей",
    "қытай",
    "түркия",
    "иран",
    "ауғанстан",
    "пәкістан",
    "өзбекстан",
    "қырғызстан",
    "тәжікстан",
    "түрікменстан",
    "әзербайжан",
    "азербайжан",
    "марокко",
    "мысыр",
    "египет",
    "ирак",
    "сирия",
    "палестина",
    "израиль",
    "иерусалим",
    "ерусалим",
    "мекке",
    "сауд арабия",
    "америка",
    "еуропа",
    "азия",
    "африка",
    "мәскеу",
    "бейжің",
    "шыңжаң",
    "моңғолия",
    "нұрсұлтан",
    "назарбаев",
    "тоқаев",
)

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
#: Letters whose presence marks each Latin variant.
LATN_2021_MARKERS = frozenset("äöüğşıñūİ")
LATN_2018_MARKERS = frozenset("áóúǵńý")

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

_ARAB_LETTER_CLASS = (
    "\u0621-\u063a\u0641-\u064a\u0654\u066e-\u06d5\u0674-\u0678\ufb50-\ufdff\ufe70-\ufefc"
)
_ARAB_WORD = re.compile(f"[{_ARAB_LETTER_CLASS}]+")
_ARAB_PUNCT = re.compile("[" + "".join(ARAB_PUNCTUATION) + "]")
_CYRL_WORD = re.compile("[\u0400-\u04ff\u0500-\u052fəƏ]+")
_LATN_LETTER_CLASS = "A-Za-z\u00c0-\u024f\u1e00-\u1eff"
_LATN_WORD = re.compile(f"[{_LATN_LETTER_CLASS}]+(?:[{LATN_APOSTROPHES}][{_LATN_LETTER_CLASS}]*)*")
_LATN_APOSTROPHE_PAIR = re.compile(f"[agnoucsyi][{LATN_APOSTROPHES}]", re.IGNORECASE)
# Where a run of Latin words ends: anything that is not a Latin word, a space, a hyphen
# or a comma.
_LATN_RUN_BREAK = re.compile(f"[^{_LATN_LETTER_CLASS}{LATN_APOSTROPHES}\\s,\\-]")

SCRIPTS = ("Cyrl", "Arab", "Latn")


# ======================================================================================
# Script detection
# ======================================================================================


def _script_of(ch: str) -> str | None:
    """The script of one letter ("Cyrl", "Arab", "Latn"), or None for non-letters."""
    if not ch.isalpha():
        return None
    code = ord(ch)
    if 0x0400 <= code <= 0x052F:
        return "Cyrl"
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "Arab"
    if ch.isascii() or 0x00C0 <= code <= 0x024F or 0x1E00 <= code <= 0x1EFF:
        return "Latn"
    return None


def detect_script(text: str) -> str:
    """The script most letters of `text` are in: "Cyrl", "Arab", "Latn" or "Zyyy".

    "Zyyy" (Unicode's code for "common") means there are no letters at all. Ties go to
    Cyrillic, then Arabic, then Latin.
    """
    counts = dict.fromkeys(SCRIPTS, 0)
    for ch in text:
        script = _script_of(ch)
        if script is not None:
            counts[script] += 1
    best = max(SCRIPTS, key=lambda s: counts[s])  # max keeps the first of equals
    return best if counts[best] else "Zyyy"


# ======================================================================================
# Cyrillic → Arabic
# ======================================================================================


_CYRL_VOWELS_BEFORE_YE = frozenset("аәоөұүыіэя")


def _cyrl_word_to_arab(word: str) -> str:
    lower = word.lower().replace("ə", "ә")
    letters = set(lower)
    needs_hamza = bool(letters & CYRL_FRONT_VOWELS) and not letters & CYRL_FRONT_WITHOUT_HAMZA
    out: list[str] = []
    for i, ch in enumerate(lower):
        nxt = lower[i + 1] if i + 1 < len(lower) else ""
        if ch == "и" and nxt == "я":
            continue  # ия → يا: the ي of я serves both letters
        if ch == "е" and i and lower[i - 1] in _CYRL_VOWELS_BEFORE_YE:
            out.append(ARAB_YEH + "ە")  # е after a vowel is йе: "Назарбаев" → نازاربايەۆ
            continue
        out.append(CYRL_TO_ARAB.get(ch, ch))
    arab = "".join(out)
    return HAMZA + arab if needs_hamza and arab else arab


def _punctuation_to_arab(text: str) -> str:
    """, ; ? → ، ؛ ؟ where the last letter before them is Arabic script (so English
    sentences and numbers like "1,5" keep theirs)."""
    out: list[str] = []
    arabic = False  # is the last letter seen Arabic script?
    for i, ch in enumerate(text):
        if ch.isalpha():
            arabic = _script_of(ch) == "Arab"
        elif ch in CYRL_TO_ARAB_PUNCTUATION and arabic:
            in_number = ch == "," and 0 < i < len(text) - 1 and text[i + 1].isdigit()
            if not in_number:
                ch = CYRL_TO_ARAB_PUNCTUATION[ch]
        out.append(ch)
    return "".join(out)


def cyrl_to_arab(text: str) -> str:
    """Cyrillic Kazakh → Arabic script (töte jazu).

    Each Cyrillic word is spelled letter by letter (:data:`CYRL_TO_ARAB`); a word with
    front vowels (ә, ө, ү, і) gets the hamza ``ء`` in front unless it contains е, к or г,
    whose letters already show it is front. ``ия`` is written ``يا``; е after a vowel is
    ``يە``. Commas, semicolons and question marks after Arabic-script words become ، ؛ ؟.
    Everything that is not Cyrillic is left as it is.
    The Latin "ə" that PDFs use for "ә" is read as "ә".
    """
    text = unicodedata.normalize("NFC", text)
    text = _CYRL_WORD.sub(lambda m: _cyrl_word_to_arab(m.group(0)), text)
    return _punctuation_to_arab(text)


# ======================================================================================
# Arabic → Cyrillic
# ======================================================================================

_ARAB_VOWEL_LETTERS = frozenset("اوۇىە")
_NONFIRST_BACK = "او"


def _is_vowel_at(letters: list[str], i: int) -> bool:
    """Whether letters[i] is a vowel (ي counts as the vowel и between consonants)."""
    ch = letters[i]
    if ch in _ARAB_VOWEL_LETTERS:
        return True
    if ch == ARAB_YEH:
        prev = letters[i - 1] if i else ""
        nxt = letters[i + 1] if i + 1 < len(letters) else ""
        return prev not in _ARAB_VOWEL_LETTERS and nxt not in _ARAB_VOWEL_LETTERS
    return False


def _looks_like_loanword(letters: list[str], vowel_index: list[int]) -> bool:
    """Whether a word with front letters is a Russian/European loan, not Kazakh.

    Kazakh words never start with two consonants and rarely use в, ф, х, ч, or и before
    a vowel ("-ия").
    """
    if set(letters) & ARAB_LOAN_LETTERS:
        return True
    vowels = [ch for i, ch in enumerate(letters) if vowel_index[i] >= 0]
    if ARAB_YEH in vowels and any(ch in "او" for ch in vowels[vowels.index(ARAB_YEH) + 1 :]):
        return True  # и then а/о: "палестина", "капитал", "тактика"
    if vowels and vowels[0] == "و" and ARAB_YEH in vowels:
        return True  # о then и: "комитет", "доктрина" (Kazakh ө-words have no и)
    if "نك" in "".join(letters):
        return True  # н before к: "банк" (Kazakh writes ңк)
    if vowels.count("و") > 1:
        return True  # о twice: "координатор", "экономика"
    if len(letters) > 2 and vowel_index[0] < 0 and vowel_index[1] < 0 and letters[1] != "ۋ":
        return True  # two consonants at the start: "стратегия", "президент"
    return any(
        ch == ARAB_YEH
        and 0 < i < len(letters) - 1
        and letters[i + 1] in "اوۋ"
        and letters[i - 1] not in _ARAB_VOWEL_LETTERS
        for i, ch in enumerate(letters)
    )


def _next_vowel(letters: list[str], i: int) -> str:
    """The next vowel letter after letters[i] ("" if none)."""
    return next((ch for ch in letters[i + 1 :] if ch in _ARAB_VOWEL_LETTERS), "")


def _read_yeh(letters: list[str], i: int) -> tuple[str, int]:
    """Read ي at letters[i]: и, й, я (يا), ия, ю (يۋ). Returns (text, letters used)."""
    prev = letters[i - 1] if i else ""
    nxt = letters[i + 1] if i + 1 < len(letters) else ""
    after_vowel = prev in _ARAB_VOWEL_LETTERS or prev == ARAB_YEH
    if nxt == "ۋ":
        return "ю", 2
    if nxt == "ا":
        return ("я" if after_vowel or not prev else "ия"), 2
    after_next = letters[i + 2] if i + 2 < len(letters) else ""
    if nxt == "ە" and after_next == "ۆ" and prev in ("ا", "و"):
        return "", 1  # the surname ending -аев/-оев is spelled without й: "Назарбаев"
    return ("й" if after_vowel else "и"), 1


def _arab_letters(word: str) -> tuple[list[str], bool]:
    """The letters of an Arabic-script word with variants folded, and whether it had a
    front-vowel hamza (written separately or on a precomposed letter)."""
    hamza = False
    letters: list[str] = []
    for ch in unicodedata.normalize("NFKC", word):  # presentation forms → letters
        if ch in ARAB_HAMZAS:
            hamza = True
        elif ch in ARAB_FRONT_LETTERS:
            hamza = True
            letters.append(ARAB_FRONT_LETTERS[ch])
        else:
            folded = ARAB_VARIANTS.get(ch, ch)
            if folded == HAMZA:
                hamza = True
            else:
                letters.append(folded)
    return letters, hamza


def _harmony_mode(letters: list[str], vowel_index: list[int], hamza: bool) -> str:
    """How to read the word's vowels: "front", "back" or "loan" (see arab_to_cyrl)."""
    if hamza:
        return "front"
    stem = "".join(letters)
    for suffix in ARAB_INVARIANT_SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix) + 1:
            stem = stem[: -len(suffix)]
            break
    if not set(stem) & ARAB_FRONT_CUES:
        return "back"
    if _looks_like_loanword(letters, vowel_index):
        return "loan"
    return "front"


def _initial_frontness(letters: list[str], vowel_index: list[int], mode: str, hamza: bool) -> bool:
    """Frontness of the first vowels: the first letter in the word that decides it."""
    if mode == "back":
        return False
    if hamza:
        return True
    for i, ch in enumerate(letters):
        if ch in ARAB_FRONT_CUES:
            return True
        if ch in "او" and (vowel_index[i] > 0 or mode == "loan"):
            return False
        if mode == "loan" and ch == ARAB_YEH and vowel_index[i] >= 0:
            return True
    return True


def _vowel_frontness(
    letters: list[str], vowel_index: list[int], i: int, mode: str, state: bool
) -> tuple[bool, bool]:
    """(is letters[i] front, the harmony state for the vowels after it)."""
    ch = letters[i]
    prev = letters[i - 1] if i else ""
    nxt = letters[i + 1] if i + 1 < len(letters) else ""
    near = {prev, nxt}
    later_syllable = vowel_index[i] > 0
    if mode == "back":
        return False, False
    if mode == "loan":
        if ch in "او":
            return False, False  # loans keep а and о: "конференция", "политика"
        if near & ARAB_BACK_CONSONANTS:
            return False, state
        return bool(near & {"ك", "گ"}) or state, state
    if ch == "ا" and later_syllable and prev in ("ك", "گ"):
        return True, True  # кә/гә: "өнеркәсіп" (Kazakh has no ка/га)
    if ch == "و" and later_syllable and _next_vowel(letters, i) == "ە":
        return True, True  # "келіссөздер"
    if ch in _NONFIRST_BACK and later_syllable:
        return False, False  # а/о after the first syllable: a back part, "Елбасы"
    if near & ARAB_BACK_CONSONANTS:
        return False, state  # next to қ/ғ: "көзқарас", "қазір"
    if near & {"ك", "گ"}:
        return True, True
    return state, state


def _arab_word_to_cyrl(word: str) -> str:
    """Read one Arabic-script word (a run of Arabic letters) as Cyrillic."""
    letters, hamza = _arab_letters(word)
    if not letters:
        return ""
    # vowel_index[i]: which syllable letters[i] is the vowel of (0 = first), -1 if none.
    vowel_index: list[int] = []
    count = 0
    for i in range(len(letters)):
        vowel = _is_vowel_at(letters, i)
        vowel_index.append(count if vowel else -1)
        count += vowel
    mode = _harmony_mode(letters, vowel_index, hamza)
    front = _initial_frontness(letters, vowel_index, mode, hamza)

    out: list[str] = []
    i = 0
    if letters[0] == "ە" and len(letters) > 2 and letters[1] != "ۋ":
        if mode == "loan" or letters[1:3] == ["ك", "س"]:
            out.append("э")  # "экономика", "экспорт"; but "Еуропа"
            i = 1
    elif len(letters) > 3 and letters[:3] == ["ك", "و", "پ"] and vowel_index[3] < 0:
        # The compound element көп- ("көпвекторлы", "көпжақты", "көпұлтты"): the rest is
        # read as a word of its own unless it is only a suffix ("көптің").
        if len(letters) >= 7:
            return "көп" + _arab_word_to_cyrl("".join(letters[3:]))
        out.append("көп")
        front, i = True, 3
    while i < len(letters):
        ch = letters[i]
        nxt = letters[i + 1] if i + 1 < len(letters) else ""
        after_next = letters[i + 2] if i + 2 < len(letters) else ""
        if ch == "ت" and nxt == "س" and (i == 0 or after_next == ARAB_YEH):
            out.append("ц")  # тс: "центр" (no Kazakh word starts so), "-ция" words
            i += 2
        elif ch == ARAB_YEH:
            text, used = _read_yeh(letters, i)
            if nxt == "ا" and mode != "back":
                front = False  # я is always йа
            elif text == "и" and mode == "loan":
                front = True
            out.append(text)
            i += used
        elif ch == "ۇ" and not nxt and vowel_index[i] > 0:
            out.append("ұ")  # no Kazakh word ends in ұ/ү: an acronym's Ұ (ұйым), "ИКҰ"
            i += 1
        elif ch in ARAB_VOWELS:
            is_front, front = _vowel_frontness(letters, vowel_index, i, mode, front)
            back_reading, front_reading = ARAB_VOWELS[ch]
            out.append(front_reading if is_front else back_reading)
            i += 1
        else:
            if ch in ARAB_FRONT_CUES and mode != "back" and not (ch == "ە" and nxt == "ۆ"):
                front = True  # (but the surname ending -ев keeps harmony: "Тоқаевтың")
            out.append(ARAB_CONSONANTS.get(ch, ch))
            i += 1
    return "".join(out)


def _capitalise_names(word: str) -> str:
    if word.startswith(PROPER_NAMES):
        return word[:1].upper() + word[1:]
    return word


def arab_to_cyrl(text: str) -> str:
    """Arabic-script Kazakh (töte jazu) → Cyrillic.

    Letters are read by the tables above. Vowel frontness: a word with the hamza, or
    with е/к/г (``ە ك گ``; a final -мен/-бен/-пен does not count), is front; otherwise
    back. Inside front words a vowel next to қ/ғ (``ق ع``) is back, and а/о after the
    first syllable start a back part (compounds like "көзқарас", "Елбасы"). Words that
    look like Russian loans (в ф х ч, "-ия", two consonants at the start, и before а/о)
    keep а/о and start with э rather than е. ``ي`` is й after a vowel and и otherwise;
    ``يا`` is я (ия after a consonant); ``يۋ`` is ю; ``تس`` is ц at the start of a word
    and before и. Arabic punctuation and digits become ASCII; presentation forms (from
    PDFs) are folded first. Non-Arabic text is left as it is. Output is lower case except
    for :data:`PROPER_NAMES`.
    """
    text = unicodedata.normalize("NFC", text)
    text = _ARAB_WORD.sub(lambda m: _capitalise_names(_arab_word_to_cyrl(m.group(0))), text)
    return _ARAB_PUNCT.sub(lambda m: ARAB_PUNCTUATION[m.group(0)], text)


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
