"""An index's documents and passages, read from disk when asked for.

A million passages hold some 1.5 GB of text, and their documents as much again; as
Python objects that was several GiB resident in every process that opened the index
(about 4 KB per passage). Instead, a row of `passages.jsonl` or `documents.jsonl` is
read (pread) and parsed when a caller asks for it (tens of microseconds; a
search reads a few dozen). A small column file beside each (`*.columns.npz`: each
line's byte offset, the ids and the few fields needed to find rows) is all that is
read at opening: about 50 bytes per passage.

Generations written before the column files existed are read once at opening to
rebuild them in memory (the old cost, once).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar, overload

import numpy as np

from qa.types import Document, Passage

COLUMNS_SUFFIX = ".columns.npz"
PASSAGE_COLUMNS = ("id", "doc_id", "duplicate_of")
DOCUMENT_COLUMNS = ("id", "collection")
T = TypeVar("T")


def columns_path(path: Path) -> Path:
    return path.with_name(path.stem + COLUMNS_SUFFIX)


def write_rows(path: Path, rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """Write `rows` as JSON lines, and their offsets and `columns` beside them."""
    offsets, values = [0], {name: [] for name in columns}
    with path.open("wb") as handle:
        for row in rows:
            line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
            for name in columns:
                values[name].append(row.get(name) or "")
    with columns_path(path).open("wb") as handle:
        np.savez(handle, offsets=np.asarray(offsets, dtype=np.int64), **_encoded(values))


def _encoded(values: dict[str, list[str]]) -> dict[str, np.ndarray]:
    """Each column as UTF-8 bytes (numpy's "S" arrays: 1 byte per ASCII character)."""
    return {
        name: np.asarray([v.encode("utf-8") for v in column], dtype=np.bytes_)
        for name, column in values.items()
    }


class RowFile:
    """The rows of one JSON-lines file, by number, parsed on demand."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = path
        # Read with pread, not a memory map: mapped pages, once read, count in the
        # process's resident memory (a million passages are ~3 GB of JSON).
        self._fd = os.open(path, os.O_RDONLY)
        self._size = os.fstat(self._fd).st_size
        sidecar = columns_path(path)
        if sidecar.is_file():
            with np.load(sidecar, allow_pickle=False) as data:
                self.offsets = data["offsets"]
                self.columns = {name: data[name] for name in columns}
        else:
            self.offsets, self.columns = self._scan(columns)
        if len(self.offsets) < 1 or int(self.offsets[-1]) != self._size:
            raise ValueError(f"{path.name} does not match its column file")

    def _scan(self, columns: Sequence[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        offsets, values = [0], {name: [] for name in columns}
        with self.path.open("rb") as handle:
            for line in handle:
                offsets.append(offsets[-1] + len(line))
                row = json.loads(line)
                for name in columns:
                    values[name].append(row.get(name) or "")
        return np.asarray(offsets, dtype=np.int64), _encoded(values)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def row(self, number: int) -> dict[str, Any]:
        start, end = int(self.offsets[number]), int(self.offsets[number + 1])
        return json.loads(os.pread(self._fd, end - start, start))

    def text(self, name: str, number: int) -> str:
        return bytes(self.columns[name][number]).decode("utf-8")

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


class _ById:
    """Row numbers by id: the ids sorted once, found by binary search."""

    def __init__(self, ids: np.ndarray) -> None:
        self._order = np.argsort(ids, kind="stable")
        self._sorted = ids[self._order]

    def find(self, key: str) -> int | None:
        wanted = np.bytes_(key.encode("utf-8"))
        at = int(np.searchsorted(self._sorted, wanted))
        if at < len(self._sorted) and self._sorted[at] == wanted:
            return int(self._order[at])
        return None


class _StoredById(Mapping[str, T]):
    """Rows of a JSON-lines file by their "id", each made into an object when read."""

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self._rows = RowFile(path, columns)
        self._by_id = _ById(self._rows.columns["id"])

    def read(self, number: int) -> T:
        raise NotImplementedError

    def __getitem__(self, key: str) -> T:
        number = self._by_id.find(key)
        if number is None:
            raise KeyError(key)
        return self.read(number)

    def __iter__(self) -> Iterator[str]:
        return (self._rows.text("id", n) for n in range(len(self._rows)))

    def __len__(self) -> int:
        return len(self._rows)

    def values(self) -> Iterator[T]:  # type: ignore[override]
        """Every row, read one at a time."""
        return (self.read(n) for n in range(len(self._rows)))


class StoredDocuments(_StoredById[Document]):
    """An index's documents by id; `collection` filled in for documents of an index
    older than collections (they belong to `unnamed`)."""

    def __init__(self, path: Path, unnamed: str) -> None:
        super().__init__(path, DOCUMENT_COLUMNS)
        self.unnamed = unnamed

    def read(self, number: int) -> Document:
        document = document_from_row(self._rows.row(number))
        return document if document.collection else replace(document, collection=self.unnamed)

    def collection_of(self, doc_id: str) -> str:
        number = self._by_id.find(doc_id)
        if number is None:
            return ""
        return self._rows.text("collection", number) or self.unnamed


class StoredPassages(_StoredById[Passage]):
    """An index's passages by id (near-duplicate copies included); `indexed` lists the
    searchable ones in the order of the vector and BM25 rows."""

    def __init__(self, path: Path, documents: StoredDocuments) -> None:
        super().__init__(path, PASSAGE_COLUMNS)
        self._documents = documents
        searchable = np.flatnonzero(self._rows.columns["duplicate_of"] == b"")
        self.indexed = IndexedPassages(self, searchable)

    def read(self, number: int) -> Passage:
        row = self._rows.row(number)
        row["collection"] = self._documents.collection_of(row["doc_id"])
        return Passage(**row)


class _Readable(Protocol):
    def read(self, number: int) -> Passage: ...


class IndexedPassages(Sequence[Passage]):
    """The searchable passages: position i is row i of the vector store and of BM25."""

    def __init__(self, passages: _Readable, rows: np.ndarray) -> None:
        self._passages = passages
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, position: int) -> Passage: ...
    @overload
    def __getitem__(self, position: slice) -> list[Passage]: ...
    def __getitem__(self, position: int | slice) -> Passage | list[Passage]:
        if isinstance(position, slice):
            return [self._passages.read(int(n)) for n in self._rows[position]]
        return self._passages.read(int(self._rows[position]))

    def __iter__(self) -> Iterator[Passage]:
        return (self._passages.read(int(n)) for n in self._rows)


class StagedPassages(IndexedPassages):
    """The passages of a build in progress, chunked into a staging file on disk; as a
    sequence, every passage (near-duplicates included), in chunking order.

    A million passages as Python objects are some 4 GiB; the build reads them from
    here, one at a time, at each step (near-duplicates, embedding, BM25, writing).
    """

    def __init__(self, path: Path, passages: Iterable[Passage]) -> None:
        write_rows(path, (p.to_dict() for p in passages), ("id",))
        self._file = RowFile(path, ("id",))
        super().__init__(self, np.arange(len(self._file)))
        self.duplicate_of: dict[int, int] = {}
        self.alternatives: dict[int, list[int]] = {}

    def fold(self, folded: dict[int, int]) -> None:
        """Record near-duplicates: passage i folds into passage j."""
        self.duplicate_of = dict(folded)
        self.alternatives = {}
        for i, j in folded.items():
            self.alternatives.setdefault(j, []).append(i)

    def read(self, number: int) -> Passage:
        passage = Passage(**self._file.row(number))
        if number in self.duplicate_of:
            passage.duplicate_of = self._file.text("id", self.duplicate_of[number])
        passage.alternatives = [self._file.text("id", i) for i in self.alternatives.get(number, ())]
        return passage

    @property
    def indexed(self) -> IndexedPassages:
        """The passages not folded into another, in order."""
        folded = np.fromiter(self.duplicate_of, dtype=np.int64, count=len(self.duplicate_of))
        return IndexedPassages(self, np.setdiff1d(self._rows, folded))

    def close(self) -> None:
        self._file.close()


def document_from_row(row: dict[str, Any]) -> Document:
    return Document(**{**row, "authors": tuple(row.get("authors", ()))})


def write_documents(path: Path, documents: Iterable[Document]) -> None:
    write_rows(path, (asdict(d) for d in documents), DOCUMENT_COLUMNS)


def write_passages(path: Path, passages: Iterable[Passage]) -> None:
    write_rows(path, (p.to_dict() for p in passages), PASSAGE_COLUMNS)
