"""Large ingestion: resumable batched embedding, stored evidence-unit vectors, FAISS by size.

Real e5 model, real FAISS, real bm25s; a few short real documents keep it quick.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from qa.answering.evidence import Scorer, passage_sentences
from qa.retrieval import ingest
from qa.retrieval.index import Index

QUESTIONS = ("Қазақстан ИЫҰ-ға қай жылы мүше болды?", "Сомалиге қанша көмек жиналды?")


class CountingEmbedder:
    """The real model, counting the texts it is asked to embed (per prompt)."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.texts: dict[str, list[str]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def encode(self, texts, prompt_name=None, **kwargs):
        self.texts.setdefault(prompt_name or "", []).extend(texts)
        return self._model.encode(texts, prompt_name=prompt_name, **kwargs)

    def embedded(self, prompt: str = "passage") -> list[str]:
        return self.texts.get(prompt, [])


@pytest.fixture(scope="module")
def small_documents(corpus_documents):
    """Two real documents, cut short (a handful of passages)."""
    cyrillic = [d for d in corpus_documents if d.script != "Arab"]
    return [replace(d, text=d.text[:1800]) for d in cyrillic[:2]]


def _interrupt_after(batches: int):
    seen = []

    def report(stage: str, done: int, total: int) -> None:
        if stage == "embedding" and done > 0:
            seen.append(done)
            if len(seen) == batches:
                raise KeyboardInterrupt

    return report


def test_interrupted_build_resumes_without_embedding_finished_batches(
    tmp_path, e5_model, small_documents, monkeypatch
):
    monkeypatch.setattr(ingest, "EMBED_BATCH", 1)
    folder = tmp_path / "index"
    first = CountingEmbedder(e5_model)
    with pytest.raises(KeyboardInterrupt):
        Index.build(small_documents, folder, embedder=first, progress=_interrupt_after(2))
    assert not (folder / "CURRENT").exists()  # nothing half-built is in use
    assert len(list((folder / ingest.CACHE_DIR).rglob("batch-*.npz"))) == 2
    finished = set(first.embedded())

    second = CountingEmbedder(e5_model)
    resumed = Index.build(small_documents, folder, embedder=second)
    again = set(second.embedded())
    assert finished and again
    assert not finished & again  # no passage or unit of a finished batch embedded twice
    assert not (folder / ingest.CACHE_DIR).exists()  # removed after the successful build

    whole = Index.build(small_documents, tmp_path / "whole", embedder=CountingEmbedder(e5_model))
    assert [p.id for p in resumed.indexed] == [p.id for p in whole.indexed]
    assert len(resumed.indexed) >= 3
    resumed_vectors = np.load(resumed.generation / "vectors.npy")
    whole_vectors = np.load(whole.generation / "vectors.npy")
    np.testing.assert_allclose(resumed_vectors, whole_vectors, atol=1e-5)
    assert np.array_equal(resumed.sentence_vectors.keys, whole.sentence_vectors.keys)
    keys = whole.sentence_vectors.keys.tolist()
    np.testing.assert_allclose(
        np.asarray(resumed.sentence_vectors.vectors)[resumed.sentence_vectors.rows(keys)],
        np.asarray(whole.sentence_vectors.vectors)[whole.sentence_vectors.rows(keys)],
        atol=1e-5,
    )
    for question in QUESTIONS:
        assert [p.id for p in resumed.search(question, k=3)] == [
            p.id for p in whole.search(question, k=3)
        ]


def test_scorer_reads_stored_unit_vectors_and_embeds_only_the_question(
    tmp_path, e5_model, small_documents
):
    built = Index.build(small_documents, tmp_path / "index", embedder=e5_model)
    opened = Index.open(tmp_path / "index", embedder=e5_model)
    sentences = passage_sentences(opened.indexed)
    assert len(opened.sentence_vectors) >= len({s.text for s in sentences}) > 5
    assert isinstance(opened.sentence_vectors.vectors, np.memmap)
    assert all(v is not None for v in opened.sentence_vectors.lookup([s.text for s in sentences]))
    assert built.manifest.storage["sentence_units"] == len(opened.sentence_vectors)

    counting = CountingEmbedder(e5_model)
    stored = Scorer(counting, opened.common_terms())
    assert stored.sentence_vectors is not None
    fresh = Scorer(
        CountingEmbedder(e5_model),
        opened.common_terms(),
        sentence_vectors=ingest.SentenceVectors.empty(),
    )
    for question in QUESTIONS:
        with_stored = stored.scores(question, sentences)
        embedded = fresh.scores(question, sentences)
        np.testing.assert_allclose(with_stored, embedded, atol=1e-4)
    assert counting.embedded("passage") == []  # the units were read, not embedded
    assert counting.embedded("query")
    assert len(fresh.embedder.embedded("passage")) == len({s.text for s in sentences})


def test_faiss_kind_is_chosen_by_size_and_recorded():
    assert ingest.choose_faiss_kind(ingest.FLAT_LIMIT - 1) == "flat"
    assert ingest.choose_faiss_kind(ingest.FLAT_LIMIT) == "hnsw"
    assert ingest.choose_faiss_kind(10, "ivf") == "ivf"


def test_hnsw_index_is_loaded_memory_mapped_with_its_parameters(tmp_path, corpus_index):
    vectors = np.load(corpus_index.generation / "vectors.npy")
    store, params = ingest.build_faiss(vectors, "hnsw")
    assert params == {
        "kind": "hnsw",
        "M": ingest.HNSW_M,
        "efConstruction": ingest.HNSW_EF_CONSTRUCTION,
        "efSearch": ingest.HNSW_EF_SEARCH,
    }
    store.save(tmp_path / "dense.faiss")
    loaded = ingest.load_faiss(tmp_path / "dense.faiss", "hnsw")
    assert loaded.index.hnsw.efSearch == ingest.HNSW_EF_SEARCH
    exact = corpus_index.store
    hits = 0
    for row in range(0, len(vectors), 7):
        _, approx = loaded.search(vectors[row], 10)
        _, truth = exact.search(vectors[row], 10)
        hits += len(set(approx.tolist()) & set(truth.tolist()))
    assert hits / (10 * len(range(0, len(vectors), 7))) >= 0.95


def test_the_hnsw_search_breadth_is_a_setting(tmp_path, corpus_index, monkeypatch):
    store, _ = ingest.build_faiss(np.load(corpus_index.generation / "vectors.npy"), "hnsw")
    store.save(tmp_path / "dense.faiss")
    monkeypatch.setenv("KENES_HNSW_EF_SEARCH", "300")
    assert ingest.load_faiss(tmp_path / "dense.faiss", "hnsw").index.hnsw.efSearch == 300
    monkeypatch.setenv("KENES_HNSW_EF_SEARCH", "")  # unset: the breadth it was built with
    loaded = ingest.load_faiss(tmp_path / "dense.faiss", "hnsw")
    assert loaded.index.hnsw.efSearch == ingest.HNSW_EF_SEARCH


def test_opened_index_maps_bm25_and_reports_its_storage(corpus_index):
    opened = Index.open(corpus_index.folder)
    data = opened.bm25._retriever.scores["data"]
    assert isinstance(data, np.memmap)
    assert opened.manifest.storage["vectors"]["kind"] == "flat"  # 200 passages: exact
    assert opened.manifest.storage["vectors"]["store"] == "faiss"
    results = opened.search("Сомали гуманитарлық көмек 350 млн доллар", k=5, mode="bm25")
    assert any("350" in p.text for p in results)


def test_a_build_with_text_workers_writes_the_same_index(tmp_path, e5_model, monkeypatch):
    from qa.text import workers as text_workers
    from tests.text.test_workers import DOCUMENTS

    monkeypatch.setattr(text_workers, "PARALLEL_MIN_DOCUMENTS", 1)
    monkeypatch.setenv("KENES_BUILD_WORKERS", "1")
    alone = Index.build(DOCUMENTS, tmp_path / "alone", embedder=e5_model)
    monkeypatch.setenv("KENES_BUILD_WORKERS", "2")
    pooled = Index.build(DOCUMENTS, tmp_path / "pooled", embedder=e5_model)
    assert [p.id for p in pooled.passages.values()] == [p.id for p in alone.passages.values()]
    assert [p.id for p in pooled.indexed] == [p.id for p in alone.indexed]
    assert np.array_equal(pooled.sentence_vectors.keys, alone.sentence_vectors.keys)
    np.testing.assert_allclose(
        np.load(pooled.generation / "vectors.npy"), np.load(alone.generation / "vectors.npy")
    )
