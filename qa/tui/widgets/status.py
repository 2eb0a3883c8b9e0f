"""The status bar: what the app is doing, the backend, the index, whether conversations
are saved, the last answer's timings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

from qa.tui.render import format_timings
from qa.types import Timings

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TICK_SECONDS = 0.1
SEPARATOR = (" │ ", "$text-muted")


class StatusBar(Horizontal):
    """`⠋ thinking… │ extractive · best-sentences │ 5 documents, 56 passages   retrieval …`.

    The left part is cut with "…" when the window is narrow; the timings stay whole.
    """

    activity: reactive[str] = reactive("")  # "" when idle
    backend: reactive[str] = reactive("")
    index: reactive[str] = reactive("")
    timings: reactive[Timings | None] = reactive(None)
    saving: reactive[bool] = reactive(True)  # False: the conversation store is unavailable
    frame: reactive[int] = reactive(0)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="status-state")
        yield Static(id="status-timings")

    def on_mount(self) -> None:
        self._timer = self.set_interval(TICK_SECONDS, self._tick, pause=not self.activity)
        self._show_state()
        self._show_timings()

    def watch_activity(self, activity: str) -> None:
        self.set_class(bool(activity), "-busy")
        if self._timer is not None:
            self._timer.resume() if activity else self._timer.pause()
        self._show_state()

    def watch_backend(self) -> None:
        self._show_state()

    def watch_index(self) -> None:
        self._show_state()

    def watch_saving(self) -> None:
        self._show_state()

    def watch_frame(self) -> None:
        self._show_state()

    def watch_timings(self) -> None:
        self._show_timings()

    def _tick(self) -> None:
        self.frame = (self.frame + 1) % len(SPINNER)

    def state_line(self) -> Content:
        if self.activity:
            state = (f"{SPINNER[self.frame]} {self.activity}…", "$text-warning bold")
        else:
            state = ("● ready", "$text-success")
        backend = (self.backend or "no backend yet", "bold")
        index = (self.index or "no index yet", "")
        parts = [state, SEPARATOR, backend, SEPARATOR, index]
        if not self.saving:  # next to the state: a narrow window cuts the end of the line
            parts[1:1] = [SEPARATOR, ("⚠ not saving", "$text-error bold")]
        return Content.assemble(*parts)

    def _show_state(self) -> None:
        if self.is_mounted:
            self.query_one("#status-state", Static).update(self.state_line())

    def _show_timings(self) -> None:
        if self.is_mounted:
            self.query_one("#status-timings", Static).update(format_timings(self.timings))
