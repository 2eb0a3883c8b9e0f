"""Evidence units: the sentences and clauses of passages that answers are read from.

They live beside the text tools, not with the answering code, because the index embeds
them once when it is built (`qa.retrieval.ingest`) and the evidence scorer reads the
stored vectors at question time.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.text.chunking import matching_text, split_sentences
from qa.text.transliterate import detect_script
from qa.types import Passage

# Where one sentence joins two facts: "…, ал …" (while), "…; …", "…, бірақ …" (but).
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?=(?:ал|бірақ|алайда|а|но|while|but|whereas)\s)", re.I)
# A list item: "– …", "• …", "1. …" (after the sentence that announces the list).
_LIST_ITEM = re.compile(r"\s*(?:[–—•-]|\d{1,2}[.)])\s")
_MAX_LIST_ITEMS = 6
# A sentence that draws a conclusion from the one before it.
CONCLUSION = re.compile(
    r"\s*(?:сондықтан|сол себепті|осы себепті|осыған байланысты|осылайша|поэтому|therefore)\b",
    re.IGNORECASE,
)
# A sentence that announces what the next one says ("… бірқатар факторларға байланысты").
ANNOUNCES = re.compile(r"\b(?:бірқатар|мынадай|мыналар|төмендегі|келесідей)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Sentence:
    passage: int  # index into the passage list (0-based; citation [n] is passage + 1)
    original: str  # as in the document
    text: str  # Cyrillic, cleaned
    start: int  # offsets in the document's original text
    end: int


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the clauses of one sentence: one sentence can join two facts."""
    cuts = [start, *(m.end() for m in _CLAUSE_BREAK.finditer(text, start, end)), end]
    return [(a, b) for a, b in itertools.pairwise(cuts) if text[a:b].strip()]


def passage_sentences(passages: Sequence[Passage]) -> list[Sentence]:
    """The evidence units of the passages: sentences, split further into clauses.

    Each unit keeps its exact offsets in the document, so a citation can quote it. A
    sentence that announces a list ("… мыналар:") is also a unit together with its
    items, which is what a "which …" question asks for.
    """
    sentences = []
    seen: set[tuple[str, int]] = set()  # neighbouring passages overlap by a sentence
    for i, passage in enumerate(passages):
        script = detect_script(passage.original)
        for a, b in _units(passage.original):
            original = passage.original[a:b].strip().rstrip(",;")
            a += len(passage.original[a:b]) - len(passage.original[a:b].lstrip())
            key = (passage.doc_id, passage.start + a, len(original))
            text = matching_text(original, script)
            # "6." is a list number and an interviewer's question is no answer.
            if key in seen or len(original.split()) < 3 or text.endswith("?"):
                continue
            seen.add(key)
            sentences.append(
                Sentence(
                    passage=i,
                    original=original,
                    text=text,
                    start=passage.start + a,
                    end=passage.start + a + len(original),
                )
            )
    return sentences


def _units(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses of every sentence, of each list with its introduction, of
    each conclusion ("Сондықтан …") with the sentence before it, which gives its reason,
    and of each announcement ("бірқатар факторларға байланысты") with the one after it."""
    spans = split_sentences(text)
    clauses = [c for span in spans for c in _clauses(text, span.start, span.end)]
    units = []
    for n, (a, b) in enumerate(clauses):
        units.append((a, b))
        if text[a:b].rstrip().endswith(":"):
            end = _list_end(text, clauses[n + 1 :])
            if end is not None:
                units.append((a, end))
    for before, span in itertools.pairwise(spans):
        if CONCLUSION.match(text, span.start):
            units.append((before.start, span.end))
        elif ANNOUNCES.search(text, before.start, before.end):
            units.append((before.start, span.end))  # "… бірқатар факторларға байланысты." + one
    return units


def _list_end(text: str, following: Sequence[tuple[int, int]]) -> int | None:
    """Where the list that starts the `following` clauses ends (items may carry a comment)."""
    end, items, gap = None, 0, 0
    for a, b in following:
        if _LIST_ITEM.match(text, a) and len(text[a:b].split()) > 2:  # not a bare "4."
            end, items, gap = b, items + 1, 0
        else:
            gap += 1
        if items == _MAX_LIST_ITEMS or gap > 1:
            break
    return end
