"""Kazakh in Arabic script (töte jazu) ↔ Cyrillic: :func:`arab_to_cyrl`, :func:`cyrl_to_arab`.

Arabic script (töte jazu, used by Kazakhs in China, Mongolia, Iran, Afghanistan) is a
full alphabet: every vowel is written. Four letters stand for a back/front vowel pair
(``ا`` а/ә, ``و`` о/ө, ``ۇ`` ұ/ү, ``ى`` ы/і); which one is meant follows from vowel
harmony. A word with front vowels starts with the hamza ``ء`` unless it already contains
``ە`` (е), ``ك`` (к) or ``گ`` (г), which are front by themselves.

Arabic script has no letter case, so Arabic → Cyrillic output is lower case apart from a
short list of proper names (:data:`PROPER_NAMES`).
"""

from __future__ import annotations

import re
import unicodedata

from qa.text.script_detection import _CYRL_WORD, _script_of

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
# Regular expressions
# --------------------------------------------------------------------------------------

_ARAB_LETTER_CLASS = (
    "\u0621-\u063a\u0641-\u064a\u0654\u066e-\u06d5\u0674-\u0678\ufb50-\ufdff\ufe70-\ufefc"
)
_ARAB_WORD = re.compile(f"[{_ARAB_LETTER_CLASS}]+")
_ARAB_PUNCT = re.compile("[" + "".join(ARAB_PUNCTUATION) + "]")


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
