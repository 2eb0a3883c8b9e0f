"""Text normalisation for matching (search, citation checks), never for display.

The corpus arrives with the usual scars of Kazakh text on the web and in PDFs:
Latin look-alike letters inside Cyrillic words (`ə` for `ә`, Latin `i`, `c`, `o`),
words broken by PDF line-break hyphens (`ис-\\nлам`) or split by spaces
(`Қа зақ стан`), sentences glued with `..`, bibliography marks like `[5]` that
would look like our citations, and ragged whitespace. `clean_text`
repairs them so the same word always looks the same to BM25, embeddings and the
citation checker. Users always see the original characters.

Bump CLEANING_VERSION whenever the output of `clean_text` changes: indexes record it
and are rebuilt when it differs.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable

CLEANING_VERSION = "4"

# Latin letters that look like Cyrillic ones. Mapped only inside words that are
# mostly Cyrillic, so English words and acronyms stay as they are.
LATIN_TO_CYRILLIC = str.maketrans(
    {
        "ə": "ә", "Ə": "Ә", "a": "а", "A": "А", "c": "с", "C": "С", "e": "е", "E": "Е",
        "i": "і", "I": "І", "o": "о", "O": "О", "p": "р", "P": "Р", "x": "х", "X": "Х",
        "y": "у", "Y": "У", "k": "к", "K": "К", "h": "һ", "H": "Н", "T": "Т", "B": "В",
        "M": "М",
    }
)  # fmt: skip
CYRILLIC_TO_LATIN = str.maketrans(
    {
        "а": "a", "А": "A", "с": "c", "С": "C", "е": "e", "Е": "E", "о": "o", "О": "O",
        "р": "p", "Р": "P", "х": "x", "Х": "X", "у": "y", "к": "k", "К": "K", "Т": "T",
        "В": "B", "М": "M", "Н": "H", "і": "i", "І": "I",
    }
)  # fmt: skip

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# A bibliography reference such as "[5]": it would read as one of our citation marks.
_REFERENCE = re.compile(r"\s*\[\d+(?:\s*[,–-]\s*\d+)*\]")
# A line that ends in a hyphen glued to a word, continued on the next line.
_LINE_BREAK_HYPHEN = re.compile(r"(\w)-[ \t]*\n[ \t]*(\w)")
# A hyphen followed by a run of spaces inside a line: a re-flowed PDF break.
_SPACED_HYPHEN = re.compile(r"(\w)-[ \t]{2,}(\w)")
# Two dots gluing sentences: "араласуда..Бүгінгі", "негіздеген:.Бұған".
_GLUED_DOTS = re.compile(r"(?<=[\w»\")\]])\.\.(?=[^\s.])")
_GLUED_PUNCT_DOT = re.compile(r"(?<=[:;,])\.(?=\S)")


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff" or ch in "əƏ"


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


def fix_lookalikes(text: str) -> str:
    """Map look-alike letters to the script that dominates each word."""

    def repair(match: re.Match[str]) -> str:
        word = match.group(0)
        cyr = sum(_is_cyrillic(c) for c in word)
        lat = sum(_is_latin(c) for c in word)
        if cyr and lat:
            return word.translate(LATIN_TO_CYRILLIC if cyr >= lat else CYRILLIC_TO_LATIN)
        if "ə" in word or "Ə" in word:  # a lone Latin schwa is always Kazakh ә here
            return word.translate(LATIN_TO_CYRILLIC) if not lat else word
        return word

    return _WORD.sub(repair, text)


def join_line_break_hyphens(text: str, vocabulary: Counter[str] | None = None) -> str:
    """`ис-\\nлам` → `ислам`; a real compound seen elsewhere (`іс-шара`) keeps its hyphen."""

    def join(match: re.Match[str]) -> str:
        left_end = match.start()
        left = re.search(r"\w+$", text[: left_end + 1])
        right = re.match(r"\w+", text[match.end() - 1 :])
        if vocabulary and left and right:
            hyphenated = f"{left.group(0)}-{right.group(0)}".lower()
            if vocabulary.get(hyphenated, 0) > 0:
                return f"{match.group(1)}-{match.group(2)}"
        return match.group(1) + match.group(2)

    text = _LINE_BREAK_HYPHEN.sub(join, text)
    return _SPACED_HYPHEN.sub(r"\1\2", text)


def join_split_words(text: str, vocabulary: Counter[str]) -> str:
    """Re-join words a PDF split with spaces (`Қа зақ стан` → `Қазақстан`).

    Two or three neighbouring pieces are joined when the joined form is a word seen in
    the vocabulary and some piece is rare on its own (seen no more often than the joined
    word, or at most twice), so ordinary word pairs (`Қазақстан мен`) are not merged.
    """
    parts = re.split(r"([ \t]+)", text)
    out: list[str] = []
    i = 0
    while i < len(parts):
        for span in (3, 2):
            pieces = parts[i : i + 2 * span - 1 : 2]
            if len(pieces) == span and _joinable(pieces, vocabulary):
                out.append("".join(pieces))
                i += 2 * span - 1
                break
        else:
            out.append(parts[i])
            i += 1
    return "".join(out)


_FIRST_PIECE = re.compile(r"[«\"(]?(\w+)")
_MIDDLE_PIECE = re.compile(r"(\w+)")
_LAST_PIECE = re.compile(r"(\w+)[»\")\],.:;!?]*")


def _joinable(pieces: list[str], vocabulary: Counter[str]) -> bool:
    patterns = [_FIRST_PIECE, *[_MIDDLE_PIECE] * (len(pieces) - 2), _LAST_PIECE]
    words = []
    for piece, pattern in zip(pieces, patterns, strict=True):
        match = pattern.fullmatch(piece)
        if not match or not match.group(1).isalpha():
            return False
        words.append(match.group(1).lower())
    if vocabulary.get("".join(words), 0) == 0:
        return False
    joined = vocabulary["".join(words)]
    return min(vocabulary.get(w, 0) for w in words) <= max(2, joined)


def basic_normalise(text: str) -> str:
    """NFC, invisible characters removed, look-alike letters repaired."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    return fix_lookalikes(text)


def vocabulary_of(texts: Iterable[str]) -> Counter[str]:
    """Lower-cased word counts of texts after basic normalisation (hyphenated forms too)."""
    counts: Counter[str] = Counter()
    for text in texts:
        flat = basic_normalise(text)  # hyphens at line breaks don't match below: not compounds
        counts.update(w.lower() for w in re.findall(r"\w+(?:-\w+)+", flat))
        counts.update(w.lower() for w in _WORD.findall(flat))
    return counts


def clean_text(text: str, vocabulary: Counter[str] | None = None) -> str:
    """The matching form of `text`: one line, Cyrillic look-alikes repaired, PDF scars healed.

    `vocabulary` (from `vocabulary_of` over the whole corpus) lets split words be
    re-joined and true hyphenated compounds be kept.
    """
    text = basic_normalise(text)
    text = _REFERENCE.sub("", text)
    text = join_line_break_hyphens(text, vocabulary)
    text = _GLUED_DOTS.sub(". ", text)
    text = _GLUED_PUNCT_DOT.sub(" ", text)
    text = re.sub(r"\s+", " ", text)
    if vocabulary:
        text = join_split_words(text, vocabulary)
    return text.strip()


_SPELLED_ACRONYM = re.compile(r"(?<!\w)(?:[^\W\d_] ){1,5}[^\W\d_](?!\w)")


def join_spelled_acronyms(text: str) -> str:
    """`и ы ұ- дағы` → `ИЫҰ-дағы`: Arabic-script Kazakh spells acronyms letter by letter.

    Applied to transliterated Arabic-script text only; Cyrillic prose has no runs of
    one-letter words.
    """
    text = _SPELLED_ACRONYM.sub(lambda m: m.group(0).replace(" ", "").upper(), text)
    return re.sub(r"(?<=[A-ZА-ЯӘҒҚҢӨҰҮҺІ]{2})- (?=\w)", "-", text)


def normalize_answer(text: str) -> str:
    """SQuAD's answer normalisation without its English article removal: lower case,
    punctuation removed (as SQuAD does: "1992-жылы" becomes "1992жылы"), whitespace
    collapsed. Punctuation is ASCII's and every Unicode P* character («», —, …)."""
    lowered = unicodedata.normalize("NFC", text or "").lower()
    kept = "".join(
        ch for ch in lowered if ch not in string.punctuation and unicodedata.category(ch)[0] != "P"
    )
    return " ".join(kept.split())
