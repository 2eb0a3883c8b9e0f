"""The real index: FAISS + BM25 over the shipped corpus with the real e5 model."""

import json
import os
import shutil
from dataclasses import replace

import numpy as np
import pytest

import qa.retrieval.index as index_module
from qa.retrieval.index import Index, IndexCorrupt, IndexMismatch, IndexMissing, ensure_index
from qa.types import Passage


@pytest.fixture
def index_copy(tmp_path, corpus_index):
    """A private copy of the session index folder, for tests that damage it."""
    folder = tmp_path / "index"
    shutil.copytree(corpus_index.folder, folder)
    return folder


def test_passages_point_at_their_exact_place(corpus_index, corpus_documents):
    documents = {d.id: d for d in corpus_documents}
    for passage in corpus_index.passages.values():
        assert documents[passage.doc_id].text[passage.start : passage.end] == passage.original
        assert passage.origin == documents[passage.doc_id].origin


def test_passage_sizes_are_sentence_aware(corpus_index):
    sizes = [len(p.original.split()) for p in corpus_index.passages.values()]
    assert max(sizes) <= 240
    assert sum(s >= 40 for s in sizes) / len(sizes) > 0.9


def test_search_returns_typed_passages(corpus_index):
    results = corpus_index.search(
        "Сомалидегі гуманитарлық дағдарысқа қанша қаржы жұмылдырылды?", k=5
    )
    assert len(results) == 5
    assert all(isinstance(p, Passage) for p in results)
    assert [p.score for p in results] == sorted((p.score for p in results), reverse=True)
    assert any("350" in p.text for p in results[:3])


@pytest.mark.parametrize("mode", ["dense", "bm25", "hybrid"])
def test_every_mode_finds_the_somalia_passage(corpus_index, mode):
    results = corpus_index.search("Сомали гуманитарлық көмек 350 млн доллар", k=5, mode=mode)
    assert any("350" in p.text for p in results)
    if mode != "hybrid":
        assert all(mode in p.scores for p in results)


def test_unknown_mode_is_an_error(corpus_index):
    with pytest.raises(ValueError, match="hybrid"):
        corpus_index.search("ИЫҰ", mode="fuzzy")


def test_arabic_script_question_finds_the_arabic_document(corpus_index):
    results = corpus_index.search(
        "ۇيىم قاي جىلى قۇرىلدى؟", k=5
    )  # "When was the organisation founded?"
    assert any(p.doc_id == "kazinform-mussinov-interview" and "1969" in p.text for p in results)


@pytest.mark.parametrize(
    "question",
    ["Қазақстан ИЫҰ-ға қай жылы мүше болды?", "Qazaqstan IIU-ga qai jyly mushe boldy?"],
)
def test_an_acronym_finds_passages_that_name_the_organisation_otherwise(corpus_index, question):
    # The interview says "аталған ұйымға мүшелікке енді" (joined the said organisation),
    # never "ИЫҰ"; spelt out, the acronym finds it beside the 1995 passages.
    results = corpus_index.search(question, k=6)
    assert any("1992 -жылы" in p.text for p in results)
    assert any("1995 жылдан бері" in p.text for p in results)


def test_latin_script_question_is_transliterated(corpus_index):
    results = corpus_index.search("Somalige qansha aqsha jinaldy?", k=5)
    assert any("350" in p.text for p in results)


def test_near_duplicates_fold_into_the_cleaner_copy(corpus_index):
    duplicates = [p for p in corpus_index.passages.values() if p.duplicate_of]
    assert duplicates, "the re-flowed copy of the PDF article must be detected"
    for passage in duplicates:
        canonical = corpus_index.passages[passage.duplicate_of]
        assert canonical.doc_id != passage.doc_id
        assert passage.id in canonical.alternatives
    # The PDF copy (hyphenation, split words) is the noisier one: most of its overlap folds.
    folded = {p.doc_id for p in duplicates}
    assert "oic-ten-year-programme-contribution" in folded
    results = corpus_index.search("1995 жылдан бері ИКҰ-ға мүше мемлекет", k=10)
    assert not any(p.duplicate_of for p in results)
    assert len({p.original for p in results}) == len(results)


def test_open_verifies_and_loads(corpus_index):
    reopened = Index.open(corpus_index.folder, embedder=corpus_index.embedder)
    assert reopened.manifest.n_passages == len(corpus_index.passages)
    question = "Қазақстан ИЫҰ-ға қай жылы мүше болды?"
    assert [p.id for p in reopened.search(question)] == [
        p.id for p in corpus_index.search(question)
    ]


def test_missing_index_is_explained(tmp_path):
    with pytest.raises(IndexMissing, match="kenes index"):
        Index.open(tmp_path / "nowhere")


def test_damaged_file_is_detected(index_copy):
    generation = index_copy / (index_copy / "CURRENT").read_text().strip()
    with (generation / "passages.jsonl").open("a", encoding="utf-8") as handle:
        handle.write("\n")
    with pytest.raises(IndexCorrupt, match="damaged"):
        Index.open(index_copy)


def _generation(folder):
    return folder / (folder / "CURRENT").read_text().strip()


def test_unchanged_files_are_not_hashed_again_at_open(index_copy, monkeypatch):
    hashed = []
    real_sha256 = index_module._sha256
    monkeypatch.setattr(
        index_module, "_sha256", lambda path: hashed.append(path) or real_sha256(path)
    )
    Index.open(index_copy)  # copytree kept the times, so the build's stamps still hold
    assert hashed == []
    Index.open(index_copy, verify=True)
    assert len(hashed) == len(
        json.loads((_generation(index_copy) / "manifest.json").read_text())["files"]
    )


def test_a_change_that_keeps_size_and_time_is_found_by_verify(index_copy):
    passages = _generation(index_copy) / "passages.jsonl"
    info = passages.stat()
    text = passages.read_text(encoding="utf-8")
    passages.write_text(text.replace("Қазақстан", "Казахстан", 1), encoding="utf-8")
    assert passages.stat().st_size == info.st_size  # "Қ" and "К" are two bytes each
    os.utime(passages, ns=(info.st_atime_ns, info.st_mtime_ns))
    Index.open(index_copy)  # what only a deliberate reset of the time can hide
    with pytest.raises(IndexCorrupt, match=r"passages\.jsonl"):
        Index.open(index_copy, verify=True)


def test_a_copied_index_is_hashed_once_then_trusted(tmp_path, index_copy, monkeypatch):
    copy = tmp_path / "plain-copy"
    shutil.copytree(index_copy, copy, copy_function=shutil.copyfile)  # new times
    hashed = []
    real_sha256 = index_module._sha256
    monkeypatch.setattr(
        index_module, "_sha256", lambda path: hashed.append(path) or real_sha256(path)
    )
    Index.open(copy)
    first = len(hashed)
    Index.open(copy)
    assert first > 0 and len(hashed) == first


def test_other_model_is_a_mismatch(index_copy):
    with pytest.raises(IndexMismatch, match="embedding model"):
        Index.open(index_copy, model="intfloat/multilingual-e5-large")


def test_old_text_version_is_a_mismatch(index_copy):
    generation = index_copy / (index_copy / "CURRENT").read_text().strip()
    manifest = json.loads((generation / "manifest.json").read_text())
    manifest["text_version"] = "0"
    (generation / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="Rebuild"):
        Index.open(index_copy)


def test_interrupted_build_leaves_the_old_index_usable(
    index_copy, corpus_documents, e5_model, monkeypatch
):
    before = Index.open(index_copy, embedder=e5_model)
    pointer = (index_copy / "CURRENT").read_text()

    def crash(self, path):
        raise KeyboardInterrupt  # the user pressed Ctrl-C while files were being written

    monkeypatch.setattr("embeddings.faiss_store.VectorStore.save", crash)
    with pytest.raises(KeyboardInterrupt):
        Index.build(corpus_documents, index_copy, embedder=e5_model)
    assert (index_copy / "CURRENT").read_text() == pointer
    after = Index.open(index_copy, embedder=e5_model)
    question = "MINURSO миссиясы"
    assert [p.id for p in after.search(question)] == [p.id for p in before.search(question)]


def test_reindexing_embeds_only_changed_passages(index_copy, corpus_documents, e5_model):
    changed = [
        replace(d, text=d.text + "\n\nҚосымша: Кеңес жаңа сөйлемді тексереді.")
        if d.id == "multivector-foreign-policy-middle-power"
        else d
        for d in corpus_documents
    ]
    rebuilt = Index.build(changed, index_copy, embedder=e5_model)
    assert 1 <= rebuilt.embedded_count <= 3
    assert rebuilt.manifest.n_indexed == len(rebuilt.indexed)
    # The units carried over from the previous generation keep their own vectors.
    from embeddings.models import embed_passages
    from qa.answering.evidence import passage_sentences

    units = sorted({s.text for s in passage_sentences(rebuilt.indexed[:6])})
    stored = rebuilt.sentence_vectors.lookup(units)
    assert rebuilt.embedded_units < len(rebuilt.sentence_vectors)
    np.testing.assert_allclose(np.stack(stored), embed_passages(e5_model, units), atol=1e-4)


def test_ensure_index_builds_then_follows_document_changes(tmp_path, e5_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Қазақстан 1992 жылы ұйымға мүше болды. " * 5, encoding="utf-8")
    folder = tmp_path / "index"
    from qa.retrieval.corpus import load_sources

    sources = [str(docs)]
    Index.build(load_sources(sources).documents, folder, embedder=e5_model, sources=sources)
    first = ensure_index(folder, embedder=e5_model)
    (docs / "b.md").write_text(
        "# Бейбітшілік\n\nUNDOF миссиясы 2024 жылы басталды.", encoding="utf-8"
    )
    messages = []
    second = ensure_index(folder, embedder=e5_model, notify=messages.append)
    assert second.manifest.n_documents == first.manifest.n_documents + 1
    assert messages and "changed" in messages[0]
    assert second.search("UNDOF", k=1, mode="bm25")[0].origin == "b.md"
