"""The search index: passages + FAISS (dense) + BM25 (lexical), fused by RRF.

On disk an index folder holds generations. Each build writes a complete new
generation beside the old one and only then points `CURRENT` at it (an atomic
rename), so an interrupted run leaves the previous index usable. Every generation
has a manifest recording the embedding model, the cleaning version, the corpus
fingerprint and checksums of its files; `Index.open` checks them all and explains
what is wrong instead of returning wrong results. Nothing is pickled.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.faiss_store import VectorStore
from embeddings.models import DEFAULT_EMBEDDING_MODEL
from qa.config import DEFAULT_MODE, DEFAULT_SEARCH_K, settings
from qa.retrieval.query import Query, prepare_query
from qa.text.chunking import CHUNKING_VERSION, chunk_document
from qa.text.cleaning import CLEANING_VERSION, vocabulary_of
from qa.text.dedup import mark_near_duplicates
from qa.text.lexical import TOKENIZER_VERSION, BM25Index, tokenize
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


def corpus_fingerprint(documents: Sequence[Document]) -> str:
    digest = hashlib.sha256()
    for doc in sorted(documents, key=lambda d: d.id):
        digest.update(f"{doc.id}\0{doc.origin}\0{doc.title}\0".encode())
        digest.update(hashlib.sha256(doc.text.encode("utf-8")).digest())
    return digest.hexdigest()[:16]


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _write_jsonl(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


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
        documents: list[Document],
        passages: list[Passage],
        store: VectorStore,
        bm25: BM25Index,
        embedder: Any = None,
    ) -> None:
        self.folder = folder
        self.generation = generation
        self.manifest = manifest
        self.documents = {d.id: d for d in documents}
        self.passages = {p.id: p for p in passages}
        self.indexed = [p for p in passages if p.duplicate_of is None]
        self.store = store
        self.bm25 = bm25
        self._embedder = embedder

    # ----------------------------------------------------------------- building
    @classmethod
    def build(
        cls,
        documents: Sequence[Document],
        folder: Path | None = None,
        *,
        model: str | None = None,
        embedder: Any = None,
        faiss_kind: str = "flat",
        sources: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> Index:
        """Chunk, deduplicate, embed and store `documents` as a new generation.

        Vectors of passages whose text is unchanged since the current generation are
        reused, so re-indexing embeds only new or changed passages.
        """
        from embeddings.models import embed_passages, load_embedder, model_fingerprint

        if not documents:
            raise ValueError("nothing to index: no readable documents")
        folder = Path(folder or settings().index_dir)
        report = progress or (lambda stage, done, total: None)
        embedder = embedder or load_embedder(model, **embedder_settings())
        fingerprint = model_fingerprint(embedder)
        vocabulary = vocabulary_of(d.text for d in documents if d.script != "Arab")
        passages: list[Passage] = []
        for i, document in enumerate(documents):
            passages.extend(chunk_document(document, vocabulary))
            report("chunking", i + 1, len(documents))
        mark_near_duplicates(passages)
        indexed = [p for p in passages if p.duplicate_of is None]

        cached = _previous_vectors(folder, fingerprint)
        vectors = np.zeros((len(indexed), embedder.get_embedding_dimension()), dtype=np.float32)
        todo = [i for i, p in enumerate(indexed) if _text_key(p.text) not in cached]
        for i, p in enumerate(indexed):
            if i not in todo:
                vectors[i] = cached[_text_key(p.text)]
        report("embedding", 0, len(todo))
        batch = 8
        for start in range(0, len(todo), batch):
            rows = todo[start : start + batch]
            vectors[rows] = embed_passages(embedder, [indexed[i].text for i in rows])
            report("embedding", min(start + batch, len(todo)), len(todo))

        store = VectorStore.build(vectors, faiss_kind)
        bm25 = BM25Index.build([p.text for p in indexed])
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            model=getattr(embedder, "kenes_name", None) or model or DEFAULT_EMBEDDING_MODEL,
            model_fingerprint=fingerprint,
            dim=int(vectors.shape[1]),
            text_version=TEXT_VERSION,
            corpus_fingerprint=corpus_fingerprint(documents),
            faiss_kind=store.kind,
            n_documents=len(documents),
            n_passages=len(passages),
            n_indexed=len(indexed),
            created=time.strftime("%Y-%m-%dT%H:%M:%S"),
            sources=[str(s) for s in sources],
        )
        generation = _write_generation(folder, manifest, documents, passages, vectors, store, bm25)
        report("saved", 1, 1)
        index = cls(folder, generation, manifest, list(documents), passages, store, bm25, embedder)
        index.embedded_count = len(todo)
        return index

    # ------------------------------------------------------------------ loading
    @classmethod
    def open(
        cls, folder: Path | None = None, *, model: str | None = None, embedder: Any = None
    ) -> Index:
        """Load and verify the current generation of an index folder."""
        folder = Path(folder or settings().index_dir)
        generation = current_generation(folder)
        manifest = _read_manifest(generation)
        if model and model != manifest.model:
            raise IndexMismatch(
                f"The index at {folder} was built with the embedding model '{manifest.model}', "
                f"not '{model}'. Rebuild it: kenes index --model {model}"
            )
        if manifest.text_version != TEXT_VERSION:
            raise IndexMismatch(
                f"The index at {folder} was built by another Kenes version (text processing "
                f"v{manifest.text_version}, now v{TEXT_VERSION}). Rebuild it: kenes index"
            )
        for name, digest in manifest.files.items():
            path = generation / name
            if not path.is_file() or _sha256(path) != digest:
                raise IndexCorrupt(
                    f"The index at {folder} is damaged ({name} is missing or altered). "
                    "Rebuild it: kenes index"
                )
        try:
            documents = [_document_from_row(r) for r in _read_jsonl(generation / "documents.jsonl")]
            passages = [Passage(**r) for r in _read_jsonl(generation / "passages.jsonl")]
            store = VectorStore.load(generation / "dense.faiss", manifest.faiss_kind)
            bm25 = BM25Index.load(generation / "bm25")
        except Exception as exc:  # any parse error means the files are not ours
            raise IndexCorrupt(
                f"The index at {folder} cannot be read ({exc}). Rebuild it: kenes index"
            ) from exc
        index = cls(folder, generation, manifest, documents, passages, store, bm25, embedder)
        if (
            store.size != len(index.indexed)
            or bm25.size != len(index.indexed)
            or store.dim != manifest.dim
        ):
            raise IndexCorrupt(
                f"The index at {folder} is inconsistent ({store.size} vectors, "
                f"{bm25.size} BM25 rows, "
                f"{len(index.indexed)} passages). Rebuild it: kenes index"
            )
        return index

    @property
    def embedder(self) -> Any:
        """The embedding model, loaded on first dense search (BM25 needs none)."""
        if self._embedder is None:
            from embeddings.models import load_embedder, model_fingerprint

            self._embedder = load_embedder(self.manifest.model, **embedder_settings())
            if model_fingerprint(self._embedder) != self.manifest.model_fingerprint:
                raise IndexMismatch(
                    f"The embedding model '{self.manifest.model}' on this machine differs "
                    "from the one "
                    f"the index at {self.folder} was built with. Rebuild it: kenes index"
                )
        return self._embedder

    # ---------------------------------------------------------------- searching
    def search(
        self, query: str, k: int = DEFAULT_SEARCH_K, mode: str = DEFAULT_MODE, candidates: int = 50
    ) -> list[Passage]:
        """The k best passages for `query` (any script or language), best first."""
        if mode not in SEARCH_MODES:
            raise ValueError(f"unknown search mode '{mode}': choose {', '.join(SEARCH_MODES)}")
        prepared = prepare_query(query)
        n = min(max(candidates, k), len(self.indexed))
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
        best = sorted(ranked, key=ranked.__getitem__, reverse=True)[:k]
        results = []
        for position in best:
            scores = {"dense": dense.get(position), "bm25": lexical.get(position)}
            results.append(
                replace(
                    self.indexed[position],
                    score=ranked[position],
                    scores={name: value for name, value in scores.items() if value is not None},
                    alternatives=list(self.indexed[position].alternatives),
                )
            )
        return results

    def _dense(self, query: Query, n: int) -> list[dict[int, float]]:
        """Nearest passages by embedding: of the question, of it with its acronyms spelt
        out (the model knows "Ислам ынтымақтастық ұйымы", not "ИЫҰ"), and of its Kazakh
        terms, each when there are any."""
        from embeddings.models import embed_queries

        texts = [query.cyrillic if query.variant.startswith("kk") else query.text]
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

    def _bm25(self, query: Query, n: int) -> dict[int, float]:
        text = f"{query.expanded} {query.kazakh_terms}".strip()
        scores = self.bm25.scores(text, russian=query.variant == "ru")
        return {int(p): float(scores[p]) for p in np.argsort(-scores)[:n] if scores[p] > 0}

    def common_terms(self, share: float = 0.2) -> frozenset[str]:
        """Stems found in more than `share` of the passages (e.g. Қазақстан in this corpus)."""
        if not hasattr(self, "_common_terms"):
            counts: dict[str, int] = {}
            for passage in self.indexed:
                for term in set(tokenize(passage.text)):
                    counts[term] = counts.get(term, 0) + 1
            limit = share * len(self.indexed)
            self._common_terms = frozenset(t for t, n in counts.items() if n > limit)
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
        raise IndexMissing(f"No index at {folder}. Build it with: kenes index")
    generation = folder / pointer.read_text(encoding="utf-8").strip()
    if not generation.is_dir():
        raise IndexCorrupt(
            f"The index at {folder} points at a missing generation. Rebuild it: kenes index"
        )
    return generation


def _read_manifest(generation: Path) -> Manifest:
    try:
        data = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexCorrupt(
            f"The index manifest in {generation} is unreadable. Rebuild it: kenes index"
        ) from exc
    if data.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(
            f"The index in {generation.parent} has format {data.get('format_version')}, this Kenes "
            f"reads format {FORMAT_VERSION}. Rebuild it: kenes index"
        )
    if "cleaning_version" in data:  # the field's name until 2026-12
        data["text_version"] = data.pop("cleaning_version")
    try:
        return Manifest(**data)
    except TypeError as exc:
        raise IndexCorrupt(f"The index manifest in {generation} is malformed ({exc}).") from exc


def _document_from_row(row: dict[str, Any]) -> Document:
    return Document(**{**row, "authors": tuple(row.get("authors", ()))})


def _previous_vectors(folder: Path, fingerprint: str) -> dict[str, np.ndarray]:
    """Vectors of the current generation keyed by passage text, if the model matches."""
    try:
        generation = current_generation(folder)
        manifest = _read_manifest(generation)
        if manifest.model_fingerprint != fingerprint:
            return {}
        passages = [Passage(**r) for r in _read_jsonl(generation / "passages.jsonl")]
        vectors = np.load(generation / "vectors.npy", allow_pickle=False)
    except (IndexProblem, OSError, ValueError, TypeError):
        return {}
    indexed = [p for p in passages if p.duplicate_of is None]
    if len(indexed) != len(vectors):
        return {}
    return {_text_key(p.text): vectors[i] for i, p in enumerate(indexed)}


def _write_generation(
    folder: Path,
    manifest: Manifest,
    documents: Sequence[Document],
    passages: Sequence[Passage],
    vectors: np.ndarray,
    store: VectorStore,
    bm25: BM25Index,
) -> Path:
    """Write a complete generation aside, then switch CURRENT to it atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".tmp-*"):  # left by an interrupted run
        shutil.rmtree(stale, ignore_errors=True)
    name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 100000}"
    tmp = folder / f".tmp-{name}"
    tmp.mkdir()
    _write_jsonl(tmp / "documents.jsonl", [asdict(d) for d in documents])
    _write_jsonl(tmp / "passages.jsonl", [p.to_dict() for p in passages])
    np.save(tmp / "vectors.npy", vectors, allow_pickle=False)
    store.save(tmp / "dense.faiss")
    bm25.save(tmp / "bm25")
    files = [p for p in sorted(tmp.rglob("*")) if p.is_file()]
    manifest.files = {str(p.relative_to(tmp)): _sha256(p) for p in files}
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


def ensure_index(
    folder: Path | None = None,
    *,
    embedder: Any = None,
    progress: Progress | None = None,
    notify: Callable[[str], None] | None = None,
) -> Index:
    """Open the index, building it first if it is missing or out of date.

    Out of date means its sources changed on disk or it was written by another
    version of the cleaning rules; both are rebuilt (re-embedding only what changed).
    A damaged index is not silently replaced: IndexCorrupt explains it.
    """
    from qa.retrieval.corpus import load_sources

    folder = Path(folder or settings().index_dir)
    say = notify or (lambda message: None)
    sources: list[str] = []
    try:
        index = Index.open(folder, embedder=embedder)
        sources = index.manifest.sources
        report = load_sources(sources)
        if corpus_fingerprint(report.documents) == index.manifest.corpus_fingerprint:
            return index
        say("The documents changed since the last indexing run: updating the index.")
    except IndexMissing:
        say(f"No index yet at {folder}: building it (first run only).")
        report = load_sources(sources)
    except IndexMismatch as exc:
        say(str(exc).replace("Rebuild it: kenes index", "Rebuilding it now."))
        sources = _recorded_sources(folder)
        report = load_sources(sources)
    return Index.build(
        report.documents, folder, embedder=embedder, sources=sources, progress=progress
    )


def _recorded_sources(folder: Path) -> list[str]:
    """The sources an index was built from, read leniently (its format may be old)."""
    try:
        manifest = current_generation(folder) / "manifest.json"
        return list(json.loads(manifest.read_text(encoding="utf-8")).get("sources", []))
    except (IndexProblem, OSError, ValueError):
        return []
