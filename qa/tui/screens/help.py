"""F1: every key of the chat, and what the mouse does."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

INTRO = (
    "Kenes answers from the indexed documents only; every [n] mark in an answer points "
    "at the passage that supports it."
)
MOUSE = [
    "Click a [n] mark to select that citation; click it again to open its source.",
    "Click a source in the panel to open the document at the passage.",
    "Scroll the chat with the wheel: it follows a new answer again once you are back "
    "at the bottom.",
]
KEY_WIDTH = 34


def key_list(rows: Sequence[tuple[str, str]]) -> Content:
    """Two aligned columns: the key (highlighted) and what it does."""
    parts: list[str | tuple[str, str]] = []
    for key, does in rows:
        parts += [(f"{key:<{KEY_WIDTH}}", "bold $accent"), does, "\n"]
    return Content.assemble(*parts)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "Close")]

    def __init__(self, rows: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog") as dialog:
            dialog.border_title = "Keys · F1"
            dialog.border_subtitle = "Esc closes"
            yield Static(INTRO, markup=False, classes="help-intro")
            yield Static(key_list(self.rows), classes="help-keys")
            yield Static("Mouse", classes="help-heading")
            yield Static("\n".join(f"• {line}" for line in MOUSE), markup=False)

    def action_close(self) -> None:
        self.dismiss()
