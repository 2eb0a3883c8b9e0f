"""Near-duplicate passages across documents (a re-flowed or shortened copy).

A passage is a near-duplicate when most of its word 4-grams also occur in one other
document. Of each such pair the cleaner copy is kept for search (fewer PDF scars:
line-break hyphens, split words, glued sentences, look-alike letters); the other is
kept as an alternative source of the same text, so nothing is lost.
"""

from __future__ import annotations

import re
from collections import defaultdict

from qa.types import Passage

SHINGLE = 4
COVERAGE = 0.8  # share of a passage's 4-grams found in the other document

_NOISE = (
    re.compile(r"\w-[ \t]*\n"),  # line-break hyphenation
    re.compile(r"\w-[ \t]{2,}\w"),  # re-flowed hyphenation
    re.compile(r"\w\.\.\w|[:;,]\.\w"),  # glued sentences
    re.compile(r"[əƏ]|[a-z](?=[а-яәғқңөұүһі])|(?<=[а-яәғқңөұүһі])[a-z]"),  # look-alikes
)


def _shingles(text: str) -> set[int]:
    words = re.findall(r"\w+", text.lower())
    return {hash(tuple(words[i : i + SHINGLE])) for i in range(len(words) - SHINGLE + 1)}


def noise(passage: Passage) -> float:
    """Scars per word of the original text; split words show as extra words."""
    original_words = len(re.findall(r"\w+", passage.original)) or 1
    clean_words = len(re.findall(r"\w+", passage.text))
    scars = sum(len(p.findall(passage.original)) for p in _NOISE)
    scars += max(0, original_words - clean_words)
    return scars / original_words


def mark_near_duplicates(passages: list[Passage]) -> int:
    """Set `duplicate_of` / `alternatives` in place; returns the number marked."""
    shingles = [_shingles(p.text) for p in passages]
    by_doc: dict[str, set[int]] = defaultdict(set)
    postings: dict[int, list[int]] = defaultdict(list)
    for i, (passage, grams) in enumerate(zip(passages, shingles, strict=True)):
        by_doc[passage.doc_id] |= grams
        for gram in grams:
            postings[gram].append(i)
    scars = [noise(p) for p in passages]
    keep_for: dict[int, int] = {}
    for i, passage in enumerate(passages):
        if not shingles[i]:
            continue
        overlap: dict[int, int] = defaultdict(int)
        for gram in shingles[i]:
            for j in postings[gram]:
                if passages[j].doc_id != passage.doc_id:
                    overlap[j] += 1
        if not overlap:
            continue
        best = max(overlap, key=lambda j: (overlap[j], -scars[j]))
        other_doc = by_doc[passages[best].doc_id]
        coverage = len(shingles[i] & other_doc) / len(shingles[i])
        if coverage >= COVERAGE and (scars[i], passage.id) > (scars[best], passages[best].id):
            keep_for[i] = best
    for i, j in keep_for.items():
        seen = {i}
        while j in keep_for and j not in seen:  # follow chains to a kept passage
            seen.add(j)
            j = keep_for[j]
        if j in keep_for:
            continue
        passages[i].duplicate_of = passages[j].id
        passages[j].alternatives.append(passages[i].id)
    return sum(p.duplicate_of is not None for p in passages)
