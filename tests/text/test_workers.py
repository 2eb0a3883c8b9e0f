"""Text processing in worker processes gives what one process gives, in order."""

from __future__ import annotations

import os
from collections import Counter
from concurrent.futures.process import BrokenProcessPool

import pytest

from qa.text import workers as text_workers
from qa.text.lexical import tokenize
from qa.text.workers import TextWorkers, chunk, passage_tokens, unit_texts, worker_count
from qa.types import Document

DOCUMENTS = [
    Document(
        id=f"note-{n}", title=f"Жазба {n}", origin=f"note-{n}.txt",
        text=(
            f"{n}-жазба. Өзен жағасында {n * 3} қайың өсіп тұр. Балалар жаз-\n"
            "ғы демалыста ауылға барды. Ата-әжесі оларды қуана қарсы алды. "
        ) * (2 + n % 3),
    )
    for n in range(12)
]  # fmt: skip


def _as_rows(passages):
    return [(p.id, p.text, p.original, p.start, p.end) for p in passages]


def test_two_workers_chunk_and_split_as_one_process_does():
    vocabulary = Counter("жазғы демалыста ауылға".split())
    with TextWorkers(1, vocabulary) as alone:
        expected = [_as_rows(c) for c in alone.map(chunk, DOCUMENTS)]
        passages = [p for c in alone.map(chunk, DOCUMENTS) for p in c]
        expected_units = list(alone.map(unit_texts, passages))
    with TextWorkers(2, vocabulary) as pool:
        assert [_as_rows(c) for c in pool.map(chunk, DOCUMENTS)] == expected
        assert list(pool.map(unit_texts, passages)) == expected_units
        assert list(pool.map(passage_tokens, passages)) == [tokenize(p.text) for p in passages]
    assert all(units for units in expected_units)


def test_small_builds_stay_in_one_process(monkeypatch):
    assert worker_count(text_workers.PARALLEL_MIN_DOCUMENTS - 1, requested=4) == 1
    assert worker_count(text_workers.PARALLEL_MIN_DOCUMENTS, requested=3) == 3
    monkeypatch.setattr(text_workers, "WINDOW", 5)  # several windows, still in order
    with TextWorkers(1) as alone:
        expected = [_as_rows(c) for c in alone.map(chunk, DOCUMENTS)]
    with TextWorkers(2) as pool:
        assert [_as_rows(c) for c in pool.map(chunk, DOCUMENTS)] == expected
        assert pool._pool is not None
    assert pool._pool is None  # stopped with the block
    assert [_as_rows(c) for c in pool.map(chunk, DOCUMENTS[:3])] == expected[:3]  # restarted
    pool.close()


def _die(document: Document) -> None:
    os._exit(3)  # a worker killed mid-build (out of memory, say)


def test_a_worker_that_dies_stops_the_build_with_an_error():
    with TextWorkers(2) as pool, pytest.raises(BrokenProcessPool):
        list(pool.map(_die, DOCUMENTS))
