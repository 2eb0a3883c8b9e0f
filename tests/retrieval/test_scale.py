"""Beyond one machine: dense vectors in Milvus (milvus-lite here), embedding on Ray.

Both must give the same index as the single-process FAISS path: the same passage
vectors, the same top passages for real questions.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qa.retrieval import ingest
from qa.retrieval.index import Index

QUESTIONS = (
    "Қазақстан ИЫҰ-ға қай жылы мүше болды?",
    "Сомалиге қанша көмек жиналды?",
    "Ислам ынтымақтастық ұйымының он жылдық бағдарламасы",
)


@pytest.fixture(scope="module")
def small_documents(corpus_documents):
    cyrillic = [d for d in corpus_documents if d.script != "Arab"]
    return [replace(d, text=d.text[:2500]) for d in cyrillic[:3]]


@pytest.fixture(scope="module")
def faiss_index(tmp_path_factory, small_documents, e5_model):
    folder = tmp_path_factory.mktemp("faiss") / "index"
    return Index.build(small_documents, folder, embedder=e5_model, store="faiss")


def test_store_option_is_checked():
    assert ingest.parse_store("faiss") == ("faiss", None)
    assert ingest.parse_store("milvus:/data/kenes.db") == ("milvus", "/data/kenes.db")
    assert ingest.parse_store("milvus:http://db:19530") == ("milvus", "http://db:19530")
    with pytest.raises(ValueError, match="milvus:URI"):
        ingest.parse_store("qdrant")


def test_milvus_lite_index_finds_what_faiss_finds(
    tmp_path, faiss_index, small_documents, monkeypatch
):
    monkeypatch.delenv("KENES_STORE", raising=False)
    folder = tmp_path / "index"
    shutil.copytree(faiss_index.folder, folder)  # same vectors: reused, not re-embedded
    uri = str(tmp_path / "kenes-milvus.db")
    built = Index.build(
        small_documents, folder, embedder=faiss_index.embedder, store=f"milvus:{uri}"
    )
    try:
        assert built.embedded_count == 0
        assert built.manifest.storage["vectors"]["store"] == "milvus"
        assert not (built.generation / "dense.faiss").exists()
        assert built.store.size == len(faiss_index.indexed)
        assert ingest.default_store(folder) == f"milvus:{uri}"  # a rebuild stays in Milvus
        for question in QUESTIONS:
            for mode in ("dense", "hybrid"):
                assert [p.id for p in built.search(question, k=4, mode=mode)] == [
                    p.id for p in faiss_index.search(question, k=4, mode=mode)
                ], (question, mode)
        reopened = Index.open(folder, embedder=faiss_index.embedder)
        try:
            assert [p.id for p in reopened.search(QUESTIONS[1], k=4)] == [
                p.id for p in faiss_index.search(QUESTIONS[1], k=4)
            ]
        finally:
            reopened.store.close()
    finally:
        built.store.close()


@pytest.fixture
def local_ray():
    """A local Ray of 2 CPUs, stopped (and its session files left clean) afterwards."""
    ray = pytest.importorskip("ray")
    if Path("/tmp/ray/ray_current_cluster").exists() and not ray.is_initialized():
        pytest.skip("a Ray cluster is already running on this machine")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()
    assert not ray.is_initialized()


def test_ray_embedding_writes_the_same_index(tmp_path, faiss_index, small_documents, local_ray):
    distributed = Index.build(
        small_documents, tmp_path / "index", embedder=faiss_index.embedder, ray="auto"
    )
    assert local_ray.is_initialized()  # joined the caller's Ray, did not stop it
    assert distributed.manifest.storage["embedded_on"] == "ray"
    assert distributed.embedded_count == len(faiss_index.indexed)
    assert [p.id for p in distributed.indexed] == [p.id for p in faiss_index.indexed]
    np.testing.assert_allclose(
        np.load(distributed.generation / "vectors.npy"),
        np.load(faiss_index.generation / "vectors.npy"),
        atol=1e-5,
    )
    for question in QUESTIONS:
        assert [p.id for p in distributed.search(question, k=4)] == [
            p.id for p in faiss_index.search(question, k=4)
        ]


def test_ray_embeds_with_the_onnx_embedder_too(tmp_path, small_documents, local_ray, monkeypatch):
    pytest.importorskip("onnxruntime")
    monkeypatch.delenv("KENES_EMBEDDER", raising=False)
    onnx = ingest.load_index_embedder()
    assert onnx.kenes_backend == ingest.ONNX_BACKEND
    documents = small_documents[:2]
    local = Index.build(documents, tmp_path / "local", embedder=onnx)
    distributed = Index.build(documents, tmp_path / "ray", embedder=onnx, ray="auto")
    assert distributed.manifest.storage["embedded_on"] == "ray"
    assert distributed.manifest.storage["embedder"] == ingest.ONNX_BACKEND
    assert distributed.manifest.model_fingerprint == local.manifest.model_fingerprint
    np.testing.assert_allclose(
        np.load(distributed.generation / "vectors.npy"),
        np.load(local.generation / "vectors.npy"),
        atol=1e-5,
    )


def test_default_embedder_is_onnx_int8_when_it_matches_torch(
    tmp_path, small_documents, faiss_index, monkeypatch
):
    pytest.importorskip("onnxruntime")
    monkeypatch.delenv("KENES_EMBEDDER", raising=False)
    built = Index.build(small_documents[:1], tmp_path / "index")
    assert built.manifest.storage["embedder"] == ingest.ONNX_BACKEND
    assert built.manifest.model_fingerprint != faiss_index.manifest.model_fingerprint
    reopened = Index.open(tmp_path / "index")
    assert reopened.embedder.kenes_backend == ingest.ONNX_BACKEND  # queries use ONNX too
    onnx_vectors = np.load(built.generation / "vectors.npy")
    torch_vectors = np.load(faiss_index.generation / "vectors.npy")
    # the same spans (ids differ: the cleaning vocabulary depends on the documents given)
    torch_rows = {(p.doc_id, p.start): i for i, p in enumerate(faiss_index.indexed)}
    spans = [(p.doc_id, p.start) for p in built.indexed]
    shared = [(i, torch_rows[span]) for i, span in enumerate(spans) if span in torch_rows]
    assert shared
    cosines = [float(onnx_vectors[i] @ torch_vectors[j]) for i, j in shared]
    assert min(cosines) >= ingest.MIN_ONNX_COSINE
    assert reopened.search(QUESTIONS[0], k=2, mode="dense")

    monkeypatch.setenv("KENES_EMBEDDER", "torch")
    assert ingest.load_index_embedder().__class__.__name__ == "SentenceTransformer"
