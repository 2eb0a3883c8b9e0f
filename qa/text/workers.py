"""Text processing of a large build, spread over worker processes.

Cleaning, chunking, splitting passages into evidence units and stemming them for BM25
are single-threaded Python: about 2.2, 0.9 and 0.7 ms a passage on one core (the scale
benchmark's passages). With a fast embedder they set the pace of a build, so a build
of at least `PARALLEL_MIN_DOCUMENTS` documents runs them in `KENES_BUILD_WORKERS`
processes (the usable cores by default), in windows of `WINDOW` items so that memory
stays bounded when the consumer (embedding) is slower than the workers. Results come
back in input order: the index is the same as a one-process build's.

The workers are forked (as PyTorch's DataLoader workers are): spawned ones would
import the caller's main module again, which runs a script without a
`if __name__ == "__main__"` guard a second time, and they only run pure Python text
code, never the ONNX Runtime or torch threads of the parent. `ProcessPoolExecutor`
rather than `multiprocessing.Pool`: a worker that dies (killed for memory, say) raises
`BrokenProcessPool` instead of leaving the build waiting forever.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from qa.text.chunking import chunk_document
from qa.text.lexical import tokenize
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


def passage_tokens(passage: Passage) -> list[str]:
    """The BM25 tokens (stems) of a passage."""
    return tokenize(passage.text)


def worker_count(documents: int, requested: int | None = None) -> int:
    """Processes for a build of `documents`: 1 below PARALLEL_MIN_DOCUMENTS."""
    if documents < PARALLEL_MIN_DOCUMENTS:
        return 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, requested or usable or 1)


class TextWorkers:
    """`map` in worker processes (or in this one, with one worker), in input order.

    The processes start at the first `map` and stop when the `with` block ends; a later
    `map` starts them again.
    """

    def __init__(self, workers: int, vocabulary: Counter[str] | None = None) -> None:
        self.workers = workers
        self.vocabulary = vocabulary
        self._pool: ProcessPoolExecutor | None = None
        if workers <= 1:
            _start(vocabulary)

    def map(self, function: Callable[[In], Out], items: Iterable[In]) -> Iterator[Out]:
        if self.workers <= 1:
            yield from map(function, items)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_start,
                initargs=(self.vocabulary,),
            )
        iterator = iter(items)
        while window := list(itertools.islice(iterator, WINDOW)):
            yield from self._pool.map(function, window, chunksize=CHUNKSIZE)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> TextWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
