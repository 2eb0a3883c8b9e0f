"""Kenes's settings: every `KENES_*` environment variable, read in one place.

`settings()` reads the environment afresh on each call (it is cheap), so a test or a
user who changes a variable sees the change at once. The CLI, the Python API and the
chat take their defaults (`k`, search mode, language model, composition) from here
and nowhere else.

The shipped corpus and prompts travel inside the installed package (`qa._corpus` and
`qa._prompts`, mapped from the repository's `corpus/` and `prompts/` folders by
pyproject.toml), so a non-editable `pip install .` finds them too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir

#: The repository, when Kenes runs from a source checkout (editable install or tests).
REPO_ROOT = Path(__file__).resolve().parents[1]

#: Passages shown by a search, and passages an answer is made from.
DEFAULT_SEARCH_K = 5
DEFAULT_ANSWER_K = 6
DEFAULT_MODE = "hybrid"
DEFAULT_LLM = "auto"
DEFAULT_COMPOSE = "auto"
DEFAULT_OLLAMA_MODEL = "qwen2.5:3b"
DEFAULT_OLLAMA_HOST = "http://127.0.0.1:11434"
#: Dense search's share of the weighted reciprocal rank fusion (BM25 gets the rest).
DEFAULT_DENSE_WEIGHT = 0.5
#: Seconds a second indexing run waits for the first one's lock on an index folder.
DEFAULT_LOCK_TIMEOUT = 10.0


def _shipped(package: str, folder: str) -> Path:
    """A shipped data folder: the repository's own in a checkout, else the package's copy."""
    checkout = REPO_ROOT / folder
    if checkout.is_dir():
        return checkout
    # A data folder has no __init__.py: a namespace package, found by its search path.
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"Kenes is installed without its {folder}/ ({package})")
    return Path(next(iter(spec.submodule_search_locations)))


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else default


def _positive_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def _float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number") from None


def _choice(name: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (the first when unset)."""
    value = os.environ.get(name, "").strip().lower() or choices[0]
    if value not in choices:
        raise ValueError(f"{name}={value!r}: choose {', '.join(choices)}")
    return value


@dataclass(frozen=True)
class Settings:
    """What the environment says, with Kenes's defaults where it says nothing."""

    #: KENES_DATA_DIR: user data (the default index and saved conversations).
    data_dir: Path
    #: KENES_INDEX: the index folder.
    index_dir: Path
    #: KENES_CACHE_DIR: assembled model files (large, re-creatable); models live in models/.
    cache_dir: Path
    #: KENES_CORPUS: the default corpus (documents + manifest.toml).
    corpus_dir: Path
    #: KENES_PROMPTS: the prompt templates.
    prompts_dir: Path
    #: KENES_OLLAMA_MODEL: the model `--llm ollama` uses when none is named.
    ollama_model: str
    #: OLLAMA_HOST: the Ollama server (Ollama's own variable).
    ollama_host: str
    #: KENES_DENSE_WEIGHT: dense search's weight in the fusion (0..1).
    dense_weight: float
    #: KENES_TORCH_THREADS: torch threads for embedding (default: the usable cores).
    torch_threads: int | None
    #: KENES_INDEX_LOCK_TIMEOUT: seconds to wait for another run's lock on the index folder.
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    #: KENES_STORE: where dense vectors live: `faiss` (a file in the index folder) or
    #: `milvus:URI` (a milvus-lite folder ending in .db, or http://host:19530).
    store: str = "faiss"
    #: KENES_EMBEDDER: `onnx` (int8, faster), `torch`, or `auto` (ONNX when it loads and
    #: matches torch to cosine 0.99, else torch). Queries use what the index was built with.
    embedder: str = "auto"
    #: KENES_BUILD_WORKERS: processes that clean and chunk text in a large build
    #: (default: the usable cores; 1 keeps it in the indexing process).
    build_workers: int | None = None
    #: KENES_HNSW_EF_SEARCH: how many graph nodes an HNSW search visits (more: higher
    #: recall, slower; default: what the index was built with, in its manifest).
    hnsw_ef_search: int | None = None

    @property
    def models_dir(self) -> Path:
        return self.cache_dir / "models"

    @property
    def conversations_path(self) -> Path:
        return self.data_dir / "conversations.sqlite"

    @property
    def gold_path(self) -> Path:
        return self.corpus_dir / "gold.jsonl"

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = _path("KENES_DATA_DIR", Path(user_data_dir("kenes")))
        host = os.environ.get("OLLAMA_HOST", "").strip() or DEFAULT_OLLAMA_HOST
        return cls(
            data_dir=data_dir,
            index_dir=_path("KENES_INDEX", data_dir / "index"),
            cache_dir=_path("KENES_CACHE_DIR", Path(user_cache_dir("kenes"))),
            corpus_dir=_path("KENES_CORPUS", _shipped("qa._corpus", "corpus")),
            prompts_dir=_path("KENES_PROMPTS", _shipped("qa._prompts", "prompts")),
            ollama_model=os.environ.get("KENES_OLLAMA_MODEL", "").strip() or DEFAULT_OLLAMA_MODEL,
            ollama_host=host,
            dense_weight=_float("KENES_DENSE_WEIGHT", DEFAULT_DENSE_WEIGHT),
            torch_threads=_positive_int("KENES_TORCH_THREADS"),
            lock_timeout=_float("KENES_INDEX_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT),
            store=os.environ.get("KENES_STORE", "").strip() or "faiss",
            embedder=_choice("KENES_EMBEDDER", ("auto", "onnx", "torch")),
            build_workers=_positive_int("KENES_BUILD_WORKERS"),
            hnsw_ef_search=_positive_int("KENES_HNSW_EF_SEARCH"),
        )


def settings() -> Settings:
    """The settings in force now."""
    return Settings.from_env()
