"""Text processing of a large build, spread over worker processes.

Cleaning, chunking and splitting passages into evidence units are single-threaded
Python: about 2.2 ms and 0.9 ms a passage on one core (20k passages of the scale
benchmark). With a fast embedder they set the pace of a build, so a build of at least
`PARALLEL_MIN_DOCUMENTS` documents runs them in `KENES_BUILD_WORKERS` processes (the
usable cores by default), in windows of `WINDOW` items so that memory stays bounded
when the consumer (embedding) is slower than the workers. Results come back in input
order: the index is the same as a one-process build's.

The workers are spawned, not forked: the indexing process has ONNX Runtime and torch
threads running, and a forked child may inherit a lock one of them held.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from qa.text.chunking import chunk_document
from qa.text.units import passage_sentences
from qa.types import Document, Passage

PARALLEL_MIN_DOCUMENTS = 64
WINDOW = 2048  # items handed to the workers at a time
CHUNKSIZE = 16  # items per task sent to one worker

In = TypeVar("In")
Out = TypeVar("Out")

_vocabulary: Counter[str] | None = None


def _start(vocabulary: Counter[str] | None) -> None:
    global _vocabulary
    _vocabulary = vocabulary


def chunk(document: Document) -> list[Passage]:
    """A document's passages (with the build's vocabulary, for PDF word repair)."""
    return chunk_document(document, _vocabulary)


def unit_texts(passage: Passage) -> list[str]:
    """The evidence units of a passage: the texts the answer scorer embeds."""
    return [s.text for s in passage_sentences([passage])]


def worker_count(documents: int, requested: int | None = None) -> int:
    """Processes for a build of `documents`: 1 below PARALLEL_MIN_DOCUMENTS."""
    if documents < PARALLEL_MIN_DOCUMENTS:
        return 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, requested or usable or 1)


class TextWorkers:
    """`map` in worker processes (or in this one, with one worker), in input order."""

    def __init__(self, workers: int, vocabulary: Counter[str] | None = None) -> None:
        self.workers = workers
        self._pool = None
        if workers > 1:
            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(workers, initializer=_start, initargs=(vocabulary,))
        else:
            _start(vocabulary)

    def map(self, function: Callable[[In], Out], items: Iterable[In]) -> Iterator[Out]:
        if self._pool is None:
            yield from map(function, items)
            return
        iterator = iter(items)
        while window := list(itertools.islice(iterator, WINDOW)):
            yield from self._pool.imap(function, window, CHUNKSIZE)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> TextWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
