"""Embed a large corpus on a Ray cluster (or a local Ray) with Ray Data.

`embed_with_ray(texts, model_folder)` turns the texts into a Ray dataset of
`{"idx", "text"}` rows, runs `map_batches` over a pool of actors that each load the
model once (torch or the ONNX int8 export, `load_backend`) and embed with the same code as the
single-process path (`embed_passages`: the `passage: ` prompt, L2-normalised
float32), and puts the vectors back in input order by their `idx`.

Ray is started for the call when no Ray is running (`ray.init(num_cpus=...)`, shut
down afterwards) or joined when `address` is given (`"auto"`, `"ray://host:10001"`,
...) or when the caller already started it. The model folder must be readable at
the same path on every node.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DEFAULT_BATCH_SIZE = 64


class DistributedEmbeddingError(RuntimeError):
    """Ray could not be started or joined, or an embedding actor failed."""


class PassageEmbedder:
    """A Ray Data actor: loads the model once, then embeds batches of `{"idx", "text"}`."""

    def __init__(
        self, model_folder: str, threads: int, encode_batch_size: int, backend: str = "torch"
    ) -> None:
        self.model = load_backend(model_folder, backend, threads)
        self.encode_batch_size = encode_batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        from embeddings.models import embed_passages

        texts = [str(t) for t in batch["text"]]
        vectors = embed_passages(self.model, texts, batch_size=self.encode_batch_size)
        return {"idx": np.asarray(batch["idx"], dtype=np.int64), "vector": vectors}


def load_backend(model_folder: str, backend: str, threads: int | None = None):
    """The embedder in `model_folder`: a sentence-transformers folder ("torch") or the
    ONNX int8 folder Kenes exported from one ("onnx-int8")."""
    if backend == "torch":
        from embeddings.models import load_embedder

        return load_embedder(model_folder, threads=threads)
    if backend == "onnx-int8":
        from embeddings.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(Path(model_folder), threads=threads)
    raise DistributedEmbeddingError(f"unknown embedder backend {backend!r}")


def embed_with_ray(
    texts: Sequence[str],
    model_folder: str | os.PathLike[str],
    *,
    address: str | None = None,
    num_cpus: int = 2,
    batch_size: int = DEFAULT_BATCH_SIZE,
    actors: int | None = None,
    threads_per_actor: int = 1,
    encode_batch_size: int = 16,
    temp_dir: str | None = None,
    backend: str = "torch",
) -> np.ndarray:
    """Passage vectors of `texts` (float32, L2-normalised), in input order, computed by Ray.

    `num_cpus` is the size of a Ray started here (ignored when joining one); `actors`
    model replicas (default: `num_cpus // threads_per_actor`) each use
    `threads_per_actor` threads; `batch_size` rows go to an actor at a time. `backend`
    says what `model_folder` holds: "torch" (sentence-transformers) or "onnx-int8".
    A Ray started here is a new private instance (`address="local"`: a running cluster
    or a stale `/tmp/ray/ray_current_cluster` is not joined by accident), with its
    files in `temp_dir` (default Ray's `/tmp/ray`), and is shut down before returning.
    """
    import ray

    texts = [str(t) for t in texts]
    folder = Path(model_folder).expanduser()
    if not folder.is_dir():
        raise DistributedEmbeddingError(f"model folder {folder} does not exist")
    if not texts:
        from embeddings.models import embedding_dimension

        dim = embedding_dimension(load_backend(str(folder), backend))
        return np.zeros((0, dim), dtype=np.float32)

    started_here = False
    if not ray.is_initialized():
        try:
            if address is None:
                ray.init(
                    address="local",
                    num_cpus=num_cpus,
                    include_dashboard=False,
                    log_to_driver=False,
                    configure_logging=False,
                    _temp_dir=temp_dir,
                )
            else:
                ray.init(address=address, log_to_driver=False)
        except Exception as exc:
            where = f"at {address}" if address else f"locally with {num_cpus} CPUs"
            raise DistributedEmbeddingError(f"cannot start or join Ray {where}: {exc}") from exc
        started_here = True
    context = ray.data.DataContext.get_current()
    progress_bars = context.enable_progress_bars
    context.enable_progress_bars = False
    try:
        n_actors = actors or max(1, num_cpus // max(1, threads_per_actor))
        dataset = ray.data.from_items([{"idx": i, "text": t} for i, t in enumerate(texts)])
        embedded = dataset.map_batches(
            PassageEmbedder,
            fn_constructor_kwargs={
                "model_folder": str(folder),
                "threads": threads_per_actor,
                "encode_batch_size": encode_batch_size,
                "backend": backend,
            },
            compute=ray.data.ActorPoolStrategy(size=n_actors),
            batch_size=batch_size,
            batch_format="numpy",
            num_cpus=threads_per_actor,
        )
        out: np.ndarray | None = None
        seen = np.zeros(len(texts), dtype=bool)
        for batch in embedded.iter_batches(batch_format="numpy", batch_size=None):
            idx = np.asarray(batch["idx"], dtype=np.int64)
            vectors = np.asarray(batch["vector"], dtype=np.float32)
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[idx] = vectors
            seen[idx] = True
    except DistributedEmbeddingError:
        raise
    except Exception as exc:
        raise DistributedEmbeddingError(f"distributed embedding failed: {exc}") from exc
    finally:
        context.enable_progress_bars = progress_bars
        if started_here:
            ray.shutdown()
    if out is None or not seen.all():
        missing = int((~seen).sum())
        raise DistributedEmbeddingError(f"Ray returned no vectors for {missing} texts")
    return np.ascontiguousarray(out)
