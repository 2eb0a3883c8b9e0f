"""A TEST DOUBLE of the Ollama HTTP API -- not Ollama, and no model behind it.

No registry ships an Ollama server that runs here, so the client path (the official
`ollama` client and `langchain-ollama`) is tested against this small stand-in. It
speaks the parts of the API Kenes uses, with the same shapes as the real server:

- GET  /api/version -> {"version": ...}
- GET  /api/tags    -> {"models": [{"name", "model", "modified_at", "size", ...}]}
- POST /api/show    -> model details, or 404 {"error": "model 'x' not found"}
- POST /api/chat    -> streamed NDJSON (chunked) when "stream" is true (the API's
                       default), one JSON object otherwise; the last object has
                       done=true, done_reason, eval_count and the durations.

Behaviour is scripted through attributes that may be changed while it runs:
`models`, `reply` (streamed in chunks of `chunk_chars` characters; `replies`, when
not empty, gives one reply per chat request in turn, then `reply` again), `delay`
(seconds before each chunk: a slow server), `stream_error` (sent as an error line
after the reply: a server failing mid-answer). Every request is recorded in
`requests` so tests can check what the client sent. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_REPLY = "Сомалиге 350 млн АҚШ доллары бөлінді [1]. Қазақстан 1995 жылдан мүше [2]."
#: A model that answers an English question about Somalia in Kazakh (supported and cited,
#: but not the question's language), then translates the quote it is given.
WRONG_LANGUAGE_REPLIES = (
    "Сомалидегі гуманитарлық дағдарыстың салдарын жоюға 350 млн. АҚШ долларын жұмылдырды [1].",
)
#: Translations of the quotes a question about money for Somalia gets (`replies_to`).
TRANSLATIONS = {
    "Kazakh text:\n.*Сомалидегі": (
        "Kazakhstan mobilised 350 million US dollars for the humanitarian crisis in Somalia"
    ),
    "Kazakh text:\n.*(?i:сириялық)": "Kazakhstan allocated 200 million dollars to Syrian refugees",
}


@dataclass
class RecordedRequest:
    method: str
    path: str
    body: dict[str, Any] | None


@dataclass
class OllamaDouble:
    models: list[str] = field(default_factory=lambda: ["qwen2.5:3b"])
    reply: str = DEFAULT_REPLY
    replies: list[str] = field(default_factory=list)
    #: Replies to prompts a key (a regular expression) is found in, before `replies`:
    #: a translation per quote.
    replies_to: dict[str, str] = field(default_factory=dict)
    chunk_chars: int = 5
    delay: float = 0.0
    stream_error: str | None = None
    version: str = "0.12.6"
    requests: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self._replies_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "the double is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> OllamaDouble:
        server = _QuietServer(("127.0.0.1", 0), _make_handler(self))
        server.block_on_close = False  # a handler stuck in a slow reply must not block stop()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> OllamaDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers for tests ----------------------------------------------------------
    @property
    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.body or {} for r in self.requests if r.path == "/api/chat"]

    def has(self, name: str) -> bool:
        def full(n: str) -> str:
            return n if ":" in n else f"{n}:latest"

        return any(full(name) == full(m) for m in self.models)

    def next_reply(self, prompt: str = "") -> str:
        with self._replies_lock:
            for key, reply in self.replies_to.items():
                if re.search(key, prompt):
                    return reply
            return self.replies.pop(0) if self.replies else self.reply

    def chunks(self, reply: str) -> list[str]:
        n = max(1, self.chunk_chars)
        return [reply[i : i + n] for i in range(0, len(reply), n)]


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (a cancelled answer, a timeout test) are normal here."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def down_url() -> str:
    """A URL where nobody listens: the 'server down' case."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _make_handler(double: OllamaDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        # -- plumbing -------------------------------------------------------------
        def _body(self) -> dict[str, Any] | None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            return json.loads(raw) if raw else None

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _not_found(self, model: str) -> None:
            self._json(404, {"error": f"model '{model}' not found"})

        def _chunk(self, payload: dict[str, Any]) -> None:
            line = (json.dumps(payload, ensure_ascii=False) + "\n").encode()
            self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
            self.wfile.flush()

        # -- routes ---------------------------------------------------------------
        def do_GET(self) -> None:
            double.requests.append(RecordedRequest("GET", self.path, None))
            if self.path == "/api/version":
                self._json(200, {"version": double.version})
            elif self.path == "/api/tags":
                models = [
                    {
                        "name": m,
                        "model": m,
                        "modified_at": "2026-11-01T10:00:00.000000000Z",
                        "size": 1_929_912_432,
                        "digest": hashlib.sha256(m.encode()).hexdigest(),
                        "details": {
                            "parent_model": "",
                            "format": "gguf",
                            "family": "qwen2",
                            "families": ["qwen2"],
                            "parameter_size": "3.1B",
                            "quantization_level": "Q4_K_M",
                        },
                    }
                    for m in double.models
                ]
                self._json(200, {"models": models})
            else:
                self._json(404, {"error": "404 page not found"})

        def do_POST(self) -> None:
            body = self._body() or {}
            double.requests.append(RecordedRequest("POST", self.path, body))
            model = str(body.get("model") or body.get("name") or "")
            if self.path == "/api/show":
                if not double.has(model):
                    return self._not_found(model)
                self._json(
                    200,
                    {
                        "modelfile": f"FROM {model}",
                        "parameters": 'stop "<|im_end|>"',
                        "template": "{{ .Prompt }}",
                        "details": {"format": "gguf", "family": "qwen2"},
                        "model_info": {"general.architecture": "qwen2"},
                        "capabilities": ["completion"],
                        "modified_at": "2026-11-01T10:00:00.000000000Z",
                    },
                )
            elif self.path == "/api/chat":
                if not double.has(model):
                    return self._not_found(model)
                self._chat(model, body)
            else:
                self._json(404, {"error": "404 page not found"})

        def _chat(self, model: str, body: dict[str, Any]) -> None:
            started = time.perf_counter_ns()
            messages = body.get("messages") or [{}]
            reply = double.next_reply(str(messages[-1].get("content", "")))
            chunks = double.chunks(reply)
            final = {
                "model": model,
                "created_at": _now(),
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": "stop",
                "total_duration": 0,
                "load_duration": 1_000_000,
                "prompt_eval_count": sum(
                    len(str(m.get("content", ""))) // 4 for m in body.get("messages", [])
                ),
                "prompt_eval_duration": 1_000_000,
                "eval_count": len(chunks),
                "eval_duration": 0,
            }
            if not body.get("stream", True):
                time.sleep(double.delay * len(chunks))
                final["message"]["content"] = reply
                final["total_duration"] = final["eval_duration"] = time.perf_counter_ns() - started
                return self._json(200, final)

            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for text in chunks:
                    time.sleep(double.delay)
                    self._chunk(
                        {
                            "model": model,
                            "created_at": _now(),
                            "message": {"role": "assistant", "content": text},
                            "done": False,
                        }
                    )
                if double.stream_error:
                    self._chunk({"error": double.stream_error})
                else:
                    final["total_duration"] = final["eval_duration"] = (
                        time.perf_counter_ns() - started
                    )
                    self._chunk(final)
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (e.g. its timeout): nothing left to do

    return Handler
