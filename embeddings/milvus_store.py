"""A Milvus vector store with the interface of `embeddings.faiss_store.VectorStore`.

For corpora past one machine: the same code talks to milvus-lite (a local folder,
one process at a time) and to a Milvus cluster (`http://host:19530`), through
`pymilvus.MilvusClient`.

- `MilvusVectorStore.build(vectors, ids, uri=...)` creates the collection (INT64 ids,
  FLOAT_VECTOR, metric IP: cosine on L2-normalised vectors), inserts in batches and
  builds the index: Milvus builds an index only when a collection is loaded after a
  flush, so `build` flushes, releases and loads it (before that every search is a
  brute-force scan of the write buffer).
- `search(query, k)` returns `(scores, ids)` like FAISS: one row for a 1-d query,
  `(n, k)` arrays for a 2-d batch; ids are -1 (score -inf) where fewer than k exist.
- The data persists in Milvus itself: `close()` and `MilvusVectorStore.open(uri)`
  reopen it (`save`/`load` are kept for the FAISS-style callers).

milvus-lite loads HNSW, IVF_FLAT, IVF_SQ8, FLAT and BRUTE_FORCE indexes; others
(IVF_PQ, DISKANN) are accepted at creation but make the collection unloadable, so
they are refused here. A milvus-lite folder (its name must end in `.db`) can be open
in one process only: a second one gets `MilvusStoreLockedError`, which says how to
serve the folder to several processes instead.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_COLLECTION = "kenes_passages"
ID_FIELD = "id"
VECTOR_FIELD = "vector"
METRIC = "IP"
INSERT_BATCH = 5000
# Kenes name -> Milvus index type; the ones milvus-lite can load.
MILVUS_KINDS = {
    "flat": "FLAT",
    "hnsw": "HNSW",
    "ivf_flat": "IVF_FLAT",
    "ivf_sq8": "IVF_SQ8",
    "brute_force": "BRUTE_FORCE",
}
_KIND_OF_INDEX = {v: k for k, v in MILVUS_KINDS.items()}
_BUILD_PARAMS = {
    "HNSW": {"M": 16, "efConstruction": 200},
    "IVF_FLAT": {"nlist": 128},
    "IVF_SQ8": {"nlist": 128},
}
_LITE_LOCK_FILE = "LOCK"  # milvus_lite.db.LOCK_FILENAME

# milvus-lite runs one in-process server per folder, shared by every client of this
# process; it holds the folder's lock until released. Counted so that closing the
# last store of a folder releases it (and a later open really reads it from disk).
_lite_users: dict[str, int] = {}
_lite_guard = threading.Lock()


class MilvusStoreError(RuntimeError):
    """The Milvus store cannot be opened or used; the message says what to do."""


class MilvusStoreLockedError(MilvusStoreError):
    """Another process has the milvus-lite folder open."""


def is_remote(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "tcp://", "unix:"))


def _lite_path(uri: str | os.PathLike[str]) -> str:
    path = os.path.abspath(os.path.expanduser(os.fspath(uri)))
    if not path.endswith(".db"):
        raise MilvusStoreError(
            f"a milvus-lite folder name must end in .db (got {path!r}); "
            "for a Milvus server pass its http://host:19530 address"
        )
    return path


def _locked_by_another_process(path: str) -> bool:
    """True when the folder's LOCK file is held (probed without taking it for long)."""
    lock = Path(path) / _LITE_LOCK_FILE
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _served_here(path: str) -> bool:
    """True when this process already runs milvus-lite's server for the folder."""
    if _lite_users.get(path, 0) > 0:
        return True
    try:
        from milvus_lite.server_manager import server_manager_instance
    except ImportError:
        return False
    return path in getattr(server_manager_instance, "_servers", {})


def locked_message(path: str) -> str:
    return (
        f"the milvus-lite folder {path} is open in another process (milvus-lite allows one "
        f"process per folder): stop that process, or serve the folder with "
        f"`milvus-lite server --data-dir {path} --host 127.0.0.1 --port 19531` and open "
        f"the store at http://127.0.0.1:19531 from every process"
    )


def connect(uri: str | os.PathLike[str], **kwargs: Any) -> tuple[Any, str, str | None]:
    """(MilvusClient, uri, local path or None); clear errors instead of pymilvus's."""
    from pymilvus import MilvusClient

    text = os.fspath(uri)
    local = None if is_remote(text) else _lite_path(text)
    target = local or text
    if local is not None:
        Path(local).parent.mkdir(parents=True, exist_ok=True)
        if not _served_here(local) and _locked_by_another_process(local):
            raise MilvusStoreLockedError(locked_message(local))
    try:
        client = MilvusClient(uri=target, **kwargs)
    except Exception as exc:
        if local is not None and _locked_by_another_process(local):
            raise MilvusStoreLockedError(locked_message(local)) from exc
        where = f"milvus-lite folder {local}" if local else f"Milvus at {text}"
        raise MilvusStoreError(f"cannot open the {where}: {exc}") from exc
    if local is not None:
        with _lite_guard:
            _lite_users[local] = _lite_users.get(local, 0) + 1
    return client, target, local


def _release(client: Any, local: str | None) -> None:
    with contextlib.suppress(Exception):
        client.close()
    if local is None:
        return
    with _lite_guard:
        left = _lite_users.get(local, 1) - 1
        if left > 0:
            _lite_users[local] = left
            return
        _lite_users.pop(local, None)
    with contextlib.suppress(ImportError):
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(local)


class MilvusVectorStore:
    """Dense vectors in a Milvus collection, searched by inner product."""

    def __init__(
        self, client: Any, uri: str, collection: str, kind: str, dim: int, local: str | None
    ) -> None:
        self.client = client
        self.uri = uri
        self.collection = collection
        self.kind = kind
        self._dim = dim
        self._local = local
        self._closed = False
        self.ef = 128  # HNSW search breadth (raised to k when k is larger)
        self.nprobe = 32  # IVF clusters searched, of milvus-lite's 128

    # ------------------------------------------------------------------ creating

    @classmethod
    def build(
        cls,
        vectors: np.ndarray,
        ids: Sequence[int] | np.ndarray | None = None,
        *,
        uri: str | os.PathLike[str],
        kind: str = "flat",
        collection: str = DEFAULT_COLLECTION,
        batch_size: int = INSERT_BATCH,
        replace: bool = True,
    ) -> MilvusVectorStore:
        """A new collection holding `vectors` under `ids` (default 0..n-1), indexed, loaded.

        `replace` drops an existing collection of that name first; without it an
        existing one is an error.
        """
        from pymilvus import DataType

        if kind not in MILVUS_KINDS:
            raise ValueError(
                f"unknown Milvus index kind {kind!r}: choose {', '.join(MILVUS_KINDS)}"
            )
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] == 0:
            raise ValueError("vectors must be a non-empty (n, dim) array")
        id_array = (
            np.arange(len(vectors), dtype=np.int64)
            if ids is None
            else np.asarray(ids, dtype=np.int64).reshape(-1)
        )
        if len(id_array) != len(vectors):
            raise ValueError(f"{len(id_array)} ids for {len(vectors)} vectors")
        if len(np.unique(id_array)) != len(id_array):
            raise ValueError("ids must be unique")
        client, target, local = connect(uri)
        store = None
        try:
            if client.has_collection(collection):
                if not replace:
                    raise MilvusStoreError(f"collection {collection!r} already exists at {target}")
                client.drop_collection(collection)
            dim = int(vectors.shape[1])
            schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field(ID_FIELD, DataType.INT64, is_primary=True)
            schema.add_field(VECTOR_FIELD, DataType.FLOAT_VECTOR, dim=dim)
            index_params = client.prepare_index_params()
            index_type = MILVUS_KINDS[kind]
            index_params.add_index(
                field_name=VECTOR_FIELD,
                index_type=index_type,
                metric_type=METRIC,
                params=_BUILD_PARAMS.get(index_type, {}),
            )
            client.create_collection(collection, schema=schema, index_params=index_params)
            store = cls(client, target, collection, kind, dim, local)
            store.add(vectors, id_array, batch_size=batch_size, reindex=False)
            store.reindex()
            return store
        except Exception:
            if store is None:
                _release(client, local)
            else:
                store.close()
            raise

    def add(
        self,
        vectors: np.ndarray,
        ids: Sequence[int] | np.ndarray,
        *,
        batch_size: int = INSERT_BATCH,
        reindex: bool = True,
    ) -> None:
        """Insert (or, for existing ids, overwrite) vectors; `reindex` makes them indexed."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        id_array = np.asarray(ids, dtype=np.int64).reshape(-1)
        if vectors.ndim != 2 or vectors.shape[1] != self._dim:
            raise ValueError(f"expected (n, {self._dim}) vectors, got {vectors.shape}")
        if len(id_array) != len(vectors):
            raise ValueError(f"{len(id_array)} ids for {len(vectors)} vectors")
        for start in range(0, len(vectors), batch_size):
            rows = [
                {ID_FIELD: int(i), VECTOR_FIELD: v.tolist()}
                for i, v in zip(
                    id_array[start : start + batch_size],
                    vectors[start : start + batch_size],
                    strict=True,
                )
            ]
            self.client.upsert(self.collection, rows)
        if reindex:
            self.reindex()

    def reindex(self) -> None:
        """Flush, release and load: the index covers everything inserted so far."""
        self.client.flush(self.collection)
        self.client.release_collection(self.collection)
        try:
            self.client.load_collection(self.collection)
        except Exception:
            # milvus-lite has failed once right after a flush ("could only read ...
            # elements, file seems not fully written"); a second load passed.
            time.sleep(1.0)
            with contextlib.suppress(Exception):
                self.client.release_collection(self.collection)
            self.client.load_collection(self.collection)

    # ------------------------------------------------------------------ reopening

    @classmethod
    def open(
        cls, uri: str | os.PathLike[str], collection: str = DEFAULT_COLLECTION
    ) -> MilvusVectorStore:
        """Reopen an existing collection (and load it) at a milvus-lite folder or server."""
        client, target, local = connect(uri)
        try:
            if not client.has_collection(collection):
                raise MilvusStoreError(f"no collection {collection!r} at {target}")
            info = client.describe_collection(collection)
            dim = next(
                int(f.get("params", {}).get("dim", 0))
                for f in info["fields"]
                if f["name"] == VECTOR_FIELD
            )
            kind = "flat"
            with contextlib.suppress(Exception):
                index = client.describe_index(collection, index_name=VECTOR_FIELD)
                kind = _KIND_OF_INDEX.get(str(index.get("index_type", "")).upper(), kind)
            client.load_collection(collection)
        except MilvusStoreError:
            _release(client, local)
            raise
        except Exception as exc:
            _release(client, local)
            raise MilvusStoreError(
                f"cannot open collection {collection!r} at {target}: {exc}"
            ) from exc
        return cls(client, target, collection, kind, dim, local)

    def save(self, path: Path | str | None = None) -> None:
        """Flush to disk (Milvus persists by itself; `path`, if given, must be this store)."""
        elsewhere = path is not None and os.path.abspath(os.fspath(path)) != self.uri
        if elsewhere and not is_remote(self.uri):
            raise MilvusStoreError(
                f"a Milvus store lives where it was built ({self.uri}), not at {path}"
            )
        self.client.flush(self.collection)

    @classmethod
    def load(
        cls, path: Path | str, kind: str | None = None, collection: str = DEFAULT_COLLECTION
    ) -> MilvusVectorStore:
        """FAISS-style alias of `open` (the kind is read from the collection's index)."""
        return cls.open(path, collection)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            _release(self.client, self._local)

    def __enter__(self) -> MilvusVectorStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading

    @property
    def size(self) -> int:
        rows = self.client.query(self.collection, filter="", output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    @property
    def dim(self) -> int:
        return self._dim

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest vectors, best first; ids -1 are padding."""
        query = np.asarray(query, dtype=np.float32)
        single = query.ndim == 1
        queries = query.reshape(1, -1) if single else query
        if queries.shape[1] != self._dim:
            raise ValueError(f"expected {self._dim}-dim queries, got {queries.shape[1]}")
        k = int(k)
        scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        if k <= 0 or len(queries) == 0:
            return (scores[0], ids[0]) if single else (scores, ids)
        params: dict[str, Any] = {"metric_type": METRIC}
        if self.kind == "hnsw":
            params["params"] = {"ef": max(self.ef, k)}
        elif self.kind in ("ivf_flat", "ivf_sq8"):
            params["params"] = {"nprobe": self.nprobe}
        hits = self.client.search(
            self.collection,
            data=queries.tolist(),
            anns_field=VECTOR_FIELD,
            limit=k,
            search_params=params,
            output_fields=[],
        )
        for row, result in enumerate(hits):
            for col, hit in enumerate(list(result)[:k]):
                ids[row, col] = int(hit["id"])
                scores[row, col] = float(hit["distance"])
        return (scores[0], ids[0]) if single else (scores, ids)

    def __repr__(self) -> str:
        return (
            f"MilvusVectorStore({self.uri!r}, collection={self.collection!r}, kind={self.kind!r})"
        )
