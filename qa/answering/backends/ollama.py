"""Generation through a local Ollama server (the user's own `ollama serve`).

`check()` talks to the server with the official `ollama` client; `stream()` goes
through LangChain's `ChatOllama`. Every failure a user can fix (server down, model
not pulled, too slow) becomes a one-line `BackendUnavailable`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import ollama
from langchain_ollama import ChatOllama

from qa.answering.backends.base import BackendUnavailable, GenerationRequest
from qa.config import settings

DEFAULT_PORT = 11434


def resolve_host(host: str | None = None) -> str:
    """The server URL: `host`, else OLLAMA_HOST (Settings.ollama_host), else the local default.

    Like the Ollama CLI, "host:port", "host" and ":port" are accepted without a scheme.
    """
    raw = (host or settings().ollama_host).strip().rstrip("/")
    if "://" in raw:
        return raw
    parts = urlsplit("http://" + raw)
    hostname = parts.hostname or "127.0.0.1"
    if ":" in hostname:  # IPv6 literal
        hostname = f"[{hostname}]"
    return f"http://{hostname}:{parts.port or DEFAULT_PORT}{parts.path}"


def _same_model(wanted: str, have: str) -> bool:
    """Ollama names default to the tag `latest`: "qwen2.5" is "qwen2.5:latest"."""

    def full(name: str) -> str:
        return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"

    return full(wanted) == full(have)


class OllamaBackend:
    name = "ollama"

    def __init__(self, model: str, host: str | None = None, timeout: float = 60.0) -> None:
        self.model = model
        self.host = resolve_host(host)
        self.timeout = timeout
        self.version: str | None = None  # set by check()
        self._chat: tuple[tuple[float, int, str], ChatOllama] | None = None

    # -- errors ---------------------------------------------------------------------
    def _unreachable(self) -> BackendUnavailable:
        return BackendUnavailable(
            f"Ollama is not reachable at {self.host}: start it with `ollama serve`"
        )

    def _missing(self) -> BackendUnavailable:
        return BackendUnavailable(
            f"Ollama has no model '{self.model}': run `ollama pull {self.model}`"
        )

    def _timed_out(self, timeout: float) -> BackendUnavailable:
        return BackendUnavailable(
            f"Ollama at {self.host} timed out after {timeout:g} s with '{self.model}': "
            "try a smaller model or --llm llama-cpp"
        )

    def _translate(self, exc: Exception, timeout: float) -> BackendUnavailable:
        if isinstance(exc, httpx.ConnectTimeout | ConnectionError | httpx.ConnectError):
            return self._unreachable()
        if isinstance(exc, httpx.TimeoutException):
            return self._timed_out(timeout)
        if isinstance(exc, ollama.ResponseError):
            if exc.status_code == 404 and "not found" in str(exc.error):
                return self._missing()
            return BackendUnavailable(f"Ollama at {self.host} answered with an error: {exc}")
        # httpx.HTTPError: the connection broke (e.g. the server stopped mid-answer)
        return BackendUnavailable(
            f"Ollama at {self.host} failed ({type(exc).__name__}: {exc}): "
            "check `ollama serve` or use --llm llama-cpp"
        )

    # -- API ------------------------------------------------------------------------
    def check(self, timeout: float | None = None) -> str:
        """Make sure the server answers and has the model; return the server version."""
        timeout = self.timeout if timeout is None else timeout
        try:
            with ollama.Client(host=self.host, timeout=timeout) as client:
                # The client has no version() method; _request_raw maps errors like list().
                response = client._request_raw("GET", "/api/version")
                self.version = str(response.json().get("version", "unknown"))
                names = [m.model or "" for m in client.list().models]
                if not any(_same_model(self.model, n) for n in names):
                    client.show(self.model)  # resolves aliases; 404 when not pulled
        except (ConnectionError, httpx.HTTPError, ollama.ResponseError) as exc:
            raise self._translate(exc, timeout) from exc
        return self.version

    def _model(self, temperature: float, max_tokens: int, schema: dict | None = None) -> ChatOllama:
        key = (temperature, max_tokens, json.dumps(schema, sort_keys=True))
        if self._chat is None or self._chat[0] != key:
            chat = ChatOllama(
                model=self.model,
                base_url=self.host,
                temperature=temperature,
                num_predict=max_tokens,
                format=schema,  # Ollama's structured output: the reply follows the schema
                client_kwargs={"timeout": self.timeout},
            )
            self._chat = (key, chat)
        return self._chat[1]

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        chat = self._model(request.temperature, request.max_tokens, request.json_schema)
        try:
            for chunk in chat.stream(request.messages):
                if isinstance(chunk.content, str) and chunk.content:
                    yield chunk.content
        except (ConnectionError, httpx.HTTPError, ollama.ResponseError) as exc:
            raise self._translate(exc, self.timeout) from exc

    def close(self) -> None:
        self._chat = None
