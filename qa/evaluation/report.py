"""A scorecard written out: result rows (JSONL), rich tables and the Markdown report."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qa.evaluation.scorecard import Metrics, QuestionResult, Scorecard

REPORT_SNIPPET = 240


def write_rows(card: Scorecard, path: Path) -> Path:
    """One JSON object per question (the `--out` format)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in card.rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


RETRIEVAL_COLUMNS = (
    ("R@1", "recall_at_1", _pct),
    ("R@5", "recall_at_5", _pct),
    ("R@10", "recall_at_10", _pct),
    ("MRR@10", "mrr_at_10", _pct),
    ("nDCG@10", "ndcg_at_10", _pct),
)
ANSWER_COLUMNS = (
    ("accuracy", "answer_accuracy", _pct),
    ("evidence R", "evidence_recall", _pct),
    ("refusal P", "refusal_precision", _pct),
    ("refusal R", "refusal_recall", _pct),
    ("citation P", "citation_precision", _pct),
    ("citation cov.", "citation_coverage", _pct),
    ("declined", "declined", str),
    ("declined, found", "declined_though_found", _pct),
    ("errors", "errors", str),
)
SHORT_ANSWER_COLUMNS = (
    ("EM", "exact_match", _pct),
    ("F1", "token_f1", _pct),
    ("shown", "short_shown", _pct),
    ("right", "short_right", _pct),
    ("wrong over right", "short_wrong_over_right", _pct),
)
LATENCY_COLUMNS = (
    ("total p50", "total_ms_p50", _ms),
    ("total p95", "total_ms_p95", _ms),
    ("first token p50", "first_token_ms_p50", _ms),
    ("first token p95", "first_token_ms_p95", _ms),
    ("retrieval p50", "retrieval_ms_p50", _ms),
    ("retrieval p95", "retrieval_ms_p95", _ms),
)


def _sections(card: Scorecard) -> list[tuple[str, tuple[tuple[str, str, Callable], ...]]]:
    sections: list[tuple[str, tuple[tuple[str, str, Callable], ...]]] = [
        ("Retrieval (answerable questions, %)", RETRIEVAL_COLUMNS)
    ]
    if not card.retrieval_only:
        sections.append(("Answers (%)", ANSWER_COLUMNS))
        sections.append(("Short answers (%)", SHORT_ANSWER_COLUMNS))
    sections.append(("Latency (ms)", _latency_columns([card])))
    return sections


def _latency_columns(cards: Sequence[Scorecard]) -> tuple[tuple[str, str, Callable], ...]:
    """Retrieval-only runs time the search alone: no total or first-token columns."""
    if all(card.retrieval_only for card in cards):
        return LATENCY_COLUMNS[-2:]
    return LATENCY_COLUMNS


def _group_count(title: str, m: Metrics) -> str:
    return str(m.answerable) if title.startswith("Retrieval") else str(m.n)


def _section_groups(card: Scorecard, title: str) -> list[tuple[str, Metrics]]:
    """The groups a section shows: retrieval leaves out groups with nothing answerable."""
    groups = card.groups()
    if title.startswith("Retrieval"):
        groups = [(name, m) for name, m in groups if m.answerable or name == "all"]
    return groups


def scorecard_tables(card: Scorecard) -> list[Any]:
    """The scorecard as rich Tables (retrieval, answers, latency)."""
    from rich.table import Table

    tables = []
    for title, columns in _sections(card):
        table = Table(title=f"{title} · {card.label}", title_justify="left")
        table.add_column("group")
        table.add_column("n", justify="right")
        for name, _, _ in columns:
            table.add_column(name, justify="right")
        for i, (group, m) in enumerate(_section_groups(card, title)):
            table.add_row(
                group,
                _group_count(title, m),
                *(fmt(getattr(m, attr)) for _, attr, fmt in columns),
                end_section=i == 0,
            )
        tables.append(table)
    return tables


def print_scorecard(card: Scorecard, console: Any = None) -> None:
    from rich.console import Console

    console = console or Console()
    for table in scorecard_tables(card):
        console.print(table)


def _comparison_columns(cards: Sequence[Scorecard]) -> list[tuple[str, Metrics]]:
    """(heading, metrics) per configuration: overall, or dev and test apart when present."""
    columns: list[tuple[str, Metrics]] = []
    for card in cards:
        if card.splits:
            columns += [(f"{card.label} · {name}", card.by_split[name]) for name in card.splits]
        else:
            columns.append((card.label, card.overall))
    return columns


def comparison_table(cards: Sequence[Scorecard]) -> Any:
    """Configurations side by side: one row per metric, one column per configuration
    (per configuration and split when the questions hold both dev and test)."""
    from rich.table import Table

    shown = _comparison_columns(cards)
    split = any(card.splits for card in cards)
    table = Table(
        title="Comparison (dev and test)" if split else "Comparison (overall)",
        title_justify="left",
    )
    table.add_column("metric")
    for heading, _ in shown:
        table.add_column(heading, justify="right")
    columns = [*RETRIEVAL_COLUMNS]
    if not all(card.retrieval_only for card in cards):
        columns += ANSWER_COLUMNS
    columns += _latency_columns(cards)
    for name, attr, fmt in columns:
        table.add_row(name, *(fmt(getattr(m, attr)) for _, m in shown))
    return table


def _code(text: str) -> str:
    """`text` as a Markdown code span, whatever backticks it holds."""
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _short(text: str, limit: int = REPORT_SNIPPET) -> str:
    flat = re.sub(r"\s+", " ", text or "").strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown_report(card: Scorecard) -> str:
    """The scorecard tables, then every failure with what was expected and what came back."""
    s = card.settings
    lines = [
        f"# Kenes evaluation · {card.label}",
        "",
        f"- gold: {s.get('gold')} ({card.overall.n} questions, {card.overall.answerable} "
        f"answerable, {card.overall.unanswerable} unanswerable)",
        f"- corpus: {s.get('corpus') or 'default index'}; embedding model "
        f"{s.get('embedding_model')}",
        f"- split: {s.get('split', 'all')}"
        + (
            f" ({', '.join(f'{n} {card.by_split[n].n}' for n in card.by_split)})"
            if card.by_split
            else " (the gold file marks none)"
        ),
        f"- search: {s.get('mode')}, k={s.get('k')}, retrieval_k={s.get('retrieval_k')}",
        *(["- answers read from each question's gold context (reader)"] if s.get("reader") else []),
        "- generation: "
        + (
            "skipped (retrieval only)"
            if card.retrieval_only
            else f"{s.get('backend', s.get('llm'))} · {s.get('llm_model', '')} · "
            f"compose {s.get('compose', 'auto')}"
        ),
        *(f"- notice: {notice}" for notice in s.get("notices", [])),
        f"- errors: {card.overall.errors}",
        "",
    ]
    for title, columns in _sections(card):
        names = ["group", "n", *(name for name, _, _ in columns)]
        lines += [f"## {title}", "", "| " + " | ".join(names) + " |"]
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(names) - 1)) + "|")
        for group, m in _section_groups(card, title):
            values = [fmt(getattr(m, attr)) for _, attr, fmt in columns]
            lines.append("| " + " | ".join([group, _group_count(title, m), *values]) + " |")
        lines.append("")
    failures = card.failures()
    lines += [f"## Failures ({len(failures)})", ""]
    if not failures:
        lines += ["None.", ""]
    for result in failures:
        lines += _failure_lines(result)
    return "\n".join(lines)


def _failure_lines(result: QuestionResult) -> list[str]:
    item, row = result.item, result.row
    lines = [
        f"### {item.id} · {item.type} · {item.lang}: {', '.join(result.failures())}",
        "",
        f"- **question:** {item.question}",
    ]
    if item.history:
        lines.append(f"- **history:** {' / '.join(item.history)}")
    expected = " or ".join(_code(p) for p in item.answers) or "a refusal (unanswerable)"
    lines.append(f"- **expected:** {expected}")
    if item.docs:
        evidence = " or ".join(_code(p) for p in item.evidence) or "(none)"
        lines.append(f"- **evidence:** {evidence} in {', '.join(item.docs)}")
    if result.error:
        lines.append(f"- **error:** {_code(result.error)}")
    if result.generated and not result.error:
        got = _short(row["answer"], 600) or "(empty)"
        lines.append(f"- **got:** {'(refused) ' if row['refused'] else ''}{got}")
        for citation, hit in zip(row["citations"], result.citations_relevant or [], strict=False):
            mark = "relevant" if hit else "NOT relevant"
            lines.append(f"  - [{citation['n']}] {citation['origin']} ({mark})")
    ranked = result.ranking[:5]
    lines.append(f"- **retrieved** (top {len(ranked)} of the search; ✓ = relevant):")
    for rank, (passage, hit) in enumerate(zip(ranked, result.ranking_relevant, strict=False), 1):
        lines.append(
            f"  {rank}. {'✓' if hit else '✗'} {passage.origin} ({passage.score:.3f}): "
            f"{_cell(_short(passage.original))}"
        )
    if not ranked:
        lines.append("  (nothing)")
    lines.append("")
    return lines


def write_report(card: Scorecard, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown_report(card), encoding="utf-8")
    return path
