"""Documents and passages read from disk on demand (qa.retrieval.stored_rows)."""

from __future__ import annotations

import pytest

from qa.retrieval.stored_rows import (
    RowFile,
    StagedPassages,
    StoredDocuments,
    StoredPassages,
    columns_path,
    write_documents,
    write_passages,
)
from qa.text.chunking import chunk_document
from qa.types import Document

DOCUMENTS = [
    Document(
        id="steppe", title="Дала", origin="dala.txt", collection="mine",
        text="Дала кең. Жылқылар жайылып жүр. Ауылда той болды. " * 3,
    ),
    Document(
        id="lake", title="Көл «Балқаш»", origin="kol.txt",
        text="Балқаш көлінің суы жартылай тұщы. Жағасында балықшылар тұрады. " * 3,
    ),
]  # fmt: skip


@pytest.fixture()
def stored(tmp_path):
    passages = [p for d in DOCUMENTS for p in chunk_document(d)]
    passages[-1].duplicate_of = passages[0].id
    passages[0].alternatives = [passages[-1].id]
    write_documents(tmp_path / "documents.jsonl", DOCUMENTS)
    write_passages(tmp_path / "passages.jsonl", passages)
    documents = StoredDocuments(tmp_path / "documents.jsonl", unnamed="default")
    return passages, documents, StoredPassages(tmp_path / "passages.jsonl", documents)


def test_rows_are_read_back_by_id_and_by_search_position(stored):
    passages, documents, stored_passages = stored
    assert len(stored_passages) == len(passages) >= 2
    assert [p.id for p in stored_passages.values()] == [p.id for p in passages]
    first = stored_passages[passages[0].id]
    assert first.text == passages[0].text and first.alternatives == [passages[-1].id]
    assert first.collection == "mine"
    assert stored_passages[passages[-1].id].collection == "default"  # no collection recorded
    assert [p.id for p in stored_passages.indexed] == [p.id for p in passages[:-1]]
    assert stored_passages.indexed[-1].id == passages[-2].id
    assert stored_passages.get("no such passage") is None
    with pytest.raises(KeyError):
        documents["no such document"]
    assert documents["lake"].title == "Көл «Балқаш»" and documents["lake"].collection == "default"
    assert list(documents) == ["steppe", "lake"]


def test_a_file_without_its_column_file_is_scanned_instead(stored, tmp_path):
    passages, _, _ = stored
    columns_path(tmp_path / "passages.jsonl").unlink()
    scanned = RowFile(tmp_path / "passages.jsonl", ("id", "duplicate_of"))
    assert len(scanned) == len(passages)
    assert scanned.text("id", 1) == passages[1].id
    assert scanned.text("duplicate_of", len(passages) - 1) == passages[0].id
    assert scanned.row(0)["text"] == passages[0].text


def test_a_file_changed_after_its_column_file_is_refused(stored, tmp_path):
    with (tmp_path / "passages.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"id": "extra"}\n')
    with pytest.raises(ValueError, match="column file"):
        RowFile(tmp_path / "passages.jsonl", ("id",))


def test_staged_passages_carry_their_near_duplicate_marks(tmp_path):
    passages = [p for d in DOCUMENTS for p in chunk_document(d)]
    staged = StagedPassages(tmp_path / "staged.jsonl", iter(passages))
    staged.fold({len(passages) - 1: 0})
    assert staged[0].alternatives == [passages[-1].id]
    assert staged[-1].duplicate_of == passages[0].id
    assert [p.id for p in staged.indexed] == [p.id for p in passages[:-1]]
    assert [p.id for p in staged[:2]] == [p.id for p in passages[:2]]
    with pytest.raises(IndexError):
        staged[len(passages)]
    staged.close()
