"""Per-question results and their aggregation into the Metrics of a Scorecard."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from qa.evaluation.gold import SPLITS, GoldQuestion, answer_matches
from qa.evaluation.metrics import (
    exact_match,
    mrr_at_k,
    ndcg_at_k,
    percentile,
    recall_at_k,
    token_f1,
    without_citation_marks,
)
from qa.types import Passage


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class QuestionResult:
    """What happened to one gold question (the `--out` row is `row`)."""

    item: GoldQuestion
    row: dict[str, Any]
    ranking: list[Passage] = field(default_factory=list)  # the retrieval_k search results
    ranking_relevant: list[bool] = field(default_factory=list)
    n_relevant: int = 0
    generated: bool = False  # False in retrieval-only runs
    correct: bool = False
    refused: bool = False
    evidence_holds_answer: bool = False  # the sentences given to the generator match `answers`
    short_answer: str | None = None  # Answer.short_answer, scored against the gold `spans`
    # The question asks for a year, date, number, name, place or list: a short answer is
    # expected (issue 19's goal counts these).
    short_expected: bool = False
    citations_relevant: list[bool] = field(default_factory=list)
    error: str | None = None

    def failures(self) -> list[str]:
        """Why this question counts against the system (empty when it did well)."""
        found: list[str] = []
        if self.error:
            found.append("error")
        if self.item.answerable and not any(self.ranking_relevant[:5]):
            found.append("retrieval miss @5")
        if not self.generated or self.error:
            return found
        if self.item.answerable:
            if self.refused:
                found.append("false refusal")
            elif not self.correct:
                found.append("wrong answer")
            if not all(self.citations_relevant):
                found.append("irrelevant citation")
        elif not self.refused:
            found.append("missed refusal")
        return found


def _short_right(result: QuestionResult) -> bool:
    return answer_matches(result.short_answer or "", result.item.answers)


@dataclass
class Metrics:
    """Scores of one group of questions; None where the group has nothing to measure."""

    n: int = 0
    answerable: int = 0
    unanswerable: int = 0
    recall_at_1: float | None = None
    recall_at_5: float | None = None
    recall_at_10: float | None = None
    mrr_at_10: float | None = None
    ndcg_at_10: float | None = None
    answer_accuracy: float | None = None
    # SQuAD's exact match and token F1 of the short answer (its [n] marks left out)
    # against the gold `spans`, over the answerable questions that have spans (declined
    # or no short answer: 0).
    exact_match: float | None = None
    token_f1: float | None = None
    # Answerable questions whose evidence sentences (what the generator read) match an
    # answer pattern: the most an answer could get right. Patterns written in Russian or
    # English rarely match Kazakh sentences, so it is a Kazakh-question diagnostic.
    evidence_recall: float | None = None
    refusal_precision: float | None = None
    refusal_recall: float | None = None
    citation_precision: float | None = None
    citation_coverage: float | None = None
    total_ms_p50: float | None = None
    total_ms_p95: float | None = None
    first_token_ms_p50: float | None = None
    first_token_ms_p95: float | None = None
    retrieval_ms_p50: float | None = None
    retrieval_ms_p95: float | None = None
    declined: int = 0  # questions declined (answerable or not)
    # Of the answerable questions with a relevant passage in the top 5 of the search, the
    # share declined: the evidence was there to answer from.
    declined_though_found: float | None = None
    # Of the answerable questions that ask for a year, date, number, name, place or list:
    # the share with a short answer; of those, the share whose short answer matches an
    # `answers` pattern. And, of all answerable questions, the share whose quote is right
    # under a short answer that is not.
    short_shown: float | None = None
    short_right: float | None = None
    short_wrong_over_right: float | None = None
    errors: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def compute_metrics(results: Sequence[QuestionResult]) -> Metrics:
    """Aggregate per-question results (errors count as misses)."""
    answerable = [r for r in results if r.item.answerable]
    unanswerable = [r for r in results if not r.item.answerable]
    m = Metrics(n=len(results), answerable=len(answerable), unanswerable=len(unanswerable))
    m.errors = sum(r.error is not None for r in results)
    if answerable:
        m.recall_at_1 = _mean([recall_at_k(r.ranking_relevant, 1) for r in answerable])
        m.recall_at_5 = _mean([recall_at_k(r.ranking_relevant, 5) for r in answerable])
        m.recall_at_10 = _mean([recall_at_k(r.ranking_relevant, 10) for r in answerable])
        m.mrr_at_10 = _mean([mrr_at_k(r.ranking_relevant, 10) for r in answerable])
        m.ndcg_at_10 = _mean([ndcg_at_k(r.ranking_relevant, 10, r.n_relevant) for r in answerable])
    generated = [r for r in results if r.generated]
    if generated:
        gen_answerable = [r for r in generated if r.item.answerable]
        gen_unanswerable = [r for r in generated if not r.item.answerable]
        correct = [r for r in gen_answerable if r.correct and not r.refused]
        m.answer_accuracy = _share(len(correct), len(gen_answerable))
        holds = sum(r.evidence_holds_answer for r in gen_answerable)
        m.evidence_recall = _share(holds, len(gen_answerable))
        refused = [r for r in generated if r.refused]
        m.refusal_precision = _share(sum(not r.item.answerable for r in refused), len(refused))
        m.refusal_recall = _share(sum(r.refused for r in gen_unanswerable), len(gen_unanswerable))
        cited = [hit for r in gen_answerable for hit in r.citations_relevant]
        m.citation_precision = _share(sum(cited), len(cited))
        m.citation_coverage = _share(sum(any(r.citations_relevant) for r in correct), len(correct))
        m.declined = len(refused)
        found = [r for r in gen_answerable if any(r.ranking_relevant[:5])]
        m.declined_though_found = _share(sum(r.refused for r in found), len(found))
        expected = [r for r in gen_answerable if r.short_expected]
        shown = [r for r in expected if r.short_answer and not r.refused]
        m.short_shown = _share(len(shown), len(expected))
        m.short_right = _share(sum(_short_right(r) for r in shown), len(shown))
        wrong_over_right = [r for r in correct if r.short_answer and not _short_right(r)]
        m.short_wrong_over_right = _share(len(wrong_over_right), len(gen_answerable))
        spanned = [r for r in gen_answerable if r.item.spans]
        short = [
            (None if r.refused else without_citation_marks(r.short_answer), r.item.spans)
            for r in spanned
        ]
        m.exact_match = _mean([exact_match(answer, spans) for answer, spans in short])
        m.token_f1 = _mean([token_f1(answer, spans) for answer, spans in short])
    latency = [r.row["latency_ms"] for r in results if r.error is None]
    for name in ("total", "first_token", "retrieval"):
        values = [t[name] for t in latency if t.get(name) is not None]
        setattr(m, f"{name}_ms_p50", percentile(values, 50))
        setattr(m, f"{name}_ms_p95", percentile(values, 95))
    return m


@dataclass
class Scorecard:
    """The metrics of one evaluation run, overall and per question type and language."""

    label: str
    settings: dict[str, Any]
    overall: Metrics
    by_type: dict[str, Metrics]
    by_lang: dict[str, Metrics]
    results: list[QuestionResult] = field(default_factory=list, repr=False)
    by_split: dict[str, Metrics] = field(default_factory=dict)  # "dev", "test" when marked

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [r.row for r in self.results]

    @property
    def retrieval_only(self) -> bool:
        return bool(self.settings.get("retrieval_only"))

    def failures(self) -> list[QuestionResult]:
        return [r for r in self.results if r.failures()]

    @property
    def splits(self) -> list[str]:
        """The splits shown apart: dev and test when the questions hold both."""
        return list(self.by_split) if len(self.by_split) > 1 else []

    def groups(self) -> list[tuple[str, Metrics]]:
        """("all", overall), ("split: dev", ...) and ("split: test", ...) when both are
        there, then ("type: x", ...) and ("lang: y", ...) rows."""
        return [
            ("all", self.overall),
            *((f"split: {name}", self.by_split[name]) for name in self.splits),
            *((f"type: {name}", m) for name, m in self.by_type.items()),
            *((f"lang: {name}", m) for name, m in self.by_lang.items()),
        ]


def build_scorecard(
    results: Sequence[QuestionResult], label: str, settings: Mapping[str, Any]
) -> Scorecard:
    def grouped(key: Callable[[GoldQuestion], str]) -> dict[str, Metrics]:
        names = sorted({key(r.item) for r in results})
        return {n: compute_metrics([r for r in results if key(r.item) == n]) for n in names}

    return Scorecard(
        label=label,
        settings=dict(settings),
        overall=compute_metrics(results),
        by_type=grouped(lambda q: q.type),
        by_lang=grouped(lambda q: q.lang),
        results=list(results),
        by_split={
            name: compute_metrics([r for r in results if r.item.split == name])
            for name in SPLITS
            if any(r.item.split == name for r in results)
        },
    )
