"""Large ingestion for `Index.build`: work done once, in bounded batches, resumable.

- Passage vectors are embedded in batches of `EMBED_BATCH` passages. Each finished
  batch is saved at once (atomically) in a cache folder inside the index folder,
  keyed by the passages' text (and listing their ids), so a build stopped by Ctrl-C
  resumes without embedding those batches again. A successful build removes it.
- The evidence units of every passage (the sentences and clauses the answer scorer
  reads) are embedded at index time too and stored beside the passage vectors as a
  memory-mapped `sentences.npy` with a sorted key (the hex sha1 of the unit text) per row, so
  a question embeds only itself. The units are `qa.text.units.passage_sentences`, the
  very texts the evidence scorer reads.
- The FAISS index kind is chosen by size (exact `flat` below `FLAT_LIMIT` vectors,
  HNSW above; parameters recorded in the manifest) and loaded memory-mapped; BM25
  (bm25s) is loaded memory-mapped too.
- Embedding can run on Ray (`embeddings.distributed.embed_with_ray`) and the dense
  vectors can live in Milvus (`embeddings.milvus_store.MilvusVectorStore`) instead of
  a FAISS file; BM25 stays in bm25s (Milvus's analyzer does not stem Kazakh).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.faiss_store import VectorStore
from qa.text.lexical import BM25Index
from qa.types import Passage

#: Below this many vectors exact search is fast enough and has perfect recall.
FLAT_LIMIT = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 128
#: Passages per persisted batch (with their evidence units).
EMBED_BATCH = 64
#: Passages per batch when embedding on Ray (each call starts an actor pool).
RAY_BATCH = 4096
CACHE_DIR = ".ingest-cache"
SENTENCES_FILE = "sentences.npy"
SENTENCE_KEYS_FILE = "sentence-keys.npy"
KEY_DTYPE = np.dtype("S32")  # 128 bits of the text's sha1, in hex (no NUL bytes to lose)

Progress = Callable[[str, int, int], None]
UnitSplitter = Callable[[Passage], list[str]]
Embed = Callable[[list[str]], np.ndarray]


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:32].encode("ascii")


# ------------------------------------------------------------ evidence units
def sentence_units() -> UnitSplitter:
    """How a passage splits into evidence units (the texts the answer scorer embeds)."""
    from qa.text.units import passage_sentences

    return lambda passage: [s.text for s in passage_sentences([passage])]


# ------------------------------------------------------------ FAISS and BM25
def choose_faiss_kind(n_vectors: int, requested: str = "auto") -> str:
    """`flat` (exact) below FLAT_LIMIT vectors, `hnsw` above; an explicit kind is kept."""
    if requested != "auto":
        return requested
    return "flat" if n_vectors < FLAT_LIMIT else "hnsw"


def build_faiss(vectors: np.ndarray, requested: str = "auto") -> tuple[VectorStore, dict]:
    """A FAISS store of `vectors` and the parameters to record in the manifest."""
    import faiss

    kind = choose_faiss_kind(len(vectors), requested)
    if kind != "hnsw":
        store = VectorStore.build(vectors, kind)
        params: dict[str, Any] = {"kind": store.kind}
        if store.kind == "ivf":
            params.update(nlist=int(store.index.nlist), nprobe=int(store.index.nprobe))
        return store, params
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    params = {
        "kind": "hnsw",
        "M": HNSW_M,
        "efConstruction": HNSW_EF_CONSTRUCTION,
        "efSearch": HNSW_EF_SEARCH,
    }
    return VectorStore(index, "hnsw"), params


def load_faiss(path: Path, kind: str) -> VectorStore:
    """Load a FAISS file memory-mapped (flat, IVF and HNSW vectors stay on disk)."""
    import faiss

    flag = getattr(faiss, "IO_FLAG_MMAP_IFC", faiss.IO_FLAG_MMAP)
    try:
        index = faiss.read_index(str(path), flag)
    except RuntimeError:  # an index type FAISS cannot map: read it into memory
        index = faiss.read_index(str(path))
    return VectorStore(index, kind)


def load_bm25(folder: Path) -> BM25Index:
    """bm25s's score matrix memory-mapped (its vocabulary is read into memory)."""
    import bm25s

    retriever = bm25s.BM25.load(str(folder), allow_pickle=False, mmap=True, show_progress=False)
    return BM25Index(retriever)


# ------------------------------------------------------------ stored units
class SentenceVectors:
    """Vectors of evidence-unit texts, looked up by text; memory-mapped when loaded."""

    def __init__(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        self.keys = keys  # sorted S32
        self.vectors = vectors

    @classmethod
    def empty(cls, dim: int = 0) -> SentenceVectors:
        return cls(np.zeros(0, dtype=KEY_DTYPE), np.zeros((0, dim), dtype=np.float32))

    @classmethod
    def load(cls, generation: Path) -> SentenceVectors:
        keys_path, vectors_path = generation / SENTENCE_KEYS_FILE, generation / SENTENCES_FILE
        if not keys_path.is_file() or not vectors_path.is_file():
            return cls.empty()
        keys = np.load(keys_path, mmap_mode="r", allow_pickle=False)
        vectors = np.load(vectors_path, mmap_mode="r", allow_pickle=False)
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} sentence keys for {len(vectors)} vectors")
        return cls(keys, vectors)

    def __len__(self) -> int:
        return len(self.keys)

    def rows(self, keys: Sequence[bytes]) -> np.ndarray:
        """Row of each key, -1 where it is not stored."""
        if not len(self.keys) or not len(keys):
            return np.full(len(keys), -1, dtype=np.int64)
        wanted = np.asarray(keys, dtype=KEY_DTYPE)
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        return np.where(self.keys[at] == wanted, at, -1).astype(np.int64)

    def lookup(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        """The stored vector of each text, or None."""
        rows = self.rows([text_key(t) for t in texts])
        return [None if r < 0 else np.asarray(self.vectors[r]) for r in rows]


_stored: dict[str, SentenceVectors] = {}
_stored_guard = threading.Lock()


def remember_sentence_vectors(fingerprint: str, vectors: SentenceVectors) -> None:
    """Offer an index's stored unit vectors to answer scorers using the same model.

    Keyed by the model fingerprint: a text's vector depends only on the model, so the
    latest index opened with that model serves any scorer using it.
    """
    if len(vectors):
        with _stored_guard:
            _stored[fingerprint] = vectors


def stored_sentence_vectors(embedder: Any) -> SentenceVectors | None:
    """The unit vectors stored for `embedder`'s model by the latest index opened, if any."""
    if not _stored or embedder is None:
        return None
    from embeddings.models import model_fingerprint

    try:
        fingerprint = getattr(embedder, "kenes_fingerprint", None) or model_fingerprint(embedder)
    except Exception:  # an embedder without a fingerprint: nothing is stored for it
        return None
    return _stored.get(fingerprint)


# ------------------------------------------------------------ resumable batches
class BatchCache:
    """Finished embedding batches of an interrupted build, inside the index folder."""

    def __init__(self, index_folder: Path, fingerprint: str) -> None:
        model = hashlib.sha256(fingerprint.encode()).hexdigest()[:16]
        self.root = index_folder / CACHE_DIR
        self.folder = self.root / model

    def batches(self) -> Iterator[dict[str, np.ndarray]]:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("batch-*.npz")):
            try:
                with np.load(path, allow_pickle=False) as data:
                    yield {name: data[name] for name in data.files}
            except (OSError, ValueError, EOFError):  # cut short: embedded again
                continue

    def save(
        self,
        number: int,
        passage_ids: Sequence[str],
        passage_keys: Sequence[bytes],
        passage_vectors: np.ndarray,
        unit_keys: Sequence[bytes],
        unit_vectors: np.ndarray,
    ) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".batch-{number:07d}-{os.getpid()}.npz"
        with tmp.open("wb") as handle:
            np.savez(
                handle,
                passage_ids=np.asarray(list(passage_ids), dtype=str),
                passage_keys=np.asarray(list(passage_keys), dtype=KEY_DTYPE),
                passage_vectors=passage_vectors.astype(np.float32, copy=False),
                unit_keys=np.asarray(list(unit_keys), dtype=KEY_DTYPE),
                unit_vectors=unit_vectors.astype(np.float32, copy=False),
            )
        os.replace(tmp, self.folder / f"batch-{number:07d}.npz")

    def next_number(self) -> int:
        numbers = [int(p.stem.split("-")[1]) for p in self.folder.glob("batch-*.npz")]
        return max(numbers, default=0) + 1

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


# ------------------------------------------------------------ the embedding step
@dataclass
class Embedded:
    vectors: np.ndarray  # one row per indexed passage
    unit_keys: np.ndarray  # sorted S32, unique
    unit_vectors: np.ndarray  # rows of unit_keys
    embedded_passages: int  # passages embedded by this run
    embedded_units: int


def previous_generation_vectors(
    generation: Path | None, indexed_texts: Sequence[str]
) -> tuple[dict[bytes, np.ndarray], SentenceVectors]:
    """Passage vectors (by text key) and unit vectors of a previous generation."""
    if generation is None:
        return {}, SentenceVectors.empty()
    try:
        vectors = np.load(generation / "vectors.npy", mmap_mode="r", allow_pickle=False)
        units = SentenceVectors.load(generation)
    except (OSError, ValueError):
        return {}, SentenceVectors.empty()
    if len(indexed_texts) != len(vectors):
        return {}, units
    return {text_key(t): vectors[i] for i, t in enumerate(indexed_texts)}, units


def embed_index(
    indexed: Sequence[Passage],
    embed: Embed,
    dim: int,
    *,
    cache: BatchCache,
    previous: dict[bytes, np.ndarray],
    previous_units: SentenceVectors,
    units_of: UnitSplitter | None,
    report: Progress,
    batch_size: int = EMBED_BATCH,
) -> Embedded:
    """Embed what is not known yet, batch by batch, saving each finished batch."""
    known: dict[bytes, np.ndarray] = dict(previous)
    known_units: dict[bytes, np.ndarray] = {}
    for batch in cache.batches():
        known.update(zip(batch["passage_keys"].tolist(), batch["passage_vectors"], strict=True))
        known_units.update(zip(batch["unit_keys"].tolist(), batch["unit_vectors"], strict=True))

    keys = [text_key(p.text) for p in indexed]
    units: list[list[tuple[bytes, str]]] = []
    for p in indexed:
        texts = list(dict.fromkeys(units_of(p))) if units_of else []
        units.append([(text_key(t), t) for t in texts])
    all_unit_keys = np.unique(
        np.asarray([k for group in units for k, _ in group] or [], dtype=KEY_DTYPE)
    )
    stored_rows = previous_units.rows(all_unit_keys.tolist())
    stored = {k for k, r in zip(all_unit_keys.tolist(), stored_rows, strict=True) if r >= 0}

    def pending_units(i: int) -> list[tuple[bytes, str]]:
        return [(k, t) for k, t in units[i] if k not in known_units and k not in stored]

    todo = [i for i, k in enumerate(keys) if k not in known or pending_units(i)]
    total, done = len(indexed), len(indexed) - len(todo)
    report("embedding", done, total)
    embedded_passages = embedded_units = 0
    number = cache.next_number()
    for start in range(0, len(todo), batch_size):
        rows = todo[start : start + batch_size]
        new = [i for i in rows if keys[i] not in known]
        new = list({keys[i]: i for i in new}.values())  # equal texts: embed once
        unit_todo = list(dict(u for i in rows for u in pending_units(i)).items())
        passage_vectors = embed([indexed[i].text for i in new]) if new else np.zeros((0, dim))
        unit_vectors = embed([t for _, t in unit_todo]) if unit_todo else np.zeros((0, dim))
        cache.save(
            number,
            [indexed[i].id for i in new],
            [keys[i] for i in new],
            np.asarray(passage_vectors, dtype=np.float32).reshape(-1, dim),
            [k for k, _ in unit_todo],
            np.asarray(unit_vectors, dtype=np.float32).reshape(-1, dim),
        )
        number += 1
        known.update(zip((keys[i] for i in new), passage_vectors, strict=True))
        known_units.update(zip((k for k, _ in unit_todo), unit_vectors, strict=True))
        embedded_passages += len(new)
        embedded_units += len(unit_todo)
        done += len(rows)
        report("embedding", done, total)

    vectors = np.zeros((len(indexed), dim), dtype=np.float32)
    for i, key in enumerate(keys):
        vectors[i] = known[key]
    unit_vectors = np.zeros((len(all_unit_keys), dim), dtype=np.float32)
    for row, (key, stored_row) in enumerate(zip(all_unit_keys.tolist(), stored_rows, strict=True)):
        unit_vectors[row] = (
            previous_units.vectors[stored_row] if stored_row >= 0 else known_units[key]
        )
    return Embedded(vectors, all_unit_keys, unit_vectors, embedded_passages, embedded_units)


def save_sentence_vectors(folder: Path, embedded: Embedded) -> None:
    if len(embedded.unit_keys):
        np.save(folder / SENTENCE_KEYS_FILE, embedded.unit_keys, allow_pickle=False)
        np.save(folder / SENTENCES_FILE, embedded.unit_vectors, allow_pickle=False)


# ------------------------------------------------------------ Ray and Milvus
@contextlib.contextmanager
def ray_session(address: str | None) -> Iterator[None]:
    """Ray for the embedding step: joined at `address` (`auto`, `ray://…`) or started
    locally (`local`), and shut down afterwards when started here."""
    import ray

    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"log_to_driver": False}
        if address and address != "local":
            ray.init(address=address, **kwargs)
        else:
            from embeddings.models import _cpu_budget

            ray.init(num_cpus=_cpu_budget(), include_dashboard=False, **kwargs)
        started = True
    try:
        yield
    finally:
        if started:
            ray.shutdown()


def default_store(folder: Path) -> str:
    """KENES_STORE when set, else the store of the folder's current index, else faiss
    (so rebuilding an index kept in Milvus keeps it there)."""
    from qa.config import settings

    if os.environ.get("KENES_STORE", "").strip():
        return settings().store
    try:
        pointer = (folder / "CURRENT").read_text(encoding="utf-8").strip()
        manifest = json.loads((folder / pointer / "manifest.json").read_text(encoding="utf-8"))
        params = manifest.get("storage", {}).get("vectors", {})
    except (OSError, ValueError, AttributeError):
        return settings().store
    if params.get("store") == "milvus" and params.get("uri"):
        return f"milvus:{params['uri']}"
    return settings().store


def ray_embed(embedder: Any) -> Embed:
    """Embedding on Ray with the index's own embedder, loaded by each actor from its
    folder (torch, or the ONNX int8 export), so that both paths give the same vectors."""
    from embeddings.distributed import embed_with_ray

    folder, backend = str(embedder.kenes_path), getattr(embedder, "kenes_backend", "torch")

    def embed(texts: list[str]) -> np.ndarray:
        return embed_with_ray(texts, folder, backend=backend)

    return embed


def parse_store(store: str | None) -> tuple[str, str | None]:
    """`faiss` or `milvus:URI` (a milvus-lite folder ending in .db, or http://host:19530)."""
    text = (store or "faiss").strip()
    if text == "faiss":
        return "faiss", None
    if text.startswith("milvus:") and len(text) > len("milvus:"):
        return "milvus", text[len("milvus:") :]
    raise ValueError(f"unknown vector store {text!r}: use faiss or milvus:URI")


def milvus_collection(folder: Path, generation_tag: str) -> str:
    """A collection per index folder and generation (Milvus names: letters, digits, _)."""
    digest = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:10]
    tag = "".join(c if c.isalnum() else "_" for c in generation_tag)
    return f"kenes_{digest}_{tag}"


def build_milvus(vectors: np.ndarray, uri: str, collection: str, requested: str = "auto"):
    from embeddings.milvus_store import MilvusVectorStore

    kind = choose_faiss_kind(len(vectors), requested)
    kind = {"ivf": "ivf_flat"}.get(kind, kind)
    store = MilvusVectorStore.build(vectors, uri=uri, kind=kind, collection=collection)
    return store, {"kind": store.kind, "uri": uri, "collection": collection}


def open_milvus(params: dict[str, Any]):
    from embeddings.milvus_store import MilvusVectorStore

    return MilvusVectorStore.open(params["uri"], params["collection"])


def drop_other_milvus_collections(params: dict[str, Any], folder: Path) -> None:
    """Drop this index folder's collections of older generations."""
    from embeddings.milvus_store import MilvusVectorStore

    prefix = milvus_collection(folder, "")
    with contextlib.suppress(Exception):
        store = MilvusVectorStore.open(params["uri"], params["collection"])
        try:
            for name in store.client.list_collections():
                if name.startswith(prefix) and name != params["collection"]:
                    store.client.drop_collection(name)
        finally:
            store.close()


def describe_params(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True)


def open_store(generation: Path, kind: str, storage: dict[str, Any]) -> Any:
    """The generation's vector store: its FAISS file memory-mapped, or its Milvus collection."""
    params = storage.get("vectors", {})
    if params.get("store") == "milvus":
        return open_milvus(params)
    return load_faiss(generation / "dense.faiss", kind)


# ------------------------------------------------------------ embedder choice
ONNX_BACKEND = "onnx-int8"
MIN_ONNX_COSINE = 0.99
VERIFY_PIECES = 48


def _verified_onnx(torch_model: Any) -> Any | None:
    """The ONNX int8 embedder of `torch_model`'s folder if it matches torch (min cosine
    >= MIN_ONNX_COSINE on corpus pieces); the check runs once per ONNX build and its
    result is kept beside the ONNX folder."""
    try:
        from embeddings.onnx_embedder import (
            OnnxEmbedder,
            read_marker,
            split_into_pieces,
            verify_against_torch,
        )
    except ImportError:
        return None
    from qa.config import settings

    folder = getattr(torch_model, "kenes_path", None)
    if not folder:
        return None
    try:
        onnx = OnnxEmbedder.from_model_folder(Path(folder), threads=settings().torch_threads)
    except Exception:  # onnxruntime missing, or the export failed: torch it is
        return None
    marker = read_marker(onnx.folder) or {}
    record = onnx.folder.parent / f".{onnx.folder.name}.verified.json"
    try:
        verdict = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        verdict = {}
    if verdict.get("onnx_sha256") != marker.get("onnx_sha256"):
        from qa.retrieval.corpus import load_manifest_corpus

        texts = [d.text for d in load_manifest_corpus().documents if d.script != "Arab"]
        pieces = split_into_pieces(texts, n=VERIFY_PIECES)
        verdict = {
            "onnx_sha256": marker.get("onnx_sha256"),
            "min_cosine": verify_against_torch(onnx, torch_model, pieces),
            "pieces": len(pieces),
        }
        with contextlib.suppress(OSError):
            record.write_text(json.dumps(verdict), encoding="utf-8")
    return onnx if verdict["min_cosine"] >= MIN_ONNX_COSINE else None


def load_index_embedder(model: str | None = None, *, backend: str | None = None) -> Any:
    """The embedder to build an index with (KENES_EMBEDDER: onnx, torch, or unset =
    ONNX int8 when it verifies against torch), or to query one built with `backend`."""
    from embeddings.models import load_embedder
    from qa.config import settings

    s = settings()
    torch_model = load_embedder(model, models_dir=s.models_dir, threads=s.torch_threads)
    wanted = backend or s.embedder
    if wanted == "torch":
        return torch_model
    onnx = _verified_onnx(torch_model)
    if onnx is None and wanted in ("onnx", ONNX_BACKEND) and backend is not None:
        raise RuntimeError(
            "this index was built with the ONNX int8 embedder, which cannot be loaded "
            "here: rebuild it with KENES_EMBEDDER=torch kenes index"
        )
    return onnx or torch_model
