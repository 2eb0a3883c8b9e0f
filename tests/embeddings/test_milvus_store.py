"""The Milvus vector store on milvus-lite, against FAISS, with real corpus vectors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

from embeddings.faiss_store import VectorStore
from embeddings.milvus_store import (
    MilvusStoreError,
    MilvusVectorStore,
)
from embeddings.models import embed_passages, embed_queries
from embeddings.onnx_embedder import split_into_pieces
from qa.config import settings

IDS_OFFSET = 1000  # ids that are not positions, to catch a mix-up


@pytest.fixture(scope="module")
def corpus_vectors(e5_model) -> tuple[np.ndarray, np.ndarray]:
    """(passage vectors of 24 corpus pieces, query vectors of 10 gold questions)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(settings().corpus_dir.glob("*.txt"))]
    passages = split_into_pieces(texts, n=24, words=100)
    lines = (settings().corpus_dir / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines][:10]
    return embed_passages(e5_model, passages), embed_queries(e5_model, questions)


def ids_for(n: int) -> np.ndarray:
    return IDS_OFFSET + 7 * np.arange(n, dtype=np.int64)


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_top10_ids_match_faiss_flat(corpus_vectors, tmp_path, kind):
    passages, queries = corpus_vectors
    faiss_store = VectorStore.build(passages, "flat")
    with MilvusVectorStore.build(
        passages, ids_for(len(passages)), uri=tmp_path / "kenes.db", kind=kind
    ) as store:
        assert (store.size, store.dim, store.kind) == (len(passages), 384, kind)
        scores, ids = store.search(queries, 10)
        assert ids.shape == (len(queries), 10)
        for row, query in enumerate(queries):
            f_scores, f_positions = faiss_store.search(query, 10)
            assert list(ids[row]) == list(ids_for(len(passages))[f_positions])
            assert np.allclose(scores[row], f_scores, atol=1e-5)
        _, one_ids = store.search(queries[0], 3)  # 1-d query: 1-d answer
        assert one_ids.shape == (3,) and list(one_ids) == list(ids[0, :3])
        padded_scores, padded_ids = store.search(queries[0], len(passages) + 5)
        assert list(padded_ids[-5:]) == [-1] * 5 and np.isneginf(padded_scores[-5:]).all()


def test_reopen_after_close_keeps_data(corpus_vectors, tmp_path):
    passages, queries = corpus_vectors
    uri = tmp_path / "kenes.db"
    store = MilvusVectorStore.build(passages[:18], ids_for(18), uri=uri, kind="hnsw")
    before = store.search(queries, 5)
    store.close()

    with MilvusVectorStore.open(uri) as reopened:
        assert (reopened.size, reopened.dim, reopened.kind) == (18, 384, "hnsw")
        after = reopened.search(queries, 5)
        assert np.array_equal(before[1], after[1]) and np.allclose(before[0], after[0])
        reopened.add(passages[18:], ids_for(len(passages))[18:])  # then reindexed
        assert reopened.size == len(passages)
    with MilvusVectorStore.load(uri, "hnsw") as again:  # the FAISS-style name
        assert again.size == len(passages)
        _, ids = again.search(passages[20], 1)
        assert ids[0] == ids_for(len(passages))[20]


def test_second_process_gets_a_clear_error(corpus_vectors, tmp_path):
    passages, _ = corpus_vectors
    uri = tmp_path / "kenes.db"
    code = (
        "import sys\n"
        "from embeddings.milvus_store import MilvusVectorStore, MilvusStoreLockedError\n"
        "try:\n"
        f"    MilvusVectorStore.open({str(uri)!r})\n"
        "except MilvusStoreLockedError as exc:\n"
        "    print(exc)\n"
        "    sys.exit(3)\n"
    )
    with MilvusVectorStore.build(passages[:5], uri=uri):
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 3, done.stderr
    message = done.stdout.strip()
    assert "\n" not in message and "another process" in message
    assert f"milvus-lite server --data-dir {uri}" in message
    with MilvusVectorStore.open(uri) as store:  # released: this process may open it now
        assert store.size == 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_same_code_works_against_a_server_uri(corpus_vectors, tmp_path):
    """`milvus-lite server` stands in for a cluster: the store is reached over http."""
    passages, queries = corpus_vectors
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "milvus_lite",
            "server",
            "--data-dir",
            str(tmp_path / "s.db"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        uri = f"http://127.0.0.1:{port}"
        with MilvusVectorStore.build(passages, uri=uri, kind="ivf_flat") as store:
            _, ids = store.search(queries, 10)
        with MilvusVectorStore.open(uri) as store:
            assert store.kind == "ivf_flat" and store.size == len(passages)
            store.nprobe = 128  # every cluster: exact, so it must agree with FAISS
            _, exact = store.search(queries, 10)
        _, f_positions = VectorStore.build(passages, "flat").index.search(queries, 10)
        assert np.array_equal(exact, f_positions)
        assert np.mean([len(set(a) & set(b)) for a, b in zip(ids, exact, strict=True)]) >= 8
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_bad_arguments_are_reported(tmp_path):
    vectors = np.eye(3, 8, dtype=np.float32)
    with pytest.raises(MilvusStoreError, match=r"must end in \.db"):
        MilvusVectorStore.build(vectors, uri=tmp_path / "folder")
    with pytest.raises(ValueError, match="unknown Milvus index kind 'ivf_pq'"):
        MilvusVectorStore.build(vectors, uri=tmp_path / "x.db", kind="ivf_pq")
    with pytest.raises(ValueError, match="unique"):
        MilvusVectorStore.build(vectors, [1, 1, 2], uri=tmp_path / "x.db")
    with pytest.raises(MilvusStoreError, match="no collection"):
        MilvusVectorStore.open(tmp_path / "empty.db")
