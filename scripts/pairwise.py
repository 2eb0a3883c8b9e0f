"""A linear ranker fitted on pairs, then Platt-scaled: shared by the fitting scripts
(scripts/fit_evidence_model.py for sentences, scripts/fit_span_model.py for spans)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

# One question's candidates: their feature rows and which of them are right.
Question = tuple[np.ndarray, np.ndarray]


def fit_pairwise(
    sources: Sequence[Sequence[Question]], c: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Standardisation, weights and bias from pairs (RankNet's pairwise logistic loss,
    linear: Burges et al. 2005): within one question, each right candidate against each
    wrong one, so that what is learnt is which candidate is best, not how easy the
    question is; every source weighs the same, and within it every question. Then one
    scale and offset turn the best candidate's score into the probability that it is
    right (Platt 1999).

    Returns (mean, scale, weights, bias): p = sigmoid(((x - mean) / scale) @ weights + bias).
    """
    everything = np.vstack([x for source in sources for x, _ in source if len(x)])
    mean, scale = everything.mean(axis=0), everything.std(axis=0)
    scale[scale == 0] = 1.0
    pairs, weights = [], []
    for source in sources:
        taught = [(x, y) for x, y in source if y.any() and not y.all()]
        for x, y in taught:
            z = (x - mean) / scale
            diffs = (z[y][:, None, :] - z[~y][None, :, :]).reshape(-1, z.shape[1])
            pairs.append(diffs)
            weights.append(np.full(len(diffs), 1.0 / (len(taught) * len(diffs))))
    d, w = np.vstack(pairs), np.concatenate(weights)
    x_pairs = np.vstack([d, -d])
    y_pairs = np.concatenate([np.ones(len(d)), np.zeros(len(d))])
    ranking = LogisticRegression(C=c, fit_intercept=False, max_iter=5000)
    ranking.fit(x_pairs, y_pairs, sample_weight=np.concatenate([w, w]) * len(w))
    direction = ranking.coef_[0]
    best, right = [], []
    for source in sources:
        for x, y in source:
            if len(x):
                scores = ((x - mean) / scale) @ direction
                best.append(scores.max())
                right.append(bool(y[int(np.argmax(scores))]))
    a, b = 1.0, 0.0  # no scaling when the best candidate is always right (or never)
    if len(set(right)) == 2:
        platt = LogisticRegression(C=1e6, max_iter=5000)
        platt.fit(np.array(best)[:, None], np.array(right))
        a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    return mean, scale, direction * a, b
