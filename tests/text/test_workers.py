"""Text processing in worker processes gives what one process gives, in order."""

from __future__ import annotations

from collections import Counter

from qa.text import workers as text_workers
from qa.text.workers import TextWorkers, chunk, unit_texts, worker_count
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
    assert all(units for units in expected_units)


def test_small_builds_stay_in_one_process(monkeypatch):
    assert worker_count(text_workers.PARALLEL_MIN_DOCUMENTS - 1, requested=4) == 1
    assert worker_count(text_workers.PARALLEL_MIN_DOCUMENTS, requested=3) == 3
    monkeypatch.setattr(text_workers, "WINDOW", 5)  # several windows, still in order
    with TextWorkers(1) as alone:
        expected = [_as_rows(c) for c in alone.map(chunk, DOCUMENTS)]
    with TextWorkers(2) as pool:
        assert pool._pool is not None
        assert [_as_rows(c) for c in pool.map(chunk, DOCUMENTS)] == expected
