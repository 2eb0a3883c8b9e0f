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
from qa.text.workers import TextWorkers
from qa.types import Passage

#: Below this many vectors exact search is fast enough and has perfect recall.
FLAT_LIMIT = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 256  # recall@10 0.959 against exact at 1M passages (128: 0.921; docs/scale.md)
#: Passages per persisted batch (with their evidence units).
EMBED_BATCH = 64
#: Passages per batch when embedding on Ray (each call starts an actor pool).
RAY_BATCH = 4096
CACHE_DIR = ".ingest-cache"
SENTENCES_FILE = "sentences.npy"
SENTENCE_KEYS_FILE = "sentence-keys.npy"
SENTENCE_ORDER_FILE = "sentence-order.npy"
#: Rows copied at a time when assembling the unit vectors file.
COPY_ROWS = 65_536
#: Unit keys gathered in a Python list before they become one numpy array.
KEY_CHUNK = 65_536
KEY_DTYPE = np.dtype("S32")  # 128 bits of the text's sha1, in hex (no NUL bytes to lose)

Progress = Callable[[str, int, int], None]
UnitSplitter = Callable[[Passage], list[str]]
Embed = Callable[[list[str]], np.ndarray]


def text_key(text: str) -> bytes:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:32].encode("ascii")


# ------------------------------------------------------------ evidence units
def sentence_units() -> UnitSplitter:
    """How a passage splits into evidence units (the texts the answer scorer embeds)."""
    from qa.text.workers import unit_texts

    return unit_texts


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
    from qa.config import settings

    breadth = settings().hnsw_ef_search
    if breadth and hasattr(index, "hnsw"):
        index.hnsw.efSearch = breadth
    return VectorStore(index, kind)


def load_bm25(folder: Path) -> BM25Index:
    """bm25s's score matrix memory-mapped (its vocabulary is read into memory)."""
    import bm25s

    retriever = bm25s.BM25.load(str(folder), allow_pickle=False, mmap=True, show_progress=False)
    return BM25Index(retriever)


# ------------------------------------------------------------ stored units
class SentenceVectors:
    """Vectors of evidence-unit texts, looked up by text; memory-mapped when loaded.

    `keys` are sorted; `order[k]` is the row of `vectors` holding key k's vector (the
    rows are in the order the build wrote them, batch after batch, so that a million
    passages' units never had to be in memory at once). Without `order` (indexes
    built before it), row k holds key k.
    """

    def __init__(self, keys: np.ndarray, vectors: np.ndarray, order: np.ndarray | None = None):
        self.keys = keys  # sorted S32
        self.vectors = vectors
        self.order = order

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
        order = None
        if (generation / SENTENCE_ORDER_FILE).is_file():
            order = np.load(generation / SENTENCE_ORDER_FILE, mmap_mode="r", allow_pickle=False)
            if len(order) != len(keys) or (len(order) and int(order.max()) >= len(vectors)):
                raise ValueError(f"{len(order)} sentence rows for {len(keys)} keys")
        elif len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} sentence keys for {len(vectors)} vectors")
        return cls(keys, vectors, order)

    def __len__(self) -> int:
        return len(self.keys)

    def rows(self, keys: Sequence[bytes]) -> np.ndarray:
        """Row of `vectors` holding each key, -1 where it is not stored."""
        if not len(self.keys) or not len(keys):
            return np.full(len(keys), -1, dtype=np.int64)
        wanted = np.asarray(keys, dtype=KEY_DTYPE)
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        found = self.keys[at] == wanted
        rows = at if self.order is None else np.asarray(self.order)[at]
        return np.where(found, rows, -1).astype(np.int64)

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

    def batches(self, *names: str) -> Iterator[dict[str, np.ndarray]]:
        """Each finished batch's arrays (only `names`, if given: the keys alone are small)."""
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("batch-*.npz")):
            try:
                with np.load(path, allow_pickle=False) as data:
                    yield {name: data[name] for name in names or data.files}
            except (OSError, ValueError, EOFError, KeyError):  # cut short: embedded again
                continue

    def staging_file(self, name: str) -> Path:
        """A file for a build's intermediate data, removed with the cache."""
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / f"staging-{os.getpid()}-{name}"

    def unit_file(self) -> Path:
        """Where the unit vectors are assembled before they move into a generation."""
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / f"assembled-{os.getpid()}-{SENTENCES_FILE}"

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
    unit_order: np.ndarray  # row of unit_file holding each key's vector
    unit_file: Path | None  # the unit vectors (.npy), rows in the order written
    embedded_passages: int  # passages embedded by this run
    embedded_units: int


def previous_generation_vectors(
    generation: Path | None, indexed: Sequence[Passage]
) -> tuple[dict[bytes, np.ndarray], SentenceVectors]:
    """Passage vectors (by text key) and unit vectors of a previous generation."""
    if generation is None:
        return {}, SentenceVectors.empty()
    try:
        vectors = np.load(generation / "vectors.npy", mmap_mode="r", allow_pickle=False)
        units = SentenceVectors.load(generation)
    except (OSError, ValueError):
        return {}, SentenceVectors.empty()
    if len(indexed) != len(vectors):
        return {}, units
    return {text_key(p.text): vectors[i] for i, p in enumerate(indexed)}, units


def _sorted_keys(chunks: list[np.ndarray]) -> np.ndarray:
    return np.unique(np.concatenate(chunks)) if chunks else np.zeros(0, dtype=KEY_DTYPE)


def _holds(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Which of `keys` are in `sorted_keys`."""
    if not len(sorted_keys) or not len(keys):
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


class _Batcher:
    """Collects passages and units still to embed; embeds and caches each full batch.

    Nothing embedded stays in memory: each batch goes to the cache on disk, and
    `embed_index` assembles the final arrays from there.
    """

    def __init__(self, embed: Embed, dim: int, cache: BatchCache, batch_size: int) -> None:
        self.embed, self.dim, self.cache, self.batch_size = embed, dim, cache, batch_size
        self.number = cache.next_number()
        self.passages: dict[bytes, tuple[str, str]] = {}  # key: (id, text)
        self.units: dict[bytes, str] = {}
        self.rows = 0  # passages in the batch (with something to embed)
        self.embedded_passages = self.embedded_units = 0

    def add(self, passage: Passage, key: bytes | None, units: dict[bytes, str]) -> bool:
        """Queue a passage's pending work; True when a batch was embedded and saved."""
        if key is not None:
            self.passages.setdefault(key, (passage.id, passage.text))
        self.units.update(units)
        self.rows += 1
        return self.rows >= self.batch_size and self.flush()

    def flush(self) -> bool:
        if not self.rows:
            return False
        passages, units = list(self.passages.items()), list(self.units.items())
        passage_vectors = self._embed([text for _, (_, text) in passages])
        unit_vectors = self._embed([text for _, text in units])
        self.cache.save(
            self.number,
            [pid for _, (pid, _) in passages],
            [key for key, _ in passages],
            passage_vectors,
            [key for key, _ in units],
            unit_vectors,
        )
        self.number += 1
        self.embedded_passages += len(passages)
        self.embedded_units += len(units)
        self.passages, self.units, self.rows = {}, {}, 0
        return True

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = self.embed(texts) if texts else np.zeros((0, self.dim))
        return np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)


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
    workers: TextWorkers | None = None,
) -> Embedded:
    """Embed what is not known yet, batch by batch, saving each finished batch.

    Known: the previous generation's vectors and the finished batches of an interrupted
    run (only their keys are read here). Memory stays bounded by the batch and the
    keys: at a million passages the unit vectors alone are some 11 GB.
    """
    cached = list(cache.batches("passage_keys", "unit_keys"))
    cached_passages = {k for b in cached for k in b["passage_keys"].tolist()}
    cached_units = _sorted_keys([b["unit_keys"] for b in cached])
    del cached
    keys = [text_key(p.text) for p in indexed]
    unit_key_chunks: list[np.ndarray] = []
    unit_key_list: list[bytes] = []  # turned into a numpy chunk every KEY_CHUNK keys
    queued: set[bytes] = set()  # passage texts already queued in this run
    batcher = _Batcher(embed, dim, cache, batch_size)
    report("embedding", 0, len(indexed))
    split = workers.map if workers is not None else map
    unit_lists = split(units_of, indexed) if units_of else ([] for _ in indexed)
    for i, (passage, unit_list) in enumerate(zip(indexed, unit_lists, strict=True)):
        texts = dict.fromkeys(unit_list)
        unit_keys = np.asarray([text_key(t) for t in texts], dtype=KEY_DTYPE)
        unit_key_list.extend(unit_keys.tolist())
        if len(unit_key_list) >= KEY_CHUNK:
            unit_key_chunks.append(np.unique(np.asarray(unit_key_list, dtype=KEY_DTYPE)))
            unit_key_list.clear()
        known = _holds(cached_units, unit_keys) | (previous_units.rows(unit_keys.tolist()) >= 0)
        pending = {
            k: t for k, t, done in zip(unit_keys.tolist(), texts, known, strict=True) if not done
        }
        key = keys[i]
        new = key not in previous and key not in cached_passages and key not in queued
        if new:
            queued.add(key)
        if (new or pending) and batcher.add(passage, key if new else None, pending):
            report("embedding", i + 1, len(indexed))
    batcher.flush()
    report("embedding", len(indexed), len(indexed))
    vectors = _assemble_passages(keys, previous, cache, dim)
    unit_keys, unit_order, unit_file = _assemble_units(
        _sorted_keys([*unit_key_chunks, np.asarray(unit_key_list, dtype=KEY_DTYPE)]),
        previous_units,
        cache,
        dim,
    )
    return Embedded(
        vectors,
        unit_keys,
        unit_order,
        unit_file,
        batcher.embedded_passages,
        batcher.embedded_units,
    )


def _assemble_passages(
    keys: Sequence[bytes], previous: dict[bytes, np.ndarray], cache: BatchCache, dim: int
) -> np.ndarray:
    """One vector per passage: from the cached batches, else the previous generation."""
    positions: dict[bytes, list[int]] = {}
    for i, key in enumerate(keys):
        positions.setdefault(key, []).append(i)
    vectors = np.zeros((len(keys), dim), dtype=np.float32)
    filled = np.zeros(len(keys), dtype=bool)
    for batch in cache.batches("passage_keys", "passage_vectors"):
        for key, vector in zip(
            batch["passage_keys"].tolist(), batch["passage_vectors"], strict=True
        ):
            for i in positions.get(key, ()):
                vectors[i], filled[i] = vector, True
    for i in np.flatnonzero(~filled).tolist():
        if keys[i] in previous:
            vectors[i], filled[i] = previous[keys[i]], True
    if not filled.all():
        raise _damaged_cache(cache)
    return vectors


def _assemble_units(
    wanted: np.ndarray, previous: SentenceVectors, cache: BatchCache, dim: int
) -> tuple[np.ndarray, np.ndarray, Path | None]:
    """Write the wanted units' vectors to one .npy file, batch after batch.

    The rows follow the batches (then the previous generation's units), so the file is
    written front to back and never held in memory; `order` maps sorted keys to rows.
    """
    if not len(wanted):
        return wanted, np.zeros(0, dtype=np.int64), None
    per_batch, from_cache = [], []
    for batch in cache.batches("unit_keys"):
        keep = _holds(wanted, batch["unit_keys"])
        per_batch.append(keep)
        from_cache.append(batch["unit_keys"][keep])
    in_cache = _sorted_keys(from_cache)
    still = wanted[~_holds(in_cache, wanted)]
    previous_rows = previous.rows(still.tolist())
    if (previous_rows < 0).any():
        raise _damaged_cache(cache)
    total = sum(int(k.sum()) for k in per_batch) + len(still)
    path = cache.unit_file()
    with path.open("wb") as handle:
        header = {"descr": "<f4", "fortran_order": False, "shape": (total, dim)}
        np.lib.format.write_array_header_1_0(handle, header)
        batches = cache.batches("unit_vectors")
        for keep, batch in zip(per_batch, batches, strict=True):
            handle.write(np.ascontiguousarray(batch["unit_vectors"][keep], "<f4").tobytes())
        for start in range(0, len(previous_rows), COPY_ROWS):
            rows = previous_rows[start : start + COPY_ROWS]
            handle.write(np.ascontiguousarray(previous.vectors[np.sort(rows)], "<f4").tobytes())
    written = np.concatenate([*from_cache, _previous_keys(previous, previous_rows)])
    order = np.argsort(written, kind="stable")
    first = np.r_[True, written[order][1:] != written[order][:-1]]
    return written[order][first], order[first].astype(np.int64), path


def _previous_keys(previous: SentenceVectors, rows: np.ndarray) -> np.ndarray:
    """The keys of `rows` of the previous unit vectors, in the order they were copied."""
    if not len(rows):
        return np.zeros(0, dtype=KEY_DTYPE)
    by_row = np.empty(len(previous.vectors), dtype=KEY_DTYPE)
    order = np.arange(len(previous.keys)) if previous.order is None else previous.order
    by_row[np.asarray(order)] = previous.keys
    copied = [np.sort(rows[s : s + COPY_ROWS]) for s in range(0, len(rows), COPY_ROWS)]
    return by_row[np.concatenate(copied)]


def _damaged_cache(cache: BatchCache) -> RuntimeError:
    cache.clear()
    return RuntimeError(
        "The embedding cache of an interrupted build was incomplete, so it was removed. "
        "Run the same command again: it embeds everything afresh."
    )


def save_sentence_vectors(folder: Path, embedded: Embedded) -> None:
    if len(embedded.unit_keys) and embedded.unit_file is not None:
        np.save(folder / SENTENCE_KEYS_FILE, embedded.unit_keys, allow_pickle=False)
        np.save(folder / SENTENCE_ORDER_FILE, embedded.unit_order, allow_pickle=False)
        shutil.move(embedded.unit_file, folder / SENTENCES_FILE)


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
