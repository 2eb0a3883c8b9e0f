"""Where Kenes keeps things: the shipped corpus and prompts, the model cache, user data.

Every location can be moved with an environment variable, so tests and users with
unusual set-ups never write into the real home folder by accident.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir

REPO_ROOT = Path(__file__).resolve().parents[1]


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else default


def corpus_dir() -> Path:
    """The shipped default corpus (documents + manifest.toml)."""
    return _env_path("KENES_CORPUS", REPO_ROOT / "corpus")


def prompts_dir() -> Path:
    return _env_path("KENES_PROMPTS", REPO_ROOT / "prompts")


def cache_dir() -> Path:
    """Assembled model files live here (large, re-creatable)."""
    return _env_path("KENES_CACHE_DIR", Path(user_cache_dir("kenes")))


def models_dir() -> Path:
    return cache_dir() / "models"


def data_dir() -> Path:
    """User data: the default index and saved conversations."""
    return _env_path("KENES_DATA_DIR", Path(user_data_dir("kenes")))


def default_index_dir() -> Path:
    return _env_path("KENES_INDEX", data_dir() / "index")
