"""Generation backends: Ollama (the user's server), llama.cpp (embedded), extractive.

`open_backend()` turns a user's `--llm` value into a backend, falling back from
Ollama to the embedded model to extractive answers when asked for "auto".
"""

from __future__ import annotations

from qa.answering.backends.base import Backend, BackendUnavailable, GenerationRequest
from qa.config import settings

AUTO_CHECK_TIMEOUT = 1.5  # seconds: "auto" must not hang when no Ollama answers
EXPLICIT_CHECK_TIMEOUT = 10.0
VALID_SPECS = (
    "auto",
    "ollama",
    "ollama:MODEL",
    "llama-cpp",
    "llama-cpp:/path/model.gguf",
    "extractive",
)

__all__ = [
    "VALID_SPECS",
    "Backend",
    "BackendUnavailable",
    "GenerationRequest",
    "open_backend",
]


def _ollama_model(name: str | None) -> str:
    return name or settings().ollama_model


def _open_ollama(model: str, host: str | None, check_timeout: float) -> Backend:
    from qa.answering.backends.ollama import OllamaBackend

    backend = OllamaBackend(model, host=host)
    backend.check(timeout=check_timeout)
    return backend


def _open_llama_cpp(path: str | None = None) -> Backend:
    from qa.answering.backends.llama_cpp import LlamaCppBackend

    backend = LlamaCppBackend(path)
    try:
        import llama_cpp  # noqa: F401  (the compiled library must load, not just exist)
    except (ImportError, OSError) as exc:
        raise BackendUnavailable(
            f"llama-cpp-python is not installed ({exc}): run `pip install -e .[llm]`"
        ) from exc
    return backend


def _open_extractive() -> Backend:
    from qa.answering.backends.extractive import ExtractiveBackend

    return ExtractiveBackend()


def open_backend(
    spec: str = "auto",
    *,
    ollama_model: str | None = None,
    ollama_host: str | None = None,
) -> tuple[Backend, list[str]]:
    """Open the backend `spec` names; return it with notices for the user.

    An explicit spec that cannot work raises `BackendUnavailable` (the caller decides
    whether to fall back); "auto" falls back by itself and says so in the notices.
    """
    kind, _, arg = spec.strip().partition(":")
    kind = kind.lower()
    if kind == "ollama":
        model = arg or _ollama_model(ollama_model)
        return _open_ollama(model, ollama_host, EXPLICIT_CHECK_TIMEOUT), []
    if kind == "llama-cpp":
        return _open_llama_cpp(arg or None), []
    if kind == "extractive" and not arg:
        return _open_extractive(), []
    if kind != "auto" or arg:
        raise ValueError(f"unknown backend {spec!r}: use one of {', '.join(VALID_SPECS)}")

    notices: list[str] = []
    try:
        return _open_ollama(_ollama_model(ollama_model), ollama_host, AUTO_CHECK_TIMEOUT), []
    except BackendUnavailable as exc:
        reason = str(exc)
    try:
        backend = _open_llama_cpp()
    except BackendUnavailable as exc:
        notices.append(f"{reason}; the embedded model is unavailable too ({exc})")
    else:
        notices.append(f"{reason}; using llama-cpp ({backend.model})")
        return backend, notices
    backend = _open_extractive()
    notices[-1] += "; using extractive answers (quotes from the passages)"
    return backend, notices
