"""Ranking metrics over binary relevance (recall@k, MRR@k, nDCG@k), percentiles, and
SQuAD's exact match and token F1 of a short answer against gold spans."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from qa.text.cleaning import normalize_answer


def recall_at_k(relevant: Sequence[bool], k: int) -> float:
    """1.0 when a relevant passage is in the top k, else 0.0 (top-k accuracy)."""
    return 1.0 if any(relevant[:k]) else 0.0


def mrr_at_k(relevant: Sequence[bool], k: int = 10) -> float:
    """Reciprocal rank of the first relevant passage within the top k (0 if none)."""
    for rank, hit in enumerate(relevant[:k], 1):
        if hit:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(relevant: Sequence[bool], k: int = 10, n_relevant: int | None = None) -> float:
    """Binary nDCG@k; the ideal ranking puts `n_relevant` relevant passages first.

    `n_relevant` defaults to the relevant passages in the ranking itself; 0 gives 0.0.
    """
    hits = list(relevant[:k])
    total = sum(bool(r) for r in relevant) if n_relevant is None else n_relevant
    total = max(total, sum(bool(r) for r in hits))
    if total == 0:
        return 0.0
    dcg = sum(1.0 / math.log2(rank + 1) for rank, hit in enumerate(hits, 1) if hit)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(total, k) + 1))
    return dcg / ideal


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation; None for no values."""
    data = sorted(values)
    if not data:
        return None
    position = (len(data) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (position - low)


_CITATION_MARK = re.compile(r"\s*\[\d+\]")


def without_citation_marks(text: str | None) -> str | None:
    """A short answer without its `[n]` marks, which no gold span holds."""
    return None if text is None else _CITATION_MARK.sub("", text)


def exact_match(prediction: str | None, spans: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals one normalised gold span, else 0.0."""
    if prediction is None:
        return 0.0
    guess = normalize_answer(prediction)
    return 1.0 if any(guess == normalize_answer(span) for span in spans) else 0.0


def token_f1(prediction: str | None, spans: Sequence[str]) -> float:
    """SQuAD token F1: the best over gold spans of the harmonic mean of token precision
    and recall (tokens counted with multiplicity); 0.0 for no prediction or no spans."""
    if prediction is None:
        return 0.0
    guess = normalize_answer(prediction).split()
    best = 0.0
    for span in spans:
        gold = normalize_answer(span).split()
        if not guess or not gold:
            best = max(best, float(guess == gold))
            continue
        common = sum((Counter(guess) & Counter(gold)).values())
        if common:
            precision, recall = common / len(guess), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best
