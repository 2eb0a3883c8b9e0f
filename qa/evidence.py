"""Sentence-level evidence: which sentences of the retrieved passages matter.

Used twice: before generation, to pass the model only the sentences the question
needs (prompt size is what makes a small CPU model slow), and after it, to check
that each answer sentence is supported by the passage it cites. One scorer does
both: content-word overlap on stems, numbers that must match exactly, and
embedding similarity, which also carries support across languages (an English
answer checked against a Kazakh passage).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa.chunking import matching_text, split_sentences
from qa.lexical import tokenize
from qa.transliterate import detect_script
from qa.types import Passage

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Sentence:
    passage: int  # index into the passage list (0-based; citation [n] is passage + 1)
    original: str  # as in the document
    text: str  # Cyrillic, cleaned
    start: int  # offsets in the document's original text
    end: int


def passage_sentences(passages: Sequence[Passage]) -> list[Sentence]:
    sentences = []
    for i, passage in enumerate(passages):
        script = detect_script(passage.original)
        for span in split_sentences(passage.original):
            original = passage.original[span.start : span.end]
            sentences.append(
                Sentence(
                    passage=i,
                    original=original,
                    text=matching_text(original, script),
                    start=passage.start + span.start,
                    end=passage.start + span.end,
                )
            )
    return sentences


def numbers_in(text: str) -> set[str]:
    return {n.replace(",", ".") for n in _NUMBER.findall(text)}


class Scorer:
    """Scores how well sentence B supports (or answers) text A, from 0 to 1."""

    def __init__(self, embedder) -> None:  # noqa: ANN001 - a SentenceTransformer
        self.embedder = embedder
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()

    def _embed(self, texts: Sequence[str], kind: str) -> np.ndarray:
        from embeddings.models import embed_passages, embed_queries

        missing = [t for t in dict.fromkeys(texts) if (kind, t) not in self._vectors]
        if missing:
            encode = embed_queries if kind == "query" else embed_passages
            for text, vector in zip(missing, encode(self.embedder, missing), strict=True):
                self._vectors[(kind, text)] = vector
                if len(self._vectors) > _CACHE_SIZE:
                    self._vectors.popitem(last=False)
        return np.stack([self._vectors[(kind, t)] for t in texts])

    def scores(self, claim: str, sentences: Sequence[Sentence], russian: bool = False) -> np.ndarray:
        """Support of `claim` by each sentence."""
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        claim_vec = self._embed([claim], "query")[0]
        sentence_vecs = self._embed([s.text for s in sentences], "passage")
        dense = np.clip((sentence_vecs @ claim_vec - 0.76) / 0.14, 0.0, 1.0)
        claim_tokens = set(tokenize(claim, russian=russian))
        claim_numbers = numbers_in(claim)
        out = np.zeros(len(sentences), dtype=np.float32)
        for i, sentence in enumerate(sentences):
            tokens = set(tokenize(sentence.text))
            lexical = len(claim_tokens & tokens) / len(claim_tokens) if claim_tokens else 0.0
            score = 0.55 * dense[i] + 0.45 * lexical
            if claim_numbers:
                found = len(claim_numbers & numbers_in(sentence.text)) / len(claim_numbers)
                score *= 0.35 + 0.65 * found
            out[i] = score
        return out


def select_evidence(
    scorer: Scorer,
    question: str,
    passages: Sequence[Passage],
    per_passage: int = 2,
    keep_ratio: float = 0.55,
    russian: bool = False,
) -> tuple[list[Sentence], np.ndarray]:
    """The sentences worth showing the model, in document order, and every sentence's score.

    Passages whose best sentence scores well below the best overall are dropped.
    """
    sentences = passage_sentences(passages)
    scores = scorer.scores(question, sentences, russian=russian)
    if not sentences:
        return [], scores
    best = float(scores.max())
    chosen: list[int] = []
    for p in range(len(passages)):
        idx = [i for i, s in enumerate(sentences) if s.passage == p]
        idx.sort(key=lambda i: -scores[i])
        top = [i for i in idx[:per_passage] if scores[i] >= keep_ratio * best]
        chosen.extend(top)
    return [sentences[i] for i in sorted(chosen)], scores
