"""What every generation backend offers: stream text deltas for a formatted prompt."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from langchain_core.messages import BaseMessage

from qa.types import Passage


@dataclass
class GenerationRequest:
    messages: list[BaseMessage]  # system + user, already formatted from prompt templates
    question: str  # the standalone question (used by the extractive backend)
    passages: list[Passage]  # numbered 1..n exactly as in the prompt
    context: list[str] = field(default_factory=list)  # the text shown for each passage
    # (n, sentence) pairs, most relevant first: what an extractive answer quotes
    ranked_sentences: list[tuple[int, str]] = field(default_factory=list)
    max_tokens: int = 320
    temperature: float = 0.0  # greedy: the same question gets the same answer (and eval score)
    # "answer", or a side task ("rewrite", "translate", "judge"); a local backend keeps
    # side tasks in their own context so that the answer prompt's prefix stays cached.
    purpose: str = "answer"
    # A JSON schema the reply must follow (llama.cpp grammar, Ollama's `format`).
    json_schema: dict[str, Any] | None = None


@runtime_checkable
class Backend(Protocol):
    name: str  # "ollama" | "llama-cpp" | "extractive"
    model: str  # model name or file name
    # Optional, not part of the protocol: `writes_kazakh = False` says the model's own
    # Kazakh answers are worse than quotes (the assistant then quotes, with compose
    # "auto"); `judge(messages)` gives P("Yes") for the answerability check.

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        """Yield the answer as text deltas."""
        ...

    def close(self) -> None: ...


class BackendUnavailable(RuntimeError):
    """A backend cannot answer; the message is one line that says what to do."""
