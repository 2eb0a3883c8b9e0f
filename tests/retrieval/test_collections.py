"""Collections in one index: the shipped corpus beside the user's own documents, missing
sources, the folder lock, unwritable folders, a full disk and an index from a newer Kenes.

All with the real embedding model and the shipped corpus; the session index of the
corpus is copied so that its vectors are reused and only new passages are embedded.
"""

import errno
import json
import os
import shutil
import subprocess
import sys

import pytest

from qa.retrieval.collection import adding, missing_documents, removing, update_index
from qa.retrieval.index import (
    FORMAT_VERSION,
    Index,
    IndexBusy,
    IndexCorrupt,
    IndexMismatch,
    IndexNotWritable,
    IndexTooNew,
    ensure_index,
)

PEACE = (
    "# Бітімгерлік\n\nҚазақстан алғаш рет БҰҰ-ның бітімгерлік миссиясына 2014 жылы "
    "қатысты. Әскери қызметшілер Батыс Сахарадағы MINURSO миссиясында қызмет атқарды."
)
SPACE = (
    "# Ғарыш\n\nБайқоңыр ғарыш айлағынан 1961 жылы Юрий Гагарин ұшты. "
    "Қазақстанның алғашқы ғарышкері Тоқтар Әубәкіров 1991 жылы ұшты."
)


@pytest.fixture
def index_copy(tmp_path, corpus_index):
    """A private copy of the session index of the shipped corpus."""
    folder = tmp_path / "index"
    shutil.copytree(corpus_index.folder, folder)
    return folder


@pytest.fixture
def my_docs(tmp_path):
    docs = tmp_path / "my-docs"
    docs.mkdir()
    (docs / "peace.md").write_text(PEACE, encoding="utf-8")
    (docs / "space.md").write_text(SPACE, encoding="utf-8")
    return docs


def _generation(folder):
    return folder / (folder / "CURRENT").read_text().strip()


def test_adding_documents_keeps_the_shipped_corpus(index_copy, my_docs, e5_model):
    built, _ = update_index(index_copy, change=adding([str(my_docs)], "mine"), embedder=e5_model)
    assert [c.name for c in built.collections] == ["oic", "mine"]
    collections = {d.collection for d in built.documents.values()}
    assert collections == {"oic", "mine"}
    assert built.manifest.n_documents == 5 + 2
    # The shipped corpus's vectors are reused: only the two new short documents embed.
    assert 1 <= built.embedded_count <= 2

    everywhere = built.search("Гагарин қай жылы ұшты?", k=10)
    assert {p.collection for p in everywhere} == {"oic", "mine"}
    mine = built.search("Гагарин қай жылы ұшты?", k=5, collection="mine")
    assert mine and {p.collection for p in mine} == {"mine"}
    assert mine[0].origin == "space.md"
    oic = built.search("Гагарин қай жылы ұшты?", k=5, collection="oic")
    assert oic and {p.collection for p in oic} == {"oic"}
    with pytest.raises(ValueError, match=r"no collection 'nope'.*oic, mine"):
        built.search("Гагарин", collection="nope")

    # Reopened (as `kenes search` does), nothing is rebuilt and the collections remain.
    again = ensure_index(index_copy, embedder=e5_model)
    assert again.generation == built.generation
    assert [c.name for c in again.collections] == ["oic", "mine"]


def test_a_folded_copy_is_found_in_its_own_collection(index_copy, e5_model, corpus_documents):
    """The abridged article folds into the full one; searching only its collection still
    finds the abridged copy (through the passage it was folded into)."""
    abridged = next(d for d in corpus_documents if d.id.endswith("-reflow"))
    folder = index_copy.parent / "copy"
    folder.mkdir()
    shutil.copy(abridged.path, folder / "abridged.txt")
    built, _ = update_index(index_copy, change=adding([str(folder)], "copy"), embedder=e5_model)
    results = built.search("1995 жылдан бері ИКҰ-ға мүше мемлекет", k=3, collection="copy")
    assert results and all(p.collection == "copy" for p in results)
    assert all(p.doc_id == "abridged" for p in results)


def test_removing_a_document_then_a_collection(index_copy, my_docs, e5_model):
    update_index(index_copy, change=adding([str(my_docs)], "mine"), embedder=e5_model)
    built, _ = update_index(index_copy, change=removing("space.md"), embedder=e5_model)
    assert {d.origin for d in built.documents.values() if d.collection == "mine"} == {"peace.md"}
    assert built.embedded_count == 0
    # The file is still in the folder, but the removal holds when the sources are re-read.
    again = ensure_index(index_copy, embedder=e5_model)
    assert "space.md" not in {d.origin for d in again.documents.values()}
    built, _ = update_index(index_copy, change=removing("mine"), embedder=e5_model)
    assert [c.name for c in built.collections] == ["oic"]
    assert built.manifest.n_documents == 5
    with pytest.raises(ValueError, match="only collection"):
        update_index(index_copy, change=removing("oic"), embedder=e5_model)
    with pytest.raises(ValueError, match="no collection or document 'ghost'"):
        update_index(index_copy, change=removing("ghost"), embedder=e5_model)


def test_a_moved_source_keeps_its_indexed_text(tmp_path, index_copy, my_docs, e5_model):
    folder = index_copy
    built, _ = update_index(folder, change=adding([str(my_docs)], "mine"), embedder=e5_model)
    shutil.move(my_docs, tmp_path / "moved-away")  # the whole folder is gone

    notices = []
    index = ensure_index(folder, embedder=e5_model, notify=notices.append)
    assert index.generation == built.generation  # served as it is, not rebuilt
    assert len(missing_documents(list(index.documents.values()))) == 2
    assert notices and "2 indexed source(s) are gone" in notices[0] and "Ғарыш" in notices[0]
    assert index.search("Гагарин қай жылы ұшты?", k=1, collection="mine")[0].origin == "space.md"

    # Adding another collection keeps the missing documents' text too.
    other = tmp_path / "other"
    other.mkdir()
    (other / "note.txt").write_text("UNDOF миссиясы 2024 жылы басталды.", encoding="utf-8")
    built, gathered = update_index(folder, change=adding([str(other)], "other"), embedder=e5_model)
    mine = {d.origin for d in built.documents.values() if d.collection != "oic"}
    assert mine == {"peace.md", "space.md", "note.txt"}
    assert len(gathered.kept) == 2


def test_a_second_run_waits_then_fails_naming_the_folder(tmp_path, my_docs, monkeypatch):
    folder = tmp_path / "index"
    folder.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from filelock import FileLock; "
            f"lock = FileLock({str(folder / '.lock')!r}); lock.acquire(); "
            "print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("KENES_INDEX_LOCK_TIMEOUT", "0.2")
        with pytest.raises(IndexBusy) as caught:
            update_index(folder, change=adding([str(my_docs)], "mine"))
    finally:
        holder.kill()
        holder.wait()
    message = str(caught.value)
    assert str(folder) in message and "\n" not in message
    assert not (folder / "CURRENT").exists()


@pytest.mark.parametrize("how", ["under-a-file", "chmod"])
def test_an_unwritable_index_folder_fails_before_any_work(tmp_path, my_docs, monkeypatch, how):
    if how == "under-a-file":
        # Tests run as root, where chmod stops nothing: a folder under a file is
        # unwritable for root too.
        (tmp_path / "a-file").write_text("x")
        folder = tmp_path / "a-file" / "index"
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes into a read-only folder; covered by under-a-file")
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)

    def no_build(*args, **kwargs):
        raise AssertionError("the build started")

    monkeypatch.setattr(Index, "build", no_build)
    with pytest.raises(IndexNotWritable, match="Cannot write the index folder") as caught:
        update_index(folder, change=adding([str(my_docs)], "mine"))
    assert str(folder) in str(caught.value) and "\n" not in str(caught.value)


def test_a_full_disk_keeps_the_old_index(index_copy, corpus_documents, e5_model, monkeypatch):
    before = Index.open(index_copy, embedder=e5_model)
    pointer = (index_copy / "CURRENT").read_text()

    def disk_full(self, path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("qa.text.lexical.BM25Index.save", disk_full)
    with pytest.raises(IndexNotWritable) as caught:
        update_index(index_copy, embedder=e5_model)  # a rebuild, as `kenes index`
    message = str(caught.value)
    assert "disk is full" in message and "previous index is kept" in message
    assert str(index_copy) in message and "\n" not in message
    assert (index_copy / "CURRENT").read_text() == pointer
    assert not list(index_copy.glob(".tmp-*"))  # the partial generation is gone
    assert [p.name for p in index_copy.glob("gen-*")] == [before.generation.name]
    after = Index.open(index_copy, embedder=e5_model)
    assert [p.id for p in after.search("MINURSO")] == [p.id for p in before.search("MINURSO")]


def test_an_index_of_a_newer_format_is_refused_not_rebuilt(index_copy, e5_model):
    manifest_path = _generation(index_copy) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexTooNew, match=r"newer Kenes.*Upgrade Kenes"):
        ensure_index(index_copy, embedder=e5_model)
    assert json.loads(manifest_path.read_text())["format_version"] == FORMAT_VERSION + 1


def test_model_problems_name_the_models_and_the_rebuild_command(index_copy):
    with pytest.raises(IndexMismatch) as caught:
        Index.open(index_copy, model="intfloat/multilingual-e5-large")
    message = str(caught.value)
    assert "multilingual-e5-small" in message and "intfloat/multilingual-e5-large" in message
    assert f"kenes index --index {index_copy} --model intfloat/multilingual-e5-large" in message

    manifest_path = _generation(index_copy) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["dim"] = 768  # as an index whose vectors another model wrote
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt) as caught:
        Index.open(index_copy)
    message = str(caught.value)
    assert "inconsistent" in message and manifest["model"] in message
    assert "768" in message and "384" in message
    assert f"kenes index --index {index_copy}" in message


def test_search_during_another_run_reads_the_index_as_it_is(
    index_copy, my_docs, e5_model, monkeypatch
):
    built, _ = update_index(index_copy, change=adding([str(my_docs)], "mine"), embedder=e5_model)
    (my_docs / "new.txt").write_text("UNDOF миссиясы 2024 жылы басталды.", encoding="utf-8")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from filelock import FileLock; "
            f"lock = FileLock({str(index_copy / '.lock')!r}); lock.acquire(); "
            "print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("KENES_INDEX_LOCK_TIMEOUT", "0.2")
        notices = []
        index = ensure_index(index_copy, embedder=e5_model, notify=notices.append)
    finally:
        holder.kill()
        holder.wait()
    assert index.generation == built.generation
    assert any("Another Kenes run is updating" in n for n in notices)
