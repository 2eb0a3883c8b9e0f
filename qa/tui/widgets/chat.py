"""The conversation: questions and answers as Markdown, answers streamed in.

While an answer is made its message is a placeholder that says what the assistant is
doing ("searching", "writing", …) and for how long. The model's text streams in through
Textual's `MarkdownStream` (appending, never re-rendering the whole message per token),
dimmed and labelled as a draft: it has not been checked yet. When the checked `Answer`
arrives its text replaces the draft once, with every `[n]` mark turned into a link: a
click selects the citation, a second click opens its source; if the checked text is not
the draft, the line under it says so. A draft that is stopped (Esc, an error) stays,
marked as such. Keyboard: focus the answer (Tab or click) and move between its
citations with ←/→, Enter opens the selected one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from qa.tui.render import answer_markdown, citation_number
from qa.types import Answer

WELCOME = """\
# Кеңес · Kenes

Ask about the documents in **Kazakh** (Cyrillic, Latin or Arabic script), **Russian** or
**English**. Every answer cites its sources: click a `[1]` mark (or press **F2**) to see the
passage, and open it to read the whole document.

*Мысалы:* Сомалидегі гуманитарлық дағдарысқа Қазақстан қанша қаржы жұмылдырды?

Press **F1** for all keys.
"""


class Welcome(Markdown):
    """Shown while the conversation is empty."""

    def __init__(self) -> None:
        super().__init__(WELCOME, id="welcome")


class QuestionMessage(Markdown):
    """A question the user asked."""

    def __init__(self, question: str) -> None:
        super().__init__(question, classes="question")
        self.question = question


def meta_line(answer: Answer, notices: Sequence[str] = ()) -> str:
    """The line under an answer: where it came from, what the checker found, and what
    happened to it (`notices`: "quoting instead", …)."""
    parts = [f"{answer.backend} · {answer.model}", *notices]
    if answer.refused:
        parts.append("no answer in the documents")
    else:
        count = len(answer.citations)
        parts.append(f"{count} source{'' if count == 1 else 's'}")
    if answer.unsupported:
        parts.append(f"{len(answer.unsupported)} unsupported sentence(s) left out")
    return " · ".join(parts)


REPLACED_NOTICE = "checked answer replaced the draft"
DRAFT_LABEL = "draft — being checked"
STOPPED_LABELS = {
    "cancelled": "cancelled draft — not checked",
    "failed": "draft — not checked",
    "unanswered": "draft — not checked",
}
STOPPED_NOTES = {
    "cancelled": "cancelled (Esc): the rest of the answer was not generated",
    "unanswered": "not answered: Kenes was closed before the answer was ready",
    "failed": "⚠ the answer failed",
}
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TICK_SECONDS = 0.2


def same_text(one: str, other: str) -> bool:
    """Equal but for whitespace (the stream and the checked text may wrap differently)."""
    return one.split() == other.split()


class AnswerMessage(Vertical, can_focus=True):
    """An answer: a placeholder with the step and elapsed time, the streamed draft, then
    the checked text with live citations."""

    BINDINGS = [
        Binding("left,left_square_bracket", "select_previous", "Previous citation", show=False),
        Binding("right,right_square_bracket", "select_next", "Next citation", show=False),
        Binding("enter", "open_selected", "Open source", show=False),
    ]

    selected: reactive[int | None] = reactive(None, init=False)

    class CitationSelected(Message):
        """A citation mark of this answer was selected (click, keys, sources panel)."""

        def __init__(self, message: AnswerMessage, n: int) -> None:
            super().__init__()
            self.message = message
            self.n = n

    class OpenRequested(Message):
        """The user asked to open the source of citation n."""

        def __init__(self, message: AnswerMessage, n: int) -> None:
            super().__init__()
            self.message = message
            self.n = n

    class Activated(Message):
        """This answer got the focus: the sources panel should show its citations."""

        def __init__(self, message: AnswerMessage) -> None:
            super().__init__()
            self.message = message

    def __init__(
        self,
        answer: Answer | None = None,
        text: str = "",
        note: str = "",
        *,
        notices: Sequence[str] = (),
        state: str = "",
    ) -> None:
        """A checked `answer`; a saved `text` (with `state` "cancelled", "failed" or
        "unanswered" when it was stopped, and its `note`); or neither: a placeholder
        to stream into."""
        streaming = answer is None and not text and not state
        classes = "answer -streaming" if streaming else "answer"
        if state:
            classes += f" -{state}" + (" -draft" if text else "")
        super().__init__(classes=classes)
        self.answer = answer
        self.text = answer.text if answer else text
        self.state = state
        self.replaced = False  # the checked text is not the draft that was streamed
        self._note = note or STOPPED_NOTES.get(state, "")
        self._notices = list(notices)
        self._stream: MarkdownStream | None = None
        self._timer: Timer | None = None
        self._started = time.monotonic()
        self._stage = ""
        self._frame = 0

    def compose(self) -> ComposeResult:
        label = STOPPED_LABELS.get(self.state, "") if self.text else ""
        yield Static(label, markup=False, classes="answer-stage")
        markdown = answer_markdown(self.answer) if self.answer else self.text
        yield Markdown(markdown, open_links=False, classes="answer-text")
        meta = self._note or (meta_line(self.answer, self._notices) if self.answer else "")
        yield Static(meta, markup=False, classes="answer-meta")

    def on_mount(self) -> None:
        self.query_one(".answer-stage", Static).display = self.is_streaming or bool(
            self.state and self.text
        )
        if self.is_streaming:
            self._timer = self.set_interval(TICK_SECONDS, self._show_stage)
            self._show_stage()

    @property
    def numbers(self) -> list[int]:
        """The citation numbers of this answer, in order."""
        return sorted(c.n for c in self.answer.citations) if self.answer else []

    @property
    def is_streaming(self) -> bool:
        return self.has_class("-streaming")

    # -- while the answer is made ---------------------------------------------------
    @property
    def stage(self) -> str:
        return self._stage

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def start(self, started: float, stage: str = "") -> None:
        """Count the elapsed time from `started` (monotonic) and show `stage`."""
        self._started = started
        self.set_stage(stage)

    def set_stage(self, stage: str) -> None:
        """What the assistant is doing now ("searching", "writing", …, or a wait)."""
        self._stage = stage
        self._show_stage()

    def stage_line(self) -> str:
        """`⠋ searching · 2.4 s · Esc stops`, or
        `⠋ draft — being checked · writing · 12.0 s · Esc stops`."""
        parts = [DRAFT_LABEL] if self.has_class("-draft") else []
        if self._stage:
            parts.append(self._stage)
        parts += [f"{self.elapsed:.1f} s", "Esc stops"]
        return f"{SPINNER[self._frame % len(SPINNER)]} " + " · ".join(parts)

    def _show_stage(self) -> None:
        if not self.is_streaming or not self.is_mounted:
            return
        self._frame += 1
        self.query_one(".answer-stage", Static).update(self.stage_line())

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    async def append(self, delta: str) -> None:
        """Append a generated piece (Markdown stream: updates are batched, not redone)."""
        if self._stream is None:
            self._stream = Markdown.get_stream(self.query_one(".answer-text", Markdown))
            self.add_class("-draft")
            self._show_stage()  # labelled a draft from its first word
        self.text += delta
        await self._stream.write(delta)

    async def _stop_stream(self) -> None:
        self._stop_timer()
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        self.remove_class("-streaming")

    async def finish(self, answer: Answer, notices: Sequence[str] = ()) -> None:
        """Replace the streamed draft, once, with the checked answer and its live marks;
        the line under it says so when the checked text is not the draft."""
        await self._stop_stream()
        draft = self.text
        self.replaced = bool(draft.strip()) and not same_text(draft, answer.text)
        self.answer = answer
        self.text = answer.text
        self.remove_class("-draft")
        self.query_one(".answer-stage", Static).display = False
        await self.query_one(".answer-text", Markdown).update(answer_markdown(answer))
        shown = [*notices, REPLACED_NOTICE] if self.replaced else list(notices)
        self._set_meta(meta_line(answer, shown))
        self.set_class(answer.refused, "-refused")

    async def stop(self, note: str, state: str) -> None:
        """End a stream that will not finish (cancelled or failed); keep what came,
        marked in place as an unchecked draft."""
        await self._stop_stream()
        self.state = state
        self.add_class(f"-{state}")
        label = self.query_one(".answer-stage", Static)
        label.update(STOPPED_LABELS.get(state, ""))
        label.display = bool(self.text)
        self.set_class(bool(self.text), "-draft")
        self._set_meta(note)

    def _set_meta(self, text: str) -> None:
        self.query_one(".answer-meta", Static).update(text)

    # -- citations ------------------------------------------------------------------
    async def watch_selected(self, n: int | None) -> None:
        if self.answer is not None:
            markdown = self.query_one(".answer-text", Markdown)
            await markdown.update(answer_markdown(self.answer, n))
        if n is not None:
            self.post_message(self.CitationSelected(self, n))

    def select(self, n: int) -> None:
        if n in self.numbers:
            self.selected = n

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        n = citation_number(event.href)
        if n is None or n not in self.numbers:
            return
        if n == self.selected:
            self.post_message(self.OpenRequested(self, n))
        else:
            self.selected = n

    def on_focus(self) -> None:
        self.post_message(self.Activated(self))

    def _step(self, step: int) -> None:
        numbers = self.numbers
        if not numbers:
            return
        if self.selected not in numbers:
            self.selected = numbers[0 if step > 0 else -1]
            return
        position = (numbers.index(self.selected) + step) % len(numbers)
        self.selected = numbers[position]

    def action_select_previous(self) -> None:
        self._step(-1)

    def action_select_next(self) -> None:
        self._step(+1)

    def action_open_selected(self) -> None:
        if self.selected is None:
            self._step(+1)
        if self.selected is not None:
            self.post_message(self.OpenRequested(self, self.selected))


class ChatLog(VerticalScroll, can_focus=False):
    """The messages. Like oterm, it follows a streaming answer only while the reader is
    at the bottom: scrolling up to reread stops the following, scrolling back down to the
    bottom resumes it, and asking a new question jumps to the bottom."""

    FOLLOW_ROWS = 2  # "at the bottom" tolerates rounding and content growing meanwhile

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.following = True

    def compose(self) -> ComposeResult:
        yield Welcome()

    @property
    def at_bottom(self) -> bool:
        return self.max_scroll_y - self.scroll_y <= self.FOLLOW_ROWS

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value < old_value:  # the reader scrolled up (content growing never does that)
            self.following = self.at_bottom
        elif self.at_bottom:
            self.following = True

    def follow(self) -> None:
        """Jump to the newest message and follow what comes next."""
        self.following = True
        self.scroll_end(animate=False)

    def keep_up(self) -> None:
        """After new content: scroll to it (once laid out), unless the reader scrolled up."""
        self.call_after_refresh(self._scroll_if_following)

    def _scroll_if_following(self) -> None:
        if self.following:
            self.scroll_end(animate=False, immediate=True)

    async def add_question(self, question: str) -> QuestionMessage:
        await self._drop_welcome()
        message = QuestionMessage(question)
        await self.mount(message)
        return message

    async def add_answer(
        self,
        answer: Answer | None = None,
        text: str = "",
        note: str = "",
        *,
        notices: Sequence[str] = (),
        state: str = "",
    ) -> AnswerMessage:
        """An answer: a checked one, a saved text (stopped: `state`), or (neither) an
        empty one to stream into."""
        await self._drop_welcome()
        message = AnswerMessage(answer, text, note, notices=notices, state=state)
        await self.mount(message)
        return message

    async def reset(self) -> None:
        """Back to an empty conversation (the welcome text)."""
        await self.remove_children()
        await self.mount(Welcome())
        self.scroll_home(animate=False)

    def answers(self) -> list[AnswerMessage]:
        return list(self.query(AnswerMessage))

    def questions(self) -> list[QuestionMessage]:
        return list(self.query(QuestionMessage))

    async def _drop_welcome(self) -> None:
        for welcome in self.query(Welcome):
            await welcome.remove()
