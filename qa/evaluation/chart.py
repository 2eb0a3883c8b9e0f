"""The bar chart (PNG, matplotlib) comparing the main metrics of several configurations."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from qa.evaluation.scorecard import Scorecard

CHART_METRICS = (
    ("R@1", "recall_at_1"),
    ("R@5", "recall_at_5"),
    ("R@10", "recall_at_10"),
    ("MRR@10", "mrr_at_10"),
    ("nDCG@10", "ndcg_at_10"),
    ("accuracy", "answer_accuracy"),
    ("refusal R", "refusal_recall"),
    ("citation P", "citation_precision"),
)


def plot_comparison(cards: Sequence[Scorecard], path: Path) -> Path:
    """A grouped bar chart (PNG) of the main metrics of each configuration."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    metrics = [
        (name, attr)
        for name, attr in CHART_METRICS
        if any(getattr(c.overall, attr) is not None for c in cards)
    ]
    figure = Figure(figsize=(max(6.0, 1.1 * len(metrics) * max(1, len(cards)) / 2 + 3), 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.8 / max(1, len(cards))
    for i, card in enumerate(cards):
        values = [100 * (getattr(card.overall, attr) or 0.0) for _, attr in metrics]
        positions = [j + (i - (len(cards) - 1) / 2) * width for j in range(len(metrics))]
        bars = axes.bar(positions, values, width, label=card.label)
        axes.bar_label(bars, fmt="%.0f", fontsize=7, padding=1)
    axes.set_xticks(range(len(metrics)), [name for name, _ in metrics])
    axes.set_ylim(0, 105)
    axes.set_ylabel("%")
    n = cards[0].overall.n if cards else 0
    axes.set_title(f"Kenes evaluation: {n} questions")
    axes.legend(fontsize=8)
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    return path
