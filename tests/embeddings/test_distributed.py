"""Distributed embedding with Ray Data on a local Ray started by the test."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from embeddings.distributed import DistributedEmbeddingError, embed_with_ray
from embeddings.models import embed_passages
from embeddings.onnx_embedder import split_into_pieces
from qa.config import settings


def corpus_passages(n: int) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(settings().corpus_dir.glob("*.txt"))]
    return split_into_pieces(texts, n=n, words=100)


@pytest.fixture
def ray_temp_dir(monkeypatch) -> Iterator[str]:
    """A private Ray folder (short: Ray's socket paths are length-limited), removed after.

    RAY_ADDRESS is cleared so that no other engineer's cluster is joined by accident.
    """
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    folder = tempfile.mkdtemp(prefix="kray-", dir="/tmp")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def local_ray(ray_temp_dir) -> Iterator[None]:
    import ray

    ray.init(
        address="local",  # a new instance even if /tmp/ray names another cluster
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        _temp_dir=ray_temp_dir,
    )
    try:
        yield
    finally:
        ray.shutdown()


def test_ray_vectors_equal_the_local_path_in_input_order(local_ray, e5_model):
    import ray

    texts = corpus_passages(20)
    # different lengths, so the actors' batches differ from the local ones
    texts = [" ".join(t.split()[: 20 + (i * 13) % 81]) for i, t in enumerate(texts)]
    local = embed_passages(e5_model, texts)
    folder = Path(e5_model.kenes_path)
    distributed = embed_with_ray(texts, folder, batch_size=6, actors=2)
    assert ray.is_initialized()  # a Ray the caller started is left running
    assert distributed.dtype == np.float32 and distributed.shape == local.shape
    assert np.abs(distributed - local).max() <= 1e-5
    # the order really matters: the vectors are all different from each other
    assert (distributed @ local.T).argmax(axis=1).tolist() == list(range(len(texts)))


def test_ray_started_for_the_call_is_shut_down(ray_temp_dir, e5_model):
    import ray

    assert not ray.is_initialized()
    texts = corpus_passages(4)
    vectors = embed_with_ray(
        texts,
        e5_model.kenes_path,
        num_cpus=2,
        actors=1,
        threads_per_actor=2,
        temp_dir=ray_temp_dir,
    )
    assert not ray.is_initialized()
    assert np.abs(vectors - embed_passages(e5_model, texts)).max() <= 1e-5
    assert os.path.isdir(ray_temp_dir)


def test_missing_model_folder_is_reported_before_starting_ray(tmp_path):
    import ray

    with pytest.raises(DistributedEmbeddingError, match="does not exist"):
        embed_with_ray(["x"], tmp_path / "missing")
    assert not ray.is_initialized()
