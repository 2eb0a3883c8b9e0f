"""KenesApp: the chat, its workers and its keys. `run_chat()` is what `kenes chat` runs.

Everything slow runs in daemon threads (opening or building the index, loading a
model, retrieval and generation, switching backend); they only post messages
(`qa.tui.events`) and the app updates the widgets on its own thread, so the screen
never freezes. A running answer is cancelled with Esc through the `threading.Event`
that `Assistant.stream` checks between tokens. Quitting sets that event too and does
not wait for the threads (a model may be busy for a minute before its next token):
the threads are daemons, not Textual thread workers, whose executor the event loop
would join on exit.

The question line works from the start: questions asked while the index and the
models load wait in a queue, each with a placeholder saying what is loading, and are
answered once the assistant is ready.

Tests inject an `Assistant` (or a factory building one) instead of the default
index and backend: `KenesApp(assistant=Assistant(index, llm="extractive"))`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.widgets import Footer, Input

from qa.config import DEFAULT_COMPOSE, DEFAULT_LLM, settings
from qa.conversations import (
    CANCELLED,
    FAILED,
    UNANSWERED,
    USER,
    ConversationStore,
    StoreError,
)
from qa.errors import user_errors
from qa.tui.events import (
    Activity,
    AnswerDelta,
    AnswerFailed,
    AnswerReady,
    AnswerStage,
    AssistantReady,
    BackendFailed,
    IndexProgress,
    IndexReady,
    Notice,
    StartupFailed,
    Turn,
)
from qa.tui.render import Source, conversation_markdown, sources_of
from qa.tui.screens import ConversationsScreen, DocumentScreen, HelpScreen
from qa.tui.widgets import (
    AnswerMessage,
    ChatLog,
    IndexingPanel,
    PromptInput,
    QuestionMessage,
    SourcesPanel,
    StatusBar,
)
from qa.tui.widgets.chat import STOPPED_NOTES
from qa.types import Answer, check_compose

if TYPE_CHECKING:
    from qa.answering.assistant import Assistant
    from qa.answering.backends import Backend
    from qa.retrieval.index import Index

BACKEND_CYCLE = ("auto", "extractive", "llama-cpp", "ollama")
CYCLE_TEXT = " → ".join(BACKEND_CYCLE)
NOT_READY = "Kenes is still opening the index and the model: wait a moment and ask again."
BUSY = "An answer is still being written: wait for it, or press Esc to cancel it."
ERROR_SECONDS = 20
QUIT_HINT = "Press Ctrl+Q to quit Kenes."
EXPORTS = "exports"  # the folder of exported conversations, in the data folder

EXTRA_KEYS = [
    ("Enter", "Ask the question typed in the question line"),
    ("↑ / ↓ (question line)", "Bring back earlier questions"),
    ("Typing (on an answer or a source)", "Goes to the question line"),
    ("Tab / Shift+Tab", "Move between the question line, the answers and the sources"),
    ("← / → (on an answer)", "Select the previous / next citation [n]"),
    ("Enter (on an answer or a source)", "Open the selected source"),
    ("t / p (document)", "Arabic script ↔ Cyrillic / back to the passage"),
    ("r / Del (saved chats)", "Rename / delete the highlighted conversation"),
]


def next_backend(spec: str) -> str:
    """The backend after `spec` in the cycle auto → extractive → llama-cpp → ollama."""
    kind = spec.partition(":")[0].lower()
    position = BACKEND_CYCLE.index(kind) if kind in BACKEND_CYCLE else -1
    return BACKEND_CYCLE[(position + 1) % len(BACKEND_CYCLE)]


KEY_NAMES = {"ctrl": "Ctrl", "shift": "Shift", "escape": "Esc", "delete": "Del"}


def key_name(keys: str) -> str:
    """`ctrl+n,f1` → `Ctrl+N / F1`, for the help screen."""

    def one(key: str) -> str:
        return "+".join(KEY_NAMES.get(part, part.upper()) for part in key.strip().split("+"))

    return " / ".join(one(key) for key in keys.split(","))


def index_line(index: Index) -> str:
    manifest = index.manifest
    return f"{manifest.n_documents} documents, {manifest.n_passages} passages"


class KenesApp(App[None]):
    CSS_PATH = "kenes.tcss"
    TITLE = "Kenes · кеңес"

    BINDINGS = [
        Binding("f1", "help", "Help", tooltip="This list of keys"),
        Binding("ctrl+n", "new_chat", "New chat", tooltip="Start a new conversation"),
        Binding("ctrl+r", "conversations", "Chats", tooltip="Reopen, rename or delete saved chats"),
        Binding("f2", "focus_sources", "Sources", tooltip="Go to the sources of the answer"),
        Binding(
            "ctrl+o", "open_source", "Open source", tooltip="Open the selected source document"
        ),
        Binding("ctrl+y", "copy_answer", "Copy answer", tooltip="Copy the answer to the clipboard"),
        Binding(
            "ctrl+t",
            "toggle_script",
            "Script",
            tooltip="Arabic-script sources: original ↔ Cyrillic",
        ),
        Binding("ctrl+b", "switch_backend", "Backend", tooltip=f"Switch backend: {CYCLE_TEXT}"),
        Binding("f5", "retry", "Retry", show=False, tooltip="Ask the last question again"),
        Binding(
            "ctrl+l",
            "edit_last",
            "Edit",
            show=False,
            tooltip="Put the last question back in the question line",
        ),
        Binding(
            "ctrl+s",
            "export",
            "Export",
            show=False,
            tooltip="Export the chat with its sources as Markdown",
        ),
        Binding("escape", "cancel_answer", "Cancel", tooltip="Stop the answer being written"),
        Binding(
            "escape",
            "focus_prompt",
            "Question line",
            show=False,
            tooltip="Back to the question line (when idle)",
        ),
        Binding("ctrl+q", "quit", "Quit", tooltip="Quit Kenes", priority=True),
    ]
    ANYWHERE = frozenset({"help", "quit", "cancel_answer"})  # others: on the chat screen only

    def __init__(
        self,
        assistant: Assistant | None = None,
        *,
        assistant_factory: Callable[[], Assistant] | None = None,
        llm: str = DEFAULT_LLM,
        compose: str = DEFAULT_COMPOSE,
        index_dir: Path | None = None,
        collection: str | None = None,
        store: ConversationStore | None = None,
    ) -> None:
        super().__init__()
        self.collection = collection  # search only this collection (None: all)
        self.assistant = assistant
        self.assistant_factory = assistant_factory
        self.llm = llm
        # Checked now: a bad value must not wait to fail in a worker.
        self.compose_mode = check_compose(compose) if assistant is None else assistant.compose
        self.backend_spec = llm if assistant is None else assistant.backend.name
        self.index_dir = index_dir
        self.store = store
        self.turn: Turn | None = None
        self.pending: list[Turn] = []  # asked while the assistant was loading
        self.loading = False  # the assistant is being opened (questions are queued)
        self.loaded: list[str] = []  # the steps of the start-up done so far
        self.threads: list[threading.Thread] = []
        self.conversation_id: int | None = None
        self.questions: list[str] = []
        self.shown_answer: AnswerMessage | None = None
        self.cyrillic = False
        self.not_ready = NOT_READY

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Plain text by default: error messages may hold [brackets] that are not markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="chat-column"):
                yield ChatLog(id="chat-log")
                yield IndexingPanel(id="indexing")
                yield PromptInput(
                    placeholder="Ask a question (Enter) · F1 help",
                    id="prompt",
                    select_on_focus=False,
                )
            yield SourcesPanel(id="sources")
        yield StatusBar(id="status")
        yield Footer()

    @property
    def is_answering(self) -> bool:
        return self.turn is not None

    @property
    def is_ready(self) -> bool:
        """An assistant is open and idle: a question can be asked."""
        return self.assistant is not None and self.turn is None and not self.status.activity

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def chat(self) -> ChatLog:
        return self.query_one(ChatLog)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)

    @property
    def sources_panel(self) -> SourcesPanel:
        return self.query_one(SourcesPanel)

    def on_mount(self) -> None:
        self._open_store()
        self.prompt.focus()
        if self.assistant is not None:
            self._use_assistant(self.assistant, self.backend_spec)
        else:
            self.loading = True
            panel = self.query_one(IndexingPanel)
            panel.border_title = "Starting Kenes"
            panel.display = True
            self._prepare_assistant()

    def _open_store(self) -> None:
        try:
            self.store = self.store or ConversationStore()
            self.prompt.load_history(self.store.recent_questions())
        except StoreError as exc:
            self.store = None
            self.status.saving = False
            self.notify(str(exc), severity="error", title="Conversations", timeout=ERROR_SECONDS)

    # ----------------------------------------------------------------- workers
    def _post(self, message: Message) -> None:
        """Post from a worker thread; a closing app simply drops the message."""
        with contextlib.suppress(RuntimeError):  # the event loop is already closed
            self.post_message(message)

    def _spawn(self, name: str, target: Callable[..., None], *args: Any) -> threading.Thread:
        """Run `target` in a daemon thread: quitting never waits for it."""
        thread = threading.Thread(target=target, args=args, name=f"kenes-{name}", daemon=True)
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def _prepare_assistant(self) -> None:
        self._spawn("startup", self._prepare)

    def _prepare(self) -> None:
        try:
            assistant = self._build_assistant()
        except (*user_errors(), ValueError) as exc:  # ValueError: an unknown collection
            self._post(StartupFailed(str(exc)))
        except Exception as exc:  # never a crash: say it and keep the window usable
            self._post(StartupFailed(f"Kenes could not start: {exc!r}"))
        else:
            self._post(AssistantReady(assistant, self.llm))

    def _build_assistant(self) -> Assistant:
        if self.assistant_factory is not None:
            self._post(Activity("opening the assistant"))
            return self.assistant_factory()
        from qa.answering.assistant import Assistant
        from qa.retrieval.index import ensure_index

        self._post(Activity("opening the index"))
        index = ensure_index(
            self.index_dir,
            progress=lambda stage, done, total: self._post(IndexProgress(stage, done, total)),
            notify=lambda text: self._post(Notice(text)),
        )
        index.check_collection(self.collection)  # a wrong name is said before models load
        self._post(IndexReady(index))
        self._post(Activity("loading the embedding model"))
        index.embedder  # noqa: B018 - loads the model now, with the indicator on
        backend = self._open_first_backend()
        return Assistant(index, llm=backend, compose=self.compose_mode, collection=self.collection)

    def _open_first_backend(self) -> Backend:
        from qa.answering.backends import BackendUnavailable, open_backend

        self._post(Activity(f"opening the {self.llm} backend"))
        try:
            backend, notices = open_backend(self.llm)
            for notice in notices:
                self._post(Notice(notice, "warning"))
            self._load_model(backend)
        except (BackendUnavailable, ValueError) as exc:
            self._post(Notice(f"{exc}\nUsing extractive answers; Ctrl+B switches.", "error"))
            backend, _ = open_backend("extractive")
        return backend

    def _load_model(self, backend: Backend) -> None:
        """Load a backend's model now (llama.cpp), not on the first question."""
        load = getattr(backend, "load", None)
        if callable(load):
            self._post(Activity(f"loading {backend.model}"))
            load()

    def _answer(self, turn: Turn, assistant: Assistant) -> None:
        self._spawn("answer", self._answer_work, turn, assistant)

    def _answer_work(self, turn: Turn, assistant: Assistant) -> None:
        def on_stage(stage: str) -> None:
            if not turn.cancel.is_set():
                self._post(AnswerStage(turn, stage))

        try:
            pieces = assistant.stream(
                turn.question, turn.history, cancel=turn.cancel, on_stage=on_stage
            )
            for piece in pieces:
                if turn.cancel.is_set() and not isinstance(piece, Answer):
                    continue  # cancelled: the stream ends at its next check
                if isinstance(piece, Answer):
                    self._post(AnswerReady(turn, piece))
                elif not turn.cancel.is_set():
                    self._post(AnswerDelta(turn, piece))
        except user_errors() as exc:
            self._post(AnswerFailed(turn, str(exc)))
        except Exception as exc:  # never a crash: the answer fails, the chat goes on
            self._post(AnswerFailed(turn, f"Unexpected error: {exc!r}"))

    def _switch_backend(self, spec: str, current: Assistant) -> None:
        self._spawn("backend", self._switch_work, spec, current)

    def _switch_work(self, spec: str, current: Assistant) -> None:
        from qa.answering.backends import BackendUnavailable, open_backend

        try:
            backend, notices = open_backend(spec)
            self._load_model(backend)
            assistant = current.with_backend(backend)
        except (BackendUnavailable, ValueError) as exc:
            self._post(BackendFailed(spec, str(exc)))
            return
        for notice in notices:
            self._post(Notice(notice, "warning"))
        self._post(AssistantReady(assistant, spec))

    # ------------------------------------------------------- worker reports
    def on_activity(self, message: Activity) -> None:
        self.status.activity = message.text
        if self.loading:
            self._show_loading(message.text)

    def _show_loading(self, step: str) -> None:
        """What is loading (index, embedding model, language model), in the panel above
        the question line and in the placeholder of each question waiting for it."""
        steps = [f"✓ {done}" for done in self.loaded] + [f"… {step}"]
        panel = self.query_one(IndexingPanel)
        panel.display = True
        panel.say("   ".join(steps))
        if step:
            self.loaded.append(step)
        for turn in self.pending:
            turn.message.set_stage(f"waiting: {step}")

    def on_notice(self, message: Notice) -> None:
        seconds = ERROR_SECONDS if message.severity == "error" else 8
        self.notify(message.text, severity=message.severity, timeout=seconds)

    def on_index_progress(self, message: IndexProgress) -> None:
        panel = self.query_one(IndexingPanel)
        panel.border_title = IndexingPanel.BORDER_TITLE
        panel.display = True
        panel.report(message.stage, message.done, message.total)
        self.status.activity = "building the index"

    def on_index_ready(self, message: IndexReady) -> None:
        panel = self.query_one(IndexingPanel)
        panel.display = self.loading and self.assistant is None  # the models still load
        panel.border_title = "Starting Kenes"
        self.status.index = index_line(message.index)

    def on_assistant_ready(self, message: AssistantReady) -> None:
        if message.spec != self.backend_spec:
            return  # an older switch finishing after a newer one was asked for
        previous = self.assistant
        self._use_assistant(message.assistant, message.spec)
        if previous is not None and previous is not message.assistant:
            previous.backend.close()
            backend = message.assistant.backend
            self.notify(f"Answering with {backend.name} · {backend.model}.")

    def _use_assistant(self, assistant: Assistant, spec: str) -> None:
        self.assistant = assistant
        self.backend_spec = spec
        self.query_one(IndexingPanel).display = False
        self.status.backend = f"{assistant.backend.name} · {assistant.backend.model}"
        self.status.index = index_line(assistant.index)
        self.status.activity = ""
        self.loading = False
        self._next_pending()

    async def on_startup_failed(self, message: StartupFailed) -> None:
        self.not_ready = message.error
        self.loading = False
        self.query_one(IndexingPanel).display = False
        self.status.activity = ""
        pending, self.pending = self.pending, []
        for turn in pending:  # they cannot be answered: say so under each
            await turn.message.stop(f"⚠ {message.error}", FAILED)
            self._save_stopped(turn, FAILED)
        self.refresh_bindings()
        self.notify(message.error, title="Kenes cannot answer yet", severity="error", timeout=60)

    def on_backend_failed(self, message: BackendFailed) -> None:
        self.status.activity = ""
        current = self.assistant.backend.name if self.assistant else "nothing"
        self.notify(
            f"{message.error}\nStill answering with {current}; Ctrl+B tries the next backend.",
            title=f"Cannot switch to {message.spec}",
            severity="error",
            timeout=ERROR_SECONDS,
        )

    # ----------------------------------------------------------------- asking
    @on(Input.Submitted, "#prompt")
    async def ask(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        problem = self._question_problem(question)
        if problem:
            self.notify(problem, title="Cannot ask", severity="error", timeout=ERROR_SECONDS)
            return
        self.prompt.value = ""
        self.prompt.remember(question)
        await self._start_turn(question)

    def _question_problem(self, question: str) -> str | None:
        from qa.retrieval.question import QuestionError, analyse_question

        try:
            analyse_question(question)
        except QuestionError as exc:
            return f"{exc}\nThen press Enter."
        return self._cannot_ask()

    def _cannot_ask(self) -> str | None:
        """Why no question can be asked now (None: it can, or it will wait its turn)."""
        if self.assistant is None and not self.loading:
            return self.not_ready
        if self.turn is not None:
            return BUSY
        return None

    async def _start_turn(self, question: str, history: list[str] | None = None) -> None:
        """Show the question and a placeholder for its answer; answer it now, or once
        the assistant is ready (a question asked while it loads waits in the queue)."""
        history = list(self.questions) if history is None else history
        self.questions.append(question)
        await self.chat.add_question(question)
        message = await self.chat.add_answer()
        self.chat.follow()
        conversation, question_id = self._save_question(question)
        turn = Turn(
            question,
            history,
            message,
            threading.Event(),
            conversation_id=conversation,
            question_id=question_id,
        )
        self.status.timings = None  # the last answer's timings are not this one's
        message.start(turn.started)
        if self.assistant is None:
            self.pending.append(turn)
            message.set_stage(f"waiting: {self.status.activity or 'starting'}")
            self.refresh_bindings()
            return
        self._run_turn(turn)

    def _run_turn(self, turn: Turn) -> None:
        assert self.assistant is not None
        self.turn = turn
        turn.message.set_stage("starting")
        self.status.activity = "thinking"
        self.refresh_bindings()
        self._answer(turn, self.assistant)

    def _next_pending(self) -> None:
        """Answer the next question that waited for the assistant, if any."""
        if self.pending and self.turn is None and self.assistant is not None:
            self._run_turn(self.pending.pop(0))

    def on_answer_stage(self, message: AnswerStage) -> None:
        turn = message.turn
        if turn is not self.turn:
            return
        turn.stage = message.stage
        turn.message.set_stage(message.stage)
        self.status.activity = message.stage

    async def on_answer_delta(self, message: AnswerDelta) -> None:
        turn = message.turn
        if turn is not self.turn:
            return  # a cancelled answer still talking
        if not turn.got_text:
            turn.got_text = True
            self.status.activity = "writing"
        await turn.message.append(message.text)
        self.chat.keep_up()

    async def on_answer_ready(self, message: AnswerReady) -> None:
        turn = message.turn
        if turn is not self.turn:
            return
        assistant = self.assistant
        notices = assistant.answer_notices(message.answer) if assistant is not None else []
        await turn.message.finish(message.answer, notices)
        self.chat.keep_up()
        self._save_answer(turn, message.answer)
        self.status.timings = message.answer.timings
        self._show_sources(turn.message)
        self._end_turn()

    async def on_answer_failed(self, message: AnswerFailed) -> None:
        turn = message.turn
        if turn is not self.turn:
            return
        await turn.message.stop(f"⚠ {message.error}", FAILED)
        self._save_stopped(turn, FAILED)
        self._end_turn()
        self.notify(
            f"{message.error}\nCtrl+B switches the backend.",
            title="No answer",
            severity="error",
            timeout=ERROR_SECONDS,
        )

    def _end_turn(self) -> None:
        self.turn = None
        self.status.activity = ""
        self.refresh_bindings()
        self._next_pending()

    async def action_cancel_answer(self) -> None:
        """Esc: stop the answer being written (its draft stays, marked cancelled), and
        drop the questions still waiting for the assistant."""
        turn = self.turn
        stopped = [turn] if turn is not None else []
        stopped += self.pending
        if not stopped:
            return
        self.pending = []
        for each in stopped:
            each.cancel.set()
        if turn is not None:
            self.turn = None
            self.status.activity = ""
            self.refresh_bindings()
        for each in stopped:
            await each.message.stop(STOPPED_NOTES[CANCELLED], CANCELLED)
            self._save_stopped(each, CANCELLED)
        self.refresh_bindings()
        self.chat.keep_up()  # the mark under the answer stays in view
        self.notify("Answer cancelled.")

    async def action_quit(self) -> None:
        """Quit at once: a running answer is cancelled (its generation stops at the next
        token, in a daemon thread nobody waits for) and its question saved as unanswered."""
        for turn in [self.turn, *self.pending]:
            if turn is not None:
                turn.cancel.set()
                self._mark_unanswered(turn)
        self.turn, self.pending = None, []
        self.exit()

    def action_help_quit(self) -> None:
        """Ctrl+C does not quit (it copies in the question line): say what does."""
        self.notify(QUIT_HINT, title="Do you want to quit?")

    def action_focus_prompt(self) -> None:
        self.prompt.focus()

    def on_key(self, event: events.Key) -> None:
        """A printable key pressed on an answer or a source goes to the question line."""
        if len(self.screen_stack) > 1 or not event.is_printable or not event.character:
            return
        if isinstance(self.focused, Input) or event.key in self.active_bindings:
            return
        event.stop()
        event.prevent_default()
        self.prompt.focus()
        self.prompt.insert_text_at_cursor(event.character)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_answer":  # shown in the footer only while answering
            return self.turn is not None or bool(self.pending)
        if action in self.ANYWHERE:
            return True
        if action == "focus_prompt" and (self.turn is not None or self.pending):
            return False  # Esc cancels the answer instead
        return len(self.screen_stack) <= 1  # the chat screen, not a document or dialog on it

    async def action_retry(self) -> None:
        """Ask the last question again (with the conversation before it)."""
        if not self.questions:
            self.notify("No question to ask again yet.", severity="warning")
            return
        problem = self._cannot_ask() or (BUSY if self.pending else None)
        if problem:
            self.notify(problem, title="Cannot ask", severity="error", timeout=ERROR_SECONDS)
            return
        await self._start_turn(self.questions[-1], history=self.questions[:-1])

    def action_edit_last(self) -> None:
        """Put the last question back in the question line, to edit and ask again."""
        if not self.questions:
            self.notify("No question to edit yet.", severity="warning")
            return
        question = self.questions[-1]
        self.prompt.value = question
        self.prompt.cursor_position = len(question)
        self.prompt.focus()

    def action_export(self) -> None:
        """Save the conversation on screen, with the sources of each answer, as Markdown."""
        items: list[QuestionMessage | AnswerMessage] = [
            child
            for child in self.chat.children
            if isinstance(child, QuestionMessage | AnswerMessage)
        ]
        if not items:
            self.notify("Nothing to export yet: ask a question first.", severity="warning")
            return
        markdown = conversation_markdown(items, self._sources)
        name = f"kenes-{datetime.now():%Y%m%d-%H%M%S}.md"
        for folder in (settings().data_dir / EXPORTS, Path.cwd()):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / name
                path.write_text(markdown, encoding="utf-8")
            except OSError:
                continue
            self.notify(f"The conversation is saved in {path}", title="Exported", timeout=12)
            return
        self.notify("The conversation could not be written anywhere.", severity="error")

    # ---------------------------------------------------------- conversations
    def _save_question(self, question: str) -> tuple[int | None, int | None]:
        """Save a question; (its conversation's id, its own id), None where not saved."""
        if self.store is None:
            return None, None
        try:
            if self.conversation_id is None:
                self.conversation_id = self.store.create(question)
            return self.conversation_id, self.store.add_question(self.conversation_id, question)
        except Exception as exc:  # a full disk must not stop the chat
            self.status.saving = False
            self.notify(f"The question was not saved: {exc}", severity="warning")
        return self.conversation_id, None

    def _save_stopped(self, turn: Turn, status: str) -> None:
        """An answer that stopped (cancelled, failed): its draft, marked, for reopening."""
        if self.store is None or turn.conversation_id is None:
            return
        try:
            self.store.add_stopped(turn.conversation_id, turn.message.text, status)
        except Exception as exc:
            self.status.saving = False
            self.notify(f"The answer was not saved: {exc}", severity="warning")

    def _mark_unanswered(self, turn: Turn) -> None:
        if self.store is None or turn.question_id is None:
            return
        with contextlib.suppress(Exception):  # quitting: nobody would read the warning
            self.store.set_status(turn.question_id, UNANSWERED)

    def _save_answer(self, turn: Turn, answer: Answer) -> None:
        if self.store is None or turn.conversation_id is None:
            return
        try:
            self.store.add_answer(turn.conversation_id, answer)
        except Exception as exc:
            self.status.saving = False
            self.notify(f"The answer was not saved: {exc}", severity="warning")

    def action_conversations(self) -> None:
        if self.store is None:
            self.notify("Conversations are not saved (see the earlier error).", severity="error")
            return
        self.push_screen(ConversationsScreen(self.store), self._reopen)

    async def _reopen(self, conversation_id: int | None) -> None:
        if conversation_id is not None:
            await self.load_conversation(conversation_id)

    async def load_conversation(self, conversation_id: int) -> None:
        """Show a saved conversation; new questions continue it (with its history)."""
        assert self.store is not None
        await self.action_cancel_answer()
        await self._clear_chat()
        last: AnswerMessage | None = None
        unanswered = False  # the last question shown got no answer (Kenes was closed)
        for stored in self.store.messages(conversation_id):
            if stored.role == USER:
                if unanswered:
                    await self.chat.add_answer(state=UNANSWERED)
                await self.chat.add_question(stored.text)
                self.questions.append(stored.text)
                unanswered = stored.status == UNANSWERED
                continue
            unanswered = False
            if stored.status:  # a stopped answer: its draft, with the mark it had
                await self.chat.add_answer(text=stored.text, state=stored.status)
            elif stored.answer is not None:
                notices = self._notices(stored.answer)
                last = await self.chat.add_answer(stored.answer, notices=notices)
            else:
                await self.chat.add_answer(text=stored.text)
        if unanswered:
            await self.chat.add_answer(state=UNANSWERED)
        self.conversation_id = conversation_id
        if last is not None:
            self._show_sources(last)
        self.chat.follow()
        self.prompt.focus()

    def _notices(self, answer: Answer) -> list[str]:
        """What happened to a saved answer ("quoting instead", …), as shown when it came:
        without the notices every answer of the current assistant carries."""
        if self.assistant is not None:
            common = self.assistant.notices
            if answer.notices[: len(common)] == common:
                return self.assistant.answer_notices(answer)
        return list(answer.notices)

    async def action_new_chat(self) -> None:
        await self.action_cancel_answer()
        await self._clear_chat()
        self.prompt.focus()

    async def _clear_chat(self) -> None:
        self.conversation_id = None
        self.questions = []
        self.shown_answer = None
        self.sources_panel.show([])
        await self.chat.reset()

    # ---------------------------------------------------------------- sources
    def _sources(self, message: AnswerMessage) -> list[Source]:
        if message.answer is None:
            return []
        return sources_of(message.answer, self.assistant.index if self.assistant else None)

    def _show_sources(self, message: AnswerMessage) -> None:
        self.shown_answer = message
        self.sources_panel.show(self._sources(message), self.cyrillic)

    def on_answer_message_activated(self, event: AnswerMessage.Activated) -> None:
        if event.message is not self.shown_answer and event.message.answer is not None:
            self._show_sources(event.message)

    def on_answer_message_citation_selected(self, event: AnswerMessage.CitationSelected) -> None:
        if event.message is not self.shown_answer:
            self._show_sources(event.message)
        self.sources_panel.highlight(event.n)

    def on_answer_message_open_requested(self, event: AnswerMessage.OpenRequested) -> None:
        source = next((s for s in self._sources(event.message) if s.n == event.n), None)
        if source is not None:
            self.open_source(source)

    def on_sources_panel_source_highlighted(self, event: SourcesPanel.SourceHighlighted) -> None:
        if self.shown_answer is not None:
            self.shown_answer.select(event.source.n)

    def on_sources_panel_source_opened(self, event: SourcesPanel.SourceOpened) -> None:
        self.open_source(event.source)

    def open_source(self, source: Source) -> None:
        self.push_screen(DocumentScreen(source, self.cyrillic))

    def action_focus_sources(self) -> None:
        if not self.sources_panel.focus_list():
            self.notify("No sources yet: ask a question first.", severity="warning")

    def action_open_source(self) -> None:
        panel = self.sources_panel
        source = panel.highlighted_source() or next(iter(panel.sources), None)
        if source is None:
            self.notify("No source to open: ask a question first.", severity="warning")
            return
        self.open_source(source)

    def action_toggle_script(self) -> None:
        self.cyrillic = not self.cyrillic
        self.sources_panel.show(self.sources_panel.sources, self.cyrillic)
        shown = "in Cyrillic" if self.cyrillic else "in their original script"
        self.notify(f"Arabic-script sources are now shown {shown}.")

    # ----------------------------------------------------------------- others
    def action_copy_answer(self) -> None:
        message = self.shown_answer or next(reversed(self.chat.answers()), None)
        text = message.text if message is not None else ""
        if not text:
            self.notify("No answer to copy yet.", severity="warning")
            return
        self.copy_to_clipboard(text)
        self.notify("The answer is copied to the clipboard.")

    def action_switch_backend(self) -> None:
        if self.turn is not None:
            self.notify(BUSY, severity="warning")
            return
        if self.assistant is None:
            self.notify(self.not_ready, severity="error")
            return
        spec = next_backend(self.backend_spec)
        self.backend_spec = spec
        self.status.activity = f"opening {spec}"
        self._switch_backend(spec, self.assistant)

    def key_rows(self) -> list[tuple[str, str]]:
        bindings = [b for b in self.BINDINGS if isinstance(b, Binding)]
        return [(key_name(b.key), b.tooltip or b.description) for b in bindings] + EXTRA_KEYS

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_rows()))


def run_chat(llm: str = DEFAULT_LLM, index_dir: Path | None = None, **kwargs: Any) -> None:
    """Open the chat in the terminal (`kenes chat`, or `kenes` alone).

    A model still busy in a thread when the chat closes (a cancelled answer before its
    next token, a model still loading) is not waited for: the process ends now, without
    the interpreter's clean-up, which would wait for the model's library.
    """
    app = KenesApp(llm=llm, index_dir=index_dir, **kwargs)
    app.run()
    if any(thread.is_alive() for thread in app.threads):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(app.return_code or 0)
