"""Scale benchmark (not a test): `python benchmarks/scale.py --passages N [--json]`.

Builds an index of N passages through `Index.build` (chunking, near-duplicate
folding, embedding with resumable batches, evidence units, FAISS chosen by size, BM25)
in a temporary folder, then measures:

- build throughput (passages indexed per second of `Index.build`),
- peak memory of this process (resource.getrusage ru_maxrss),
- index size on disk (the generation folder),
- hybrid retrieval latency p50/p95 (`Index.search`, real questions, real e5 query
  vectors),
- whole-answer latency p50/p95 (`Assistant(index, llm="extractive")`),
- recall@10 of the dense index against exact search over the same vectors.

The text is real Kazakh: sentences of the shipped corpus (corpus/*.txt, Cyrillic
documents) and of KazQAD's passages (/work/shared/benchmarks/kazqad/*.jsonl, read in
place), recombined into new documents, with a share of each sentence's words swapped
for other real words of the pool so that the near-duplicate detector does not fold
every recombined passage into another (BM25 and the stemmer still see real words).

Embedding a million passages with e5-small takes days on two cores, so PASSAGE AND
UNIT VECTORS ARE SYNTHETIC: each is a sum of real e5 vectors (a pool of real
sentences embedded once here) picked by the text's hash, plus Gaussian noise,
L2-normalised. Questions are embedded for real. The output says so ("vectors":
"synthetic ..."). The real embedding speed is printed too, so a real build's time
can be estimated: passages / embed rate.

`--plot` draws docs/scale.png from the results saved by earlier runs
(docs/scale-results.json).
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KAZQAD = Path("/work/shared/benchmarks/kazqad")
RESULTS = ROOT / "docs" / "scale-results.json"
DENSE_RESULTS = ROOT / "docs" / "scale-dense.json"
POOL_SIZE = 256  # real sentences embedded for the synthetic vectors
SWAP_SHARE = 0.4  # words of each sentence replaced by other real words
NOISE = 0.02  # per-dimension Gaussian noise added to synthetic vectors
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[А-ЯӘҒҚҢӨҰҮҺІЁA-Z0-9«\"])")

app = typer.Typer(add_completion=False)


def _sentences() -> list[str]:
    """Real Kazakh sentences: the shipped Cyrillic documents and KazQAD's passages."""
    from qa.retrieval.corpus import load_manifest_corpus

    texts = [d.text for d in load_manifest_corpus().documents if d.script != "Arab"]
    for path in sorted(KAZQAD.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            contexts = {json.loads(line).get("context", "") for line in handle if line.strip()}
        texts.extend(sorted(contexts))
    out = []
    for text in texts:
        for sentence in _SENTENCE.split(" ".join(text.split())):
            if 6 <= len(sentence.split()) <= 60:
                out.append(sentence)
    return out


def _questions(limit: int = 60) -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "corpus" / "gold.jsonl").open(encoding="utf-8")]
    questions = [r["question"] for r in rows]
    for path in sorted(KAZQAD.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            questions.extend(json.loads(line)["question"] for line in handle if line.strip())
    random.Random(7).shuffle(questions)
    return questions[:limit]


class RecombinedDocuments(Sequence[Any]):
    """Documents whose chunking gives about `n_passages` passages of real words.

    Made on demand from a seed per document, so that a million passages' documents
    (some 1.5 GB of text) are never all in memory: `Index.build` reads each a few
    times (vocabulary, chunking, fingerprint, writing).
    """

    def __init__(self, n_passages: int, seed: int = 1) -> None:
        self.seed = seed
        self.pool = _sentences()
        self.words = [w for s in self.pool for w in s.split() if w.isalpha() and len(w) > 3]
        target_words = n_passages * 105  # words per passage the chunker makes of this text
        made_words, self.count = 0, 0
        while made_words < target_words:
            made_words += len(self._text(self.count).split())
            self.count += 1

    def _text(self, number: int) -> str:
        rng = random.Random(f"{self.seed}-{number}")
        sentences = []
        for _ in range(rng.randint(20, 60)):
            tokens = rng.choice(self.pool).split()
            for i in range(len(tokens)):
                if rng.random() < SWAP_SHARE and tokens[i].isalpha():
                    tokens[i] = rng.choice(self.words)
            sentences.append(" ".join(tokens))
        return " ".join(sentences)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, number: int) -> Any:  # type: ignore[override]
        from qa.types import Document

        if not 0 <= number < self.count:
            raise IndexError(number)
        return Document(
            id=f"scale-{number + 1:07d}",
            title=f"Scale document {number + 1}",
            origin=f"scale-{number + 1:07d}.txt",
            text=self._text(number),
        )


def make_documents(n_passages: int, seed: int = 1) -> RecombinedDocuments:
    return RecombinedDocuments(n_passages, seed)


class SyntheticEmbedder:
    """Queries: the real model. Passages and units: sums of real pool vectors + noise.

    Stands in for the real model at index time only, under the real model's identity
    (so the index accepts the real model for questions).
    """

    def __init__(self, model: Any, pool: np.ndarray) -> None:
        self.model = model
        self.pool = pool
        self.kenes_path = model.kenes_path
        self.kenes_name = model.kenes_name
        self.kenes_backend = getattr(model, "kenes_backend", "torch")
        self.prompts = model.prompts

    def get_embedding_dimension(self) -> int:
        return int(self.pool.shape[1])

    def encode(self, texts: list[str], prompt_name: str | None = None, **kwargs: Any):
        """Each text's three pool vectors are picked by bytes of its sha1 (so equal
        texts get near-equal vectors); the noise is drawn for the whole batch at once
        (a generator per text cost ~50 us, ten minutes over a million passages' units)."""
        if prompt_name == "query":
            return self.model.encode(texts, prompt_name=prompt_name, **kwargs)
        digests = np.frombuffer(
            b"".join(hashlib.sha1(t.encode()).digest()[:3] for t in texts), dtype=np.uint8
        ).reshape(-1, 3)
        rng = np.random.default_rng(int.from_bytes(digests[:8].tobytes()[:8] or b"0", "little"))
        vectors = self.pool[digests.astype(np.int64) % len(self.pool)].sum(axis=1)
        vectors += rng.normal(0, NOISE, vectors.shape)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors.astype(np.float32)


class StageClock:
    """Seconds spent in each stage `Index.build` reports, and the peak memory by its end."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peaks: dict[str, float] = {}
        self._stage: str | None = None
        self._since = time.perf_counter()

    def report(self, stage: str, done: int, total: int) -> None:
        if stage == self._stage:
            return
        now = time.perf_counter()
        if self._stage is not None:
            self.seconds[self._stage] = round(now - self._since, 1)
            self.peaks[self._stage] = round(_peak_rss_gib(), 2)
        self._stage, self._since = stage, now


def _pool(model: Any) -> tuple[np.ndarray, float]:
    """Real e5 vectors of POOL_SIZE sentences (cached in /tmp) and the embed rate."""
    from embeddings.models import embed_passages

    cache = Path(tempfile.gettempdir()) / f"kenes-scale-pool-{POOL_SIZE}.npz"
    if cache.is_file():
        data = np.load(cache)
        return data["pool"], float(data["rate"])
    sentences = _sentences()
    picks = random.Random(3).sample(sentences, POOL_SIZE)
    started = time.perf_counter()
    pool = embed_passages(model, picks)
    rate = len(picks) / (time.perf_counter() - started)
    np.savez(cache, pool=pool, rate=rate)
    return pool, rate


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def exact_top_k(
    chunks: Iterable[tuple[int, np.ndarray]], queries: np.ndarray, k: int = 10
) -> np.ndarray:
    """The exact top-k positions of each query over vectors given a chunk at a time
    ((first position, rows)): a flat FAISS copy of a million vectors held 1.5 GiB more."""
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best = np.zeros((len(queries), k), dtype=np.int64)
    for start, chunk in chunks:
        scores = queries @ chunk.T
        positions = np.broadcast_to(np.arange(start, start + len(chunk)), scores.shape)
        merged_scores = np.hstack([best_scores, scores])
        merged = np.hstack([best, positions])
        keep = np.argpartition(-merged_scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(merged_scores, keep, axis=1)
        best = np.take_along_axis(merged, keep, axis=1)
    return best


def _vector_chunks(path: Path, rows: int = 100_000) -> Iterator[tuple[int, np.ndarray]]:
    """The rows of a .npy file a chunk at a time, read rather than memory-mapped (mapped
    pages, once read, count as resident)."""
    with path.open("rb") as file:
        major, _ = np.lib.format.read_magic(file)
        read_header = (
            np.lib.format.read_array_header_1_0
            if major == 1
            else np.lib.format.read_array_header_2_0
        )
        shape, _, dtype = read_header(file)
        for start in range(0, shape[0], rows):
            count = min(rows, shape[0] - start) * shape[1]
            yield start, np.fromfile(file, dtype=dtype, count=count).reshape(-1, shape[1])


def recall_vs_exact(index: Any, queries: np.ndarray, truth: np.ndarray) -> float:
    """Share of the exact top-k (`truth`) the store finds."""
    k = truth.shape[1]
    found = 0
    for query, wanted in zip(queries, truth, strict=True):
        _, got = index.store.search(query, k)
        found += len(set(got.tolist()) & set(wanted.tolist()))
    return found / truth.size


def ef_search_sweep(index: Any, queries: np.ndarray, truth: np.ndarray) -> list[dict]:
    """Recall@10 and search time of an HNSW index at several search breadths."""
    hnsw = getattr(index.store.index, "hnsw", None)
    if hnsw is None:
        return []
    kept, rows = hnsw.efSearch, []
    for ef in (64, 128, 256, 512):
        hnsw.efSearch = ef
        t = time.perf_counter()
        recall = recall_vs_exact(index, queries, truth)
        ms = (time.perf_counter() - t) * 1000 / len(queries)
        rows.append({"ef_search": ef, "recall_at_10": round(recall, 4), "search_ms": round(ms, 2)})
    hnsw.efSearch = kept
    return rows


BUILD_FILE = "scale-build.json"  # beside a kept index: its build's figures


def build(n_passages: int, folder: Path, faiss_kind: str, embedder: str) -> dict[str, Any]:
    """Build the index of `n_passages` into `folder`; its build figures."""
    from qa.retrieval import ingest
    from qa.retrieval.index import Index

    model = ingest.load_index_embedder(backend=embedder)
    pool, embed_rate = _pool(model)
    documents = make_documents(n_passages)
    stages = StageClock()
    started = time.perf_counter()
    built = Index.build(
        documents,
        folder,
        embedder=SyntheticEmbedder(model, pool),
        faiss_kind=faiss_kind,
        progress=stages.report,
    )
    build_s = time.perf_counter() - started
    stages.report("done", 1, 1)
    figures = {
        "documents": len(documents),
        "build_passages_per_s": round(len(built.indexed) / build_s, 1),
        "build_s": round(build_s, 1),
        "build_stages_s": stages.seconds,
        "build_stages_peak_rss_gib": stages.peaks,
        "build_peak_rss_gib": round(_peak_rss_gib(), 2),
        "real_embed_passages_per_s": round(embed_rate, 2),
    }
    (folder / BUILD_FILE).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return figures


def measure(folder: Path, questions: int, answers: int, embedder: str) -> dict[str, Any]:
    """Open the index in `folder` and time retrieval and answers; recall vs exact.

    The first `COLD_QUESTIONS` searches after opening are reported apart (their pages
    come from disk); the rest are timed after one pass over all the questions."""
    from embeddings.models import embed_queries
    from qa.answering.assistant import Assistant
    from qa.retrieval import ingest
    from qa.retrieval.index import Index

    model = ingest.load_index_embedder(backend=embedder)
    asked = _questions(questions)
    rss_before_open = _rss_gib()
    started = time.perf_counter()
    index = Index.open(folder, embedder=model)
    open_s = time.perf_counter() - started
    cold = [_timed(lambda q=q: index.search(q, k=6, mode="hybrid")) for q in asked[:COLD_QUESTIONS]]
    for question in asked:  # warm-up pass
        index.search(question, k=6, mode="hybrid")
    latencies = [_timed(lambda q=q: index.search(q, k=6, mode="hybrid")) for q in asked]
    assistant = Assistant(index, llm="extractive")
    assistant.ask(asked[0])  # warm-up
    answer_ms = [_timed(lambda q=q: assistant.ask(q)) for q in asked[:answers]]
    query_vectors = embed_queries(model, asked)
    rng = np.random.default_rng(5)
    stored = np.load(index.generation / "vectors.npy", mmap_mode="r")
    near = stored[np.sort(rng.integers(0, len(stored), size=100))]
    near = near + rng.normal(0, 0.02, near.shape).astype(np.float32)
    near /= np.linalg.norm(near, axis=1, keepdims=True)
    queries = np.ascontiguousarray(np.vstack([query_vectors, near]), dtype=np.float32)
    truth = exact_top_k(_vector_chunks(index.generation / "vectors.npy"), queries)
    return {
        "passages": len(index.indexed),
        "open_s": round(open_s, 2),
        "rss_after_queries_gib": round(_rss_gib() - rss_before_open, 2),
        "index_bytes": _folder_bytes(index.generation),
        "retrieval_cold_p50_ms": round(statistics.median(cold), 1),
        "retrieval_cold_max_ms": round(max(cold), 1),
        "retrieval_p50_ms": round(statistics.median(latencies), 1),
        "retrieval_p95_ms": round(_percentile(latencies, 0.95), 1),
        "answer_p50_ms": round(statistics.median(answer_ms), 1),
        "answer_p95_ms": round(_percentile(answer_ms, 0.95), 1),
        "recall_at_10_vs_exact": round(recall_vs_exact(index, queries, truth), 4),
        "ef_search_sweep": ef_search_sweep(index, queries, truth),
        "dense_index": index.manifest.storage.get("vectors", {}),
        "query_embedder": index.manifest.storage.get("embedder"),
        "sentence_units": index.manifest.storage.get("sentence_units"),
        "load_average_1m": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
        "questions": len(asked),
        "answers": len(answer_ms),
        "vectors": (
            f"synthetic: sums of 3 of {POOL_SIZE} real e5 sentence vectors + noise "
            f"{NOISE}/dim (questions embedded for real)"
        ),
    }


COLD_QUESTIONS = 10


def _timed(call: Any) -> float:
    t = time.perf_counter()
    call()
    return (time.perf_counter() - t) * 1000


def run(
    n_passages: int,
    questions: int,
    answers: int,
    faiss_kind: str,
    embedder: str,
    keep: Path | None = None,
    reuse: Path | None = None,
) -> dict[str, Any]:
    """Build (unless `reuse` names a kept index) and measure. `keep` builds into a
    folder that stays, for later `--reuse` runs."""
    if reuse is not None:
        figures = json.loads((reuse / BUILD_FILE).read_text(encoding="utf-8"))
        result = measure(reuse, questions, answers, embedder)
        return {**figures, **result, "peak_rss_gib": round(_peak_rss_gib(), 2), "reused": True}
    with tempfile.TemporaryDirectory(prefix="kenes-scale-") as tmp:
        folder = keep or Path(tmp) / "index"
        figures = build(n_passages, folder, faiss_kind, embedder)
        gc.collect()  # the built index's tables go before the opened one's come
        result = measure(folder, questions, answers, embedder)
    return {**figures, **result, "peak_rss_gib": round(_peak_rss_gib(), 2)}


class _CountingEmbedder(SyntheticEmbedder):
    """Remembers the key of every text it embeds for the index."""

    def __init__(self, model: Any, pool: np.ndarray) -> None:
        super().__init__(model, pool)
        self.keys: set[bytes] = set()

    def encode(self, texts: list[str], prompt_name: str | None = None, **kwargs: Any):
        if prompt_name != "query":
            self.keys.update(hashlib.sha1(t.encode()).digest() for t in texts)
        return super().encode(texts, prompt_name=prompt_name, **kwargs)


def resume_check(n_passages: int, share: float, faiss_kind: str, embedder: str) -> dict:
    """A build stopped by Ctrl-C (KeyboardInterrupt) once `share` of the passages are
    through the embedding step, then run again into the same folder: what each run
    embedded, and whether the second embedded anything the first had finished."""
    from qa.retrieval import ingest
    from qa.retrieval.index import Index

    model = ingest.load_index_embedder(backend=embedder)
    pool, _ = _pool(model)
    documents = make_documents(n_passages)

    def stop_at_share(stage: str, done: int, total: int) -> None:
        if stage == "embedding" and done >= share * total > 0:
            raise KeyboardInterrupt

    with tempfile.TemporaryDirectory(prefix="kenes-resume-") as tmp:
        folder = Path(tmp) / "index"
        first = _CountingEmbedder(model, pool)
        started = time.perf_counter()
        try:
            Index.build(documents, folder, embedder=first, faiss_kind=faiss_kind,
                        progress=stop_at_share)  # fmt: skip
            raise RuntimeError("the build finished before it was interrupted")
        except KeyboardInterrupt:
            interrupted_s = time.perf_counter() - started
        batches = len(list((folder / ingest.CACHE_DIR).rglob("batch-*.npz")))
        in_use_after_interrupt = (folder / "CURRENT").exists()
        second = _CountingEmbedder(model, pool)
        started = time.perf_counter()
        built = Index.build(documents, folder, embedder=second, faiss_kind=faiss_kind)
        return {
            "passages": len(built.indexed),
            "interrupted_after_s": round(interrupted_s, 1),
            "cached_batches_after_interrupt": batches,
            "index_in_use_after_interrupt": in_use_after_interrupt,
            "texts_embedded_before_interrupt": len(first.keys),
            "resumed_build_s": round(time.perf_counter() - started, 1),
            "texts_embedded_by_resumed_build": len(second.keys),
            "texts_embedded_twice": len(first.keys & second.keys),
            "cache_left_after_resumed_build": (folder / ingest.CACHE_DIR).exists(),
        }


def dense_only(n_vectors: int, faiss_kind: str) -> dict[str, Any]:
    """The dense index alone at `n_vectors` synthetic vectors (no text): what Index.build
    would choose, its build time, size, memory once loaded memory-mapped, search
    latency and recall@10 against exact search."""

    from qa.retrieval import ingest

    rng = np.random.default_rng(11)
    pool_path = Path(tempfile.gettempdir()) / f"kenes-scale-pool-{POOL_SIZE}.npz"
    pool = np.load(pool_path)["pool"]
    vectors = np.zeros((n_vectors, pool.shape[1]), dtype=np.float32)
    for start in range(0, n_vectors, 100_000):
        rows = min(100_000, n_vectors - start)
        picks = rng.integers(0, len(pool), size=(rows, 3))
        chunk = pool[picks].sum(axis=1) + rng.normal(0, NOISE, (rows, pool.shape[1]))
        vectors[start : start + rows] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    with tempfile.TemporaryDirectory(prefix="kenes-dense-") as tmp:
        started = time.perf_counter()
        store, params = ingest.build_faiss(vectors, faiss_kind)
        build_s = time.perf_counter() - started
        path = Path(tmp) / "dense.faiss"
        store.save(path)
        del store
        queries = vectors[rng.integers(0, n_vectors, size=200)]
        queries = queries + rng.normal(0, 0.02, queries.shape).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        chunks = ((at, vectors[at : at + 100_000]) for at in range(0, n_vectors, 100_000))
        truth = exact_top_k(chunks, queries)
        del vectors
        rss_before = _rss_gib()
        loaded = ingest.load_faiss(path, params["kind"])
        rss_loaded = _rss_gib() - rss_before
        latencies, found = [], 0
        for query, wanted in zip(queries, truth, strict=True):
            t = time.perf_counter()
            _, got = loaded.search(query, 50)
            latencies.append((time.perf_counter() - t) * 1000)
            found += len(set(got[:10].tolist()) & set(wanted.tolist()))
        return {
            "vectors": n_vectors,
            "dense_index": params,
            "build_s": round(build_s, 1),
            "file_bytes": path.stat().st_size,
            "rss_after_mmap_load_gib": round(rss_loaded, 3),
            "search50_p50_ms": round(statistics.median(latencies), 2),
            "search50_p95_ms": round(_percentile(latencies, 0.95), 2),
            "recall_at_10_vs_exact": round(found / truth.size, 4),
            "peak_rss_gib": round(_peak_rss_gib(), 2),
            "load_average_1m": round(os.getloadavg()[0], 1),
            "vectors_note": "synthetic (sums of real e5 vectors + noise)",
        }


def _rss_gib() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**30


def _save(result: dict[str, Any]) -> None:
    try:
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        results = []
    same = ("passages_requested", "query_embedder")
    results = [r for r in results if any(r.get(k) != result.get(k) for k in same)]
    results.append(result)
    results.sort(key=lambda r: (r.get("query_embedder") or "torch", r["passages_requested"]))
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def plot(path: Path = ROOT / "docs" / "scale.png") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    for r in results:
        r["index_gib"] = r["index_bytes"] / 2**30
        r.setdefault("query_embedder", "torch")
    try:
        dense = json.loads(DENSE_RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        dense = []
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    (latency, memory), (search, recall) = axes
    for backend in sorted({r["query_embedder"] for r in results}):
        rows = [r for r in results if r["query_embedder"] == backend]
        n = [r["passages"] for r in rows]
        for key in ("retrieval_p50_ms", "retrieval_p95_ms", "answer_p50_ms"):
            label = f"{key.removesuffix('_ms').replace('_', ' ')}, {backend} queries"
            latency.plot(n, [r[key] for r in rows], marker="o", label=label)
        peaks = [max(r.get("build_peak_rss_gib", 0), r["peak_rss_gib"]) for r in rows]
        memory.plot(n, peaks, marker="o", label=f"{backend}")
        memory.plot(n, [r["index_gib"] for r in rows], marker="s", label="index on disk")
    for kind in sorted({r["dense_index"]["kind"] for r in dense}):
        rows = sorted(
            (r for r in dense if r["dense_index"]["kind"] == kind), key=lambda r: r["vectors"]
        )
        n = [r["vectors"] for r in rows]
        search.plot(n, [r["search50_p50_ms"] for r in rows], marker="o", label=kind)
        recall.plot(n, [r["recall_at_10_vs_exact"] for r in rows], marker="o", label=kind)
    titles = (
        (latency, "Whole pipeline: latency (ms)", "passages"),
        (memory, "Whole pipeline: peak RSS / index size (GiB)", "passages"),
        (search, "Dense index alone: search p50 (ms, mmap)", "vectors"),
        (recall, "Dense index alone: recall@10 vs exact", "vectors"),
    )
    for ax, title, unit in titles:
        ax.set_xscale("log")
        if ax in (latency, search):
            ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(unit)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("Kenes on one busy 2-core machine (synthetic vectors, real text and questions)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


@app.command()
def main(
    passages: int = typer.Option(10_000, "--passages", help="Passages to index."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    questions: int = typer.Option(60, help="Questions timed for retrieval."),
    answers: int = typer.Option(20, help="Questions timed for whole answers."),
    faiss_kind: str = typer.Option("auto", "--faiss", help="auto, flat, hnsw or ivf."),
    embedder: str = typer.Option("torch", help="Query embedder: torch or onnx-int8."),
    save: bool = typer.Option(True, help="Keep the result in docs/scale-results.json."),
    draw: bool = typer.Option(False, "--plot", help="Only draw docs/scale.png from results."),
    dense: bool = typer.Option(
        False, "--dense-only", help="Only the dense index, on synthetic vectors, no text."
    ),
    keep: Annotated[Path | None, typer.Option(help="Build into this folder and keep it.")] = None,
    resume: Annotated[
        float | None,
        typer.Option(help="Stop a build by Ctrl-C at this share of embedding, resume it."),
    ] = None,
    reuse: Annotated[
        Path | None, typer.Option(help="Measure the index kept here by --keep (no build).")
    ] = None,
) -> None:
    if draw:
        plot()
        return
    if resume is not None:
        print(json.dumps(resume_check(passages, resume, faiss_kind, embedder)))
        return
    if dense:
        result = dense_only(passages, faiss_kind)
        if save:
            try:
                rows = json.loads(DENSE_RESULTS.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                rows = []
            rows = [
                r
                for r in rows
                if (r["vectors"], r["dense_index"]) != (passages, result["dense_index"])
            ]
            DENSE_RESULTS.write_text(json.dumps([*rows, result], indent=2) + "\n", encoding="utf-8")
            plot()
        print(json.dumps(result, ensure_ascii=False))
        return
    result = run(passages, questions, answers, faiss_kind, embedder, keep, reuse)
    result["passages_requested"] = passages
    if save:
        _save(result)
        plot()
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key:>26}: {value}")


if __name__ == "__main__":
    app()
