"""Ranking metrics over binary relevance (recall@k, MRR@k, nDCG@k) and percentiles."""

from __future__ import annotations

import math
from collections.abc import Sequence


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
