"""Kenes (кеңес): offline question answering over Kazakh documents, with checked citations.

The Python API mirrors the `kenes` command line:

    import qa
    index = qa.ensure_index()                      # kenes index
    passages = qa.search("Сомалиге көмек", k=5)    # kenes search
    qa.transliterate("قازاقستان")                  # kenes translit
    answer = qa.Assistant().ask("…")               # kenes ask
    card = qa.evaluate()                           # kenes eval

Heavy modules (torch, FAISS, llama.cpp) load only when first used.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa.config import DEFAULT_MODE, DEFAULT_SEARCH_K
from qa.text.transliterate import transliterate
from qa.types import Answer, Citation, Document, Passage

if TYPE_CHECKING:
    from qa.answering.assistant import Assistant
    from qa.retrieval.index import Index

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "Document",
    "Index",
    "Passage",
    "ensure_index",
    "evaluate",
    "search",
    "transliterate",
]


def ensure_index(index_dir: Path | None = None, **kwargs: Any) -> Index:
    """Open the index (default: the shipped corpus), building or updating it if needed."""
    from qa.retrieval.index import ensure_index as _ensure

    return _ensure(index_dir, **kwargs)


def search(
    query: str,
    k: int = DEFAULT_SEARCH_K,
    mode: str = DEFAULT_MODE,
    index_dir: Path | None = None,
    collection: str | None = None,
) -> list[Passage]:
    """The k best passages for `query`: Kazakh (any script), Russian or English; from
    one collection of the index when `collection` names it (else from all)."""
    return ensure_index(index_dir).search(query, k=k, mode=mode, collection=collection)


def evaluate(*args: Any, **kwargs: Any) -> Any:
    """Run a gold question set and return the scorecard (see qa.evaluation.evaluate)."""
    from qa.evaluation import evaluate as _evaluate

    return _evaluate(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "Assistant":
        from qa.answering.assistant import Assistant

        return Assistant
    if name == "Index":
        from qa.retrieval.index import Index

        return Index
    raise AttributeError(name)
