"""Sentence-aware passages with character offsets into the original document.

Sentences are found on the original text (so offsets are exact), passages are runs
of whole sentences of about 80-200 words with a one-sentence overlap, and each
passage's id is derived from its content so it survives re-indexing.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections import Counter
from dataclasses import dataclass

from qa.text.cleaning import clean_text, join_spelled_acronyms
from qa.text.transliterate import transliterate
from qa.types import Document, Passage

TARGET_WORDS = 120
MIN_WORDS = 80
MAX_WORDS = 200
MAX_OVERLAP_WORDS = 40

# Abbreviations after which a dot does not end a sentence (Kazakh and Russian).
ABBREVIATIONS = {
    "млн", "млрд", "трлн", "жж", "ж", "т.б", "т.с.с", "т.с", "б", "бб", "т", "см", "км",
    "тт", "стр", "др", "г", "гг", "т.е", "т.д", "т.п", "им", "проф", "акад", "доц", "бет",
}  # fmt: skip

# Bump when sentence or passage boundaries change: indexes record it and are rebuilt.
CHUNKING_VERSION = "2"
# A sentence ends at terminal punctuation before a space, a quote or a letter; the
# re-flowed documents glue sentences with "..", also before a number ("туғызады..2011
# жылы"), where one dot before a digit would be a decimal point.
_TERMINAL = re.compile(r"[.!?؟…]+(?=[\s«\"“(]|[^\W\d_]|$)|\.{2,}(?=\d)")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _is_abbreviation(text: str, dot: int) -> bool:
    before = re.search(r"([\w.]+)$", text[:dot])
    if not before:
        return False
    token = before.group(1).lower().rstrip(".")
    if len(token) == 1 and token.isalpha():  # initials: "Е. Ыдырысов", "Н.Ә."
        return True
    return token in ABBREVIATIONS


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of the original text.

    Handles glued sentences (`араласуда..Бүгінгі`), initials and abbreviations, PDF
    line wrapping (a single newline is not a boundary) and headings (short lines
    without punctuation in documents whose paragraphs are single long lines).
    """
    cuts: set[int] = set()
    for match in _PARAGRAPH.finditer(text):
        cuts.add(match.start())
    for match in _TERMINAL.finditer(text):
        if match.group(0) == "." and _is_abbreviation(text, match.start()):
            continue
        cuts.add(match.end())
    lines = [line for line in text.split("\n") if line.strip()]
    if lines and statistics.median(len(line) for line in lines) > 80:
        offset = 0
        for line in text.split("\n"):
            stripped = line.strip()
            if stripped and stripped[-1] not in ".!?…:;,-–—" and len(stripped) < 90:
                cuts.add(offset + len(line))  # a heading or a paragraph of its own
            offset += len(line) + 1
    spans: list[Span] = []
    start = 0
    for cut in [*sorted(cuts), len(text)]:
        span = _trimmed(text, start, cut)
        if span and _WORDS.search(text[span.start : span.end]):
            spans.append(span)
        start = max(start, cut)
    return spans


def _word_count(text: str) -> int:
    return len(_WORDS.findall(text))


def _is_heading(text: str) -> bool:
    return _word_count(text) < 12 and text.rstrip()[-1:] not in '.!?؟…:;»"'


def group_sentences(text: str, sentences: list[Span]) -> list[Span]:
    """Runs of whole sentences of MIN..MAX words, overlapping by one short sentence."""
    passages: list[Span] = []
    i = 0
    while i < len(sentences):
        j, words = i, 0
        while j < len(sentences):
            n = _word_count(text[sentences[j].start : sentences[j].end])
            if words and words + n > MAX_WORDS:
                break
            words += n
            j += 1
            if words >= TARGET_WORDS:
                break
        while j - i > 1 and _is_heading(text[sentences[j - 1].start : sentences[j - 1].end]):
            j -= 1  # a heading belongs to the text after it
        passages.append(Span(sentences[i].start, sentences[j - 1].end))
        if j >= len(sentences):
            break
        last = sentences[j - 1]
        overlap = j - 1 > i and _word_count(text[last.start : last.end]) <= MAX_OVERLAP_WORDS
        i = j - 1 if overlap else j
    return _merge_short_tail(text, passages)


def _merge_short_tail(text: str, passages: list[Span]) -> list[Span]:
    """Fold a short last passage (a signature, a closing line) into the one before."""
    while len(passages) > 1 and _word_count(text[passages[-1].start : passages[-1].end]) < 30:
        merged = Span(passages[-2].start, passages[-1].end)
        if _word_count(text[merged.start : merged.end]) > MAX_WORDS + 30:
            break
        passages = [*passages[:-2], merged]
    return passages


def matching_text(original: str, script: str, vocabulary: Counter[str] | None = None) -> str:
    """The Cyrillic, cleaned form of an original span (what search and checks read)."""
    if script == "Arab":
        return join_spelled_acronyms(clean_text(transliterate(original, to="cyrl")))
    return clean_text(original, vocabulary)


def passage_id(doc_id: str, text: str) -> str:
    return f"{doc_id}#{hashlib.sha1(text.encode('utf-8')).hexdigest()[:10]}"


def chunk_document(document: Document, vocabulary: Counter[str] | None = None) -> list[Passage]:
    """Split a document into passages carrying exact offsets and the matching text."""
    spans = group_sentences(document.text, split_sentences(document.text))
    passages: list[Passage] = []
    seen: set[str] = set()
    for span in spans:
        original = document.text[span.start : span.end]
        text = matching_text(original, document.script, vocabulary)
        pid = passage_id(document.id, f"{span.start}:{text}")
        if pid in seen:
            continue
        seen.add(pid)
        passages.append(
            Passage(
                id=pid,
                doc_id=document.id,
                origin=document.origin,
                title=document.title,
                text=text,
                original=original,
                start=span.start,
                end=span.end,
            )
        )
    return passages
