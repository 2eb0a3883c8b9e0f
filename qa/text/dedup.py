"""Near-duplicate passages across documents (a re-flowed or shortened copy).

A passage is a near-duplicate when most of its word 4-grams also occur in one other
document. Of each such pair the cleaner copy is kept for search (fewer PDF scars:
line-break hyphens, split words, glued sentences, look-alike letters); the other is
kept as an alternative source of the same text, so nothing is lost.

The 4-grams live in flat numpy arrays (one 64-bit hash and one passage number each),
not in Python sets and dicts: a million passages have about 10^8 4-grams, which as
Python objects took some 28 GiB (0.57 GiB at 20k passages). Only the 4-grams found in
two or more documents can make a passage a duplicate, so the rest are dropped right
after counting: in the synthetic scale corpus (recombined real sentences) they are
most of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from qa.types import Passage

SHINGLE = 4
COVERAGE = 0.8  # share of a passage's 4-grams found in the other document
SORT_BUCKETS = 16  # the 4-grams are sorted a sixteenth at a time, to bound memory
BLOCK = 4096  # passages hashed at a time

_NOISE = (
    re.compile(r"\w-[ \t]*\n"),  # line-break hyphenation
    re.compile(r"\w-[ \t]{2,}\w"),  # re-flowed hyphenation
    re.compile(r"\w\.\.\w|[:;,]\.\w"),  # glued sentences
    re.compile(r"[əƏ]|[a-z](?=[а-яәғқңөұүһі])|(?<=[а-яәғқңөұүһі])[a-z]"),  # look-alikes
)
_WORD = re.compile(r"\w+")


def _shingles(text: str) -> np.ndarray:
    """The distinct hashes of the text's word 4-grams (int64)."""
    words = _WORD.findall(text.lower())
    grams = {hash(tuple(words[i : i + SHINGLE])) for i in range(len(words) - SHINGLE + 1)}
    return np.fromiter(grams, dtype=np.int64, count=len(grams))


def noise(passage: Passage) -> float:
    """Scars per word of the original text; split words show as extra words."""
    original_words = len(_WORD.findall(passage.original)) or 1
    clean_words = len(_WORD.findall(passage.text))
    scars = sum(len(p.findall(passage.original)) for p in _NOISE)
    scars += max(0, original_words - clean_words)
    return scars / original_words


class _Grams:
    """Every passage's 4-grams as (hash, passage) pairs, then only the shared ones."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        doc_numbers: dict[str, int] = {}
        self.doc = np.array(
            [doc_numbers.setdefault(p.doc_id, len(doc_numbers)) for p in passages], np.int32
        )
        self.size = np.zeros(len(passages), dtype=np.int64)
        self.grams, self.owner = self._shared(self._bucketed(passages))
        # (4-gram, document) keys, sorted, to test "does document d hold this 4-gram".
        self.in_doc = np.unique(_pair_key(self.grams, self.doc[self.owner]))
        order = np.argsort(self.owner, kind="stable")
        self.by_passage = self.grams[order]
        self.starts = np.searchsorted(self.owner[order], np.arange(len(passages) + 1))
        by_gram = np.argsort(self.grams, kind="stable")
        self.grams, self.owner = self.grams[by_gram], self.owner[by_gram]

    def _bucketed(self, passages: Sequence[Passage]) -> list[list[tuple[np.ndarray, np.ndarray]]]:
        """(4-gram, passage) pairs split by hash into SORT_BUCKETS lists of pieces."""
        buckets: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(SORT_BUCKETS)]
        for start in range(0, len(passages), BLOCK):
            chunks = [_shingles(p.text) for p in passages[start : start + BLOCK]]
            sizes = np.array([len(c) for c in chunks], dtype=np.int64)
            self.size[start : start + len(chunks)] = sizes
            if not sizes.sum():
                continue
            grams = np.concatenate(chunks)
            owner = np.repeat(np.arange(start, start + len(chunks), dtype=np.int32), sizes)
            bucket = grams.view(np.uint64) % np.uint64(SORT_BUCKETS)
            order = np.argsort(bucket, kind="stable")
            bounds = np.searchsorted(bucket[order], np.arange(SORT_BUCKETS + 1))
            for b in range(SORT_BUCKETS):
                rows = order[bounds[b] : bounds[b + 1]]
                buckets[b].append((grams[rows], owner[rows]))
        return buckets

    def _shared(
        self, buckets: list[list[tuple[np.ndarray, np.ndarray]]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Keep the pairs whose 4-gram occurs in two or more documents."""
        kept_grams, kept_owner = [np.zeros(0, np.int64)], [np.zeros(0, np.int32)]
        while buckets:
            pieces = buckets.pop()
            if not pieces:
                continue
            g = np.concatenate([piece[0] for piece in pieces])
            o = np.concatenate([piece[1] for piece in pieces])
            del pieces
            if not len(g):
                continue
            order = np.lexsort((self.doc[o], g))
            g, o = g[order], o[order]
            d = self.doc[o]
            first = np.r_[True, g[1:] != g[:-1]]
            group = np.cumsum(first) - 1
            lowest = d[first][group]
            many = np.zeros(int(group[-1]) + 1, dtype=bool)
            many[group[d != lowest]] = True
            keep = many[group]
            kept_grams.append(g[keep])
            kept_owner.append(o[keep])
        return np.concatenate(kept_grams), np.concatenate(kept_owner)

    def shared_of(self, i: int) -> np.ndarray:
        return self.by_passage[self.starts[i] : self.starts[i + 1]]

    def holders(self, grams: np.ndarray) -> np.ndarray:
        """Passages holding any of `grams` (with repeats, one per 4-gram held)."""
        lo = np.searchsorted(self.grams, grams, side="left")
        counts = np.searchsorted(self.grams, grams, side="right") - lo
        total = int(counts.sum())
        # Row numbers lo[k] .. lo[k] + counts[k] - 1 of every 4-gram, in one array.
        steps = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        return self.owner[np.repeat(lo, counts) + steps]

    def held_by_doc(self, grams: np.ndarray, doc: int) -> int:
        if not len(self.in_doc):
            return 0
        keys = _pair_key(grams, np.full(len(grams), doc, dtype=np.int32))
        at = np.minimum(np.searchsorted(self.in_doc, keys), len(self.in_doc) - 1)
        return int(np.count_nonzero(self.in_doc[at] == keys))


def _pair_key(grams: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """One 64-bit key per (4-gram hash, document number); wraps around on purpose."""
    with np.errstate(over="ignore"):
        return grams.view(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + docs.astype(np.uint64)


def near_duplicates(passages: Sequence[Passage]) -> dict[int, int]:
    """Passage number -> number of the passage it folds into (a kept one).

    `passages` may be read from disk: each is read twice, for its 4-grams and for its
    scars, and not held.
    """
    grams = _Grams(passages)
    scars = [noise(p) for p in passages]
    ids: dict[int, str] = {}

    def id_of(i: int) -> str:
        if i not in ids:
            ids[i] = passages[i].id
        return ids[i]

    keep_for: dict[int, int] = {}
    for i in np.flatnonzero(grams.starts[1:] > grams.starts[:-1]).tolist():
        shared = grams.shared_of(i)
        holders = grams.holders(shared)
        holders = holders[grams.doc[holders] != grams.doc[i]]
        if not len(holders):
            continue
        candidates, overlap = np.unique(holders, return_counts=True)
        best_rows = candidates[overlap == overlap.max()].tolist()
        best = min(best_rows, key=lambda j: scars[j])  # the first of the cleanest
        coverage = grams.held_by_doc(shared, int(grams.doc[best])) / int(grams.size[i])
        if coverage >= COVERAGE and (scars[i], id_of(i)) > (scars[best], id_of(best)):
            keep_for[i] = best
    folded = {}
    for i, j in keep_for.items():
        seen = {i}
        while j in keep_for and j not in seen:  # follow chains to a kept passage
            seen.add(j)
            j = keep_for[j]
        if j not in keep_for:
            folded[i] = j
    return folded


def mark_near_duplicates(passages: list[Passage]) -> int:
    """Set `duplicate_of` / `alternatives` in place; returns the number marked."""
    folded = near_duplicates(passages)
    for i, j in folded.items():
        passages[i].duplicate_of = passages[j].id
        passages[j].alternatives.append(passages[i].id)
    return len(folded)
