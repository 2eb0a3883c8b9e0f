"""Messages the worker threads post to the app (Textual's `post_message` is thread-safe).

Workers never touch widgets: they report what happened and the app updates the screen
on its own thread, in order.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message
from textual.notifications import SeverityLevel

from qa.types import Answer

if TYPE_CHECKING:
    from qa.answering.assistant import Assistant
    from qa.retrieval.index import Index
    from qa.tui.widgets.chat import AnswerMessage


@dataclass(eq=False)
class Turn:
    """One question being answered: where its answer goes and how to stop it."""

    question: str
    history: list[str]
    message: AnswerMessage
    cancel: threading.Event
    conversation_id: int | None = None
    got_text: bool = False
    question_id: int | None = None  # the stored question (marked "unanswered" on quit)
    started: float = field(default_factory=time.monotonic)
    stage: str = ""  # the assistant's step (qa.answering.assistant.STAGES)


class AnswerStage(Message):
    """The assistant began a step of the answer ("searching", "writing", …)."""

    def __init__(self, turn: Turn, stage: str) -> None:
        super().__init__()
        self.turn = turn
        self.stage = stage


class AnswerDelta(Message):
    def __init__(self, turn: Turn, text: str) -> None:
        super().__init__()
        self.turn = turn
        self.text = text


class AnswerReady(Message):
    def __init__(self, turn: Turn, answer: Answer) -> None:
        super().__init__()
        self.turn = turn
        self.answer = answer


class AnswerFailed(Message):
    def __init__(self, turn: Turn, error: str) -> None:
        super().__init__()
        self.turn = turn
        self.error = error


class IndexProgress(Message):
    def __init__(self, stage: str, done: int, total: int) -> None:
        super().__init__()
        self.stage = stage
        self.done = done
        self.total = total


class IndexReady(Message):
    def __init__(self, index: Index) -> None:
        super().__init__()
        self.index = index


class Notice(Message):
    """A line for the user (shown as a notification)."""

    def __init__(self, text: str, severity: SeverityLevel = "information") -> None:
        super().__init__()
        self.text = text
        self.severity = severity


class Activity(Message):
    """What the workers are busy with ("" when idle), for the status bar."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class AssistantReady(Message):
    def __init__(self, assistant: Assistant, spec: str) -> None:
        super().__init__()
        self.assistant = assistant
        self.spec = spec


class StartupFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class BackendFailed(Message):
    def __init__(self, spec: str, error: str) -> None:
        super().__init__()
        self.spec = spec
        self.error = error
