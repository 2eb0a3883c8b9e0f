"""The first-run panel: a progress bar while the index is built."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, ProgressBar

STAGES = {
    "chunking": "Splitting the documents into passages",
    "embedding": "Embedding the passages",
    "saved": "Saving the index",
}


class IndexingPanel(Vertical):
    """Shown while `ensure_index` builds the index; fed (stage, done, total) reports."""

    BORDER_TITLE = "Building the index"

    def compose(self) -> ComposeResult:
        yield Label("Opening the index…", id="indexing-stage")
        yield ProgressBar(total=None, show_eta=False, id="indexing-bar")

    def report(self, stage: str, done: int, total: int) -> None:
        label = STAGES.get(stage, stage.capitalize())
        self.query_one("#indexing-stage", Label).update(f"{label} ({done}/{total})")
        self.query_one("#indexing-bar", ProgressBar).update(total=max(total, 1), progress=done)

    def say(self, text: str) -> None:
        self.query_one("#indexing-stage", Label).update(text)
