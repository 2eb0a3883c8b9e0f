"""Running gold questions through search and `kenes ask`, and `evaluate`, one configuration.

Each question is run twice over the same index: once as a plain search of `retrieval_k`
passages (for the retrieval metrics, and the `retrieved` field of its row, at least
ROWS_K passages), once through the full `Assistant.ask` path for the answer;
`retrieval_only` skips the second. With `reader`, the answer is read from the question's
own `context` (`Assistant.read`) instead of searched for: SQuAD-style reading
comprehension.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.config import DEFAULT_ANSWER_K, DEFAULT_COMPOSE, DEFAULT_LLM, DEFAULT_MODE
from qa.evaluation.corpora import Progress, _model_names, index_with_model, open_corpus_index
from qa.evaluation.gold import (
    GoldQuestion,
    RelevanceJudge,
    answer_matches,
    context_passage,
    default_gold,
    load_gold,
    select_split,
)
from qa.evaluation.report import write_report, write_rows
from qa.evaluation.scorecard import QuestionResult, Scorecard, build_scorecard
from qa.retrieval.index import Index, ensure_index
from qa.types import Answer, Passage

if TYPE_CHECKING:
    from qa.answering.backends import Backend

ROWS_K = 10  # the search ranking in a row lists at least this many passages


def expects_short_answer(question: str) -> bool:
    """Whether the question asks for a year, date, number, name, place or list."""
    from qa.answering.short_answer import AnswerKind, answer_kind
    from qa.retrieval.question import analyse_question

    kind = answer_kind(analyse_question(question))
    return kind not in (AnswerKind.OTHER, AnswerKind.REASON, AnswerKind.DEFINITION)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _retrieved_rows(passages: Sequence[Passage]) -> list[dict[str, Any]]:
    return [
        {
            "rank": rank,
            "passage_id": p.id,
            "origin": p.origin,
            "text": p.original,
            "text_cyrl": p.text,
            "score": round(float(p.score), 6),
        }
        for rank, p in enumerate(passages, 1)
    ]


def _cited_passage(answer: Answer, n: int, passage_id: str, index: Index) -> Passage | None:
    if 0 < n <= len(answer.passages) and answer.passages[n - 1].id == passage_id:
        return answer.passages[n - 1]
    by_id = {p.id: p for p in answer.passages}
    return by_id.get(passage_id) or index.passages.get(passage_id)


class _Runner:
    """Runs gold questions against one index with one configuration."""

    def __init__(
        self,
        index: Index,
        *,
        llm: str | Backend,
        mode: str,
        k: int,
        retrieval_k: int,
        retrieval_only: bool,
        compose: str = DEFAULT_COMPOSE,
        reader: bool = False,
    ) -> None:
        self.index = index
        self.reader = reader
        self.judge = RelevanceJudge(index)
        self.mode = mode
        self.k = k
        self.compose = compose
        self.retrieval_k = retrieval_k
        self.retrieval_only = retrieval_only
        self.llm = "extractive" if retrieval_only else llm
        self._assistant: Any = None

    @property
    def assistant(self) -> Any:
        if self._assistant is None:
            from qa.answering.assistant import Assistant

            self._assistant = Assistant(
                self.index, llm=self.llm, k=self.k, mode=self.mode, compose=self.compose
            )
        return self._assistant

    def close(self) -> None:
        if self._assistant is not None and isinstance(self.llm, str):
            self._assistant.close()

    def backend_name(self) -> tuple[str, str]:
        if self.retrieval_only:
            return "retrieval-only", self.index.manifest.model
        return self.assistant.backend.name, self.assistant.backend.model

    def standalone(self, item: GoldQuestion) -> str:
        from qa.retrieval.question import analyse_question

        text = analyse_question(item.question).text
        if not item.history:
            return text
        return self.assistant.standalone_question(text, list(item.history))

    def run(self, item: GoldQuestion) -> QuestionResult:
        row: dict[str, Any] = {
            "id": item.id,
            "question": item.question,
            "split": item.split,
            "answer": "",
            "short_answer": None,
            "refused": False,
            "citations": [],
            "evidence": [],
            "retrieved": [],
            "backend": None,
            "model": None,
            "latency_ms": {"retrieval": None, "first_token": None, "total": None},
            "error": None,
        }
        result = QuestionResult(item=item, row=row, generated=not self.retrieval_only)
        result.n_relevant = self.judge.count_relevant(item) if item.answerable else 0
        answer: Answer | None = None
        try:
            row["backend"], row["model"] = self.backend_name()
            if not self.retrieval_only:
                answer = self._answer(item, result)
            started = time.perf_counter()
            query = answer.standalone_question if answer is not None else ""
            query = query or self.standalone(item)
            ranking = self.index.search(query, k=max(ROWS_K, self.retrieval_k), mode=self.mode)
            if self.retrieval_only:
                row["latency_ms"]["retrieval"] = round((time.perf_counter() - started) * 1000, 1)
            result.ranking = ranking[: self.retrieval_k]
            row["retrieved"] = _retrieved_rows(ranking)
        except Exception as exc:  # one bad question must not stop the run
            result.error = result.error or _error_text(exc)
        result.ranking_relevant = [self.judge.relevant(p, item) for p in result.ranking]
        row["error"] = result.error
        return result

    def _answer(self, item: GoldQuestion, result: QuestionResult) -> Answer | None:
        """The full `kenes ask` path; fills the row and the answer judgements."""
        row = result.row
        try:
            if self.reader:
                answer = self.assistant.read(item.question, [context_passage(item)])
            else:
                answer = self.assistant.ask(item.question, list(item.history) or None)
        except Exception as exc:
            result.error = _error_text(exc)
            return None
        row["answer"] = answer.text
        row["refused"] = bool(answer.refused)
        row["backend"], row["model"] = answer.backend, answer.model
        t = answer.timings
        row["latency_ms"] = {
            "retrieval": t.retrieval_ms,
            "first_token": t.first_token_ms,
            "total": t.total_ms,
        }
        row["short_answer"] = result.short_answer = getattr(answer, "short_answer", None)
        result.short_expected = expects_short_answer(item.question)
        row["evidence"] = list(answer.evidence)
        result.refused = bool(answer.refused)
        result.correct = not answer.refused and answer_matches(answer.text, item.answers)
        result.evidence_holds_answer = item.answerable and answer_matches(
            " ".join(answer.evidence), item.answers
        )
        for citation in answer.citations:
            passage = _cited_passage(answer, citation.n, citation.passage_id, self.index)
            row["citations"].append(
                {
                    "n": citation.n,
                    "passage_id": citation.passage_id,
                    "origin": citation.origin,
                    "text": passage.original if passage else "",
                }
            )
            if item.answerable:
                result.citations_relevant.append(
                    passage is not None and self.judge.relevant(passage, item)
                )
        return answer


def _run_questions(
    index: Index,
    questions: Sequence[GoldQuestion],
    *,
    label: str,
    settings: dict[str, Any],
    llm: str | Backend,
    progress: Progress | None,
) -> Scorecard:
    runner = _Runner(
        index,
        llm=llm,
        mode=settings["mode"],
        k=settings["k"],
        retrieval_k=settings["retrieval_k"],
        retrieval_only=settings["retrieval_only"],
        compose=settings["compose"],
        reader=settings.get("reader", False),
    )
    report = progress or (lambda stage, done, total: None)
    results: list[QuestionResult] = []
    try:
        runner.backend_name()  # opens the backend: an unusable one stops the run here
        report(label, 0, len(questions))
        for n, item in enumerate(questions, 1):
            results.append(runner.run(item))
            report(label, n, len(questions))
        if not settings["retrieval_only"] and results:
            settings["backend"], settings["llm_model"] = runner.backend_name()
            settings["notices"] = list(runner.assistant.notices)
    finally:
        runner.close()
    settings["embedding_model"] = index.manifest.model
    return build_scorecard(results, label, settings)


@contextlib.contextmanager
def _base_index(
    index: Index | None,
    index_dir: Path | None,
    corpus: Path | None,
    model: str | None,
    embedder: Any,
    progress: Progress | None,
) -> Iterator[Index]:
    with contextlib.ExitStack() as stack:
        if index is not None:
            base = index
        elif corpus is not None:
            base = open_corpus_index(
                corpus,
                stack,
                index_dir=index_dir,
                model=model,
                embedder=embedder,
                progress=progress,
            )
        else:
            base = ensure_index(index_dir, embedder=embedder, progress=progress)
        if model and base.manifest.model not in _model_names(model):
            base = index_with_model(base, model, progress=progress)
        yield base


def _questions(
    gold: Path | None, limit: int | None, split: str = "all", reader: bool = False
) -> tuple[Path, list[GoldQuestion]]:
    path = Path(gold) if gold else default_gold()
    questions = select_split(load_gold(path), split)
    if limit is not None:
        questions = questions[: max(limit, 0)]
    if not questions:
        where = "" if split == "all" else f" in split {split!r}"
        raise ValueError(f"{path} holds no questions{where}")
    if reader:
        without = [q.id for q in questions if not q.context]
        if without:
            raise ValueError(
                f"--reader reads each question's `context`, and {len(without)} of "
                f"{len(questions)} questions in {path} have none (first: {without[0]}); "
                "scripts/kazqad_to_gold.py writes it"
            )
    return path, questions


def evaluate(
    gold: Path | None = None,
    *,
    index: Index | None = None,
    index_dir: Path | None = None,
    corpus: Path | None = None,
    llm: str | Backend = DEFAULT_LLM,
    mode: str = DEFAULT_MODE,
    k: int = DEFAULT_ANSWER_K,
    retrieval_k: int = 10,
    compose: str = DEFAULT_COMPOSE,
    out: Path | None = None,
    report: Path | None = None,
    progress: Progress | None = None,
    retrieval_only: bool = False,
    limit: int | None = None,
    model: str | None = None,
    embedder: Any = None,
    label: str | None = None,
    split: str = "all",
    reader: bool = False,
) -> Scorecard:
    """Run every gold question; write result rows (`out`) and a Markdown report (`report`).

    The index is `index`, else one built from `corpus` (folder/files or a passages
    JSONL), else the default index at `index_dir`. `model` picks another embedding
    model (its index is built once and cached); `embedder` reuses a loaded default model.
    `split` keeps the `dev` or `test` questions (default `all`); `reader` answers each
    question from its own gold `context` instead of searching.
    """
    gold_path, questions = _questions(gold, limit, split, reader)
    with _base_index(index, index_dir, corpus, model, embedder, progress) as base:
        settings = _settings(
            gold_path, corpus, llm, mode, k, retrieval_k, retrieval_only, compose, split, reader
        )
        card = _run_questions(
            base,
            questions,
            label=label or mode,
            settings=settings,
            llm=llm,
            progress=progress,
        )
    if out:
        write_rows(card, out)
    if report:
        write_report(card, report)
    return card


def _settings(
    gold: Path,
    corpus: Path | None,
    llm: str | Backend,
    mode: str,
    k: int,
    retrieval_k: int,
    retrieval_only: bool,
    compose: str = DEFAULT_COMPOSE,
    split: str = "all",
    reader: bool = False,
) -> dict[str, Any]:
    from qa.retrieval.index import SEARCH_MODES
    from qa.types import check_compose

    if mode not in SEARCH_MODES:
        raise ValueError(f"unknown search mode '{mode}': choose {', '.join(SEARCH_MODES)}")
    check_compose(compose)
    if k < 1 or retrieval_k < 1:
        raise ValueError("k and retrieval_k must be at least 1")
    if reader and retrieval_only:
        raise ValueError("--reader scores answers: it cannot be combined with --retrieval-only")
    return {
        "gold": str(gold),
        "corpus": str(corpus) if corpus else None,
        "llm": llm if isinstance(llm, str) else getattr(llm, "name", "custom"),
        "mode": mode,
        "k": k,
        "retrieval_k": retrieval_k,
        "retrieval_only": retrieval_only,
        "compose": compose,
        "split": split,
        "reader": reader,
    }
