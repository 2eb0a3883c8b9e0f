"""The status bar: what the app is doing, the backend, the index, the last timings."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from qa.tui.render import format_timings
from qa.types import Timings

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TICK_SECONDS = 0.1
SEPARATOR = (" │ ", "$text-muted")


class StatusBar(Widget):
    """One line: `⠋ thinking… │ extractive · best-sentences │ 5 documents · 56 passages │ …`."""

    activity: reactive[str] = reactive("")  # "" when idle
    backend: reactive[str] = reactive("")
    index: reactive[str] = reactive("")
    timings: reactive[Timings | None] = reactive(None)
    frame: reactive[int] = reactive(0)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        self._timer = self.set_interval(TICK_SECONDS, self._tick, pause=not self.activity)

    def watch_activity(self, activity: str) -> None:
        self.set_class(bool(activity), "-busy")
        if self._timer is None:
            return
        if activity:
            self._timer.resume()
        else:
            self._timer.pause()

    def _tick(self) -> None:
        self.frame = (self.frame + 1) % len(SPINNER)

    def render(self) -> Content:
        if self.activity:
            state = (f"{SPINNER[self.frame]} {self.activity}…", "$text-warning bold")
        else:
            state = ("● ready", "$text-success")
        parts: list[str | tuple[str, str]] = [state]
        for text, style in (
            (self.backend or "no backend yet", "bold"),
            (self.index or "no index yet", ""),
            (format_timings(self.timings), "$text-muted"),
        ):
            if text:
                parts += [SEPARATOR, (text, style)]
        return Content.assemble(*parts)
