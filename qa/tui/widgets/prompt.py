"""The question line: an Input with the earlier questions on up/down, like a shell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.binding import Binding
from textual.widgets import Input

HISTORY_SIZE = 200


class PromptInput(Input):
    BINDINGS = [
        Binding("up", "history_previous", "Previous question", show=False),
        Binding("down", "history_next", "Next question", show=False),
    ]

    def __init__(self, history: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.history: list[str] = list(history)[-HISTORY_SIZE:]
        self._position = len(self.history)  # len(history) = the line being typed
        self._draft = ""

    def load_history(self, questions: Sequence[str]) -> None:
        self.history = list(questions)[-HISTORY_SIZE:]
        self._position = len(self.history)

    def remember(self, question: str) -> None:
        """Add a question asked; the next up arrow brings it back."""
        if question and (not self.history or self.history[-1] != question):
            self.history.append(question)
            del self.history[:-HISTORY_SIZE]
        self._position = len(self.history)
        self._draft = ""

    def action_history_previous(self) -> None:
        if self._position == 0:
            return
        if self._position == len(self.history):
            self._draft = self.value
        self._position -= 1
        self._show(self.history[self._position])

    def action_history_next(self) -> None:
        if self._position >= len(self.history):
            return
        self._position += 1
        at_end = self._position == len(self.history)
        self._show(self._draft if at_end else self.history[self._position])

    def _show(self, text: str) -> None:
        self.value = text
        self.cursor_position = len(text)
