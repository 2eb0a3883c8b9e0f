"""`kenes chat` (qa/tui): Pilot tests that drive the real app, and snapshot tests.

The assistant is real: the session index of the shipped corpus with the extractive
backend, the Ollama TEST DOUBLE (tests/ollama_double.py) where a generated stream is
needed, and the embedded llama.cpp model in one `llm` test. KENES_DATA_DIR points at a
temporary folder, so saved conversations never touch the user's own.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Input, Label, Markdown, OptionList, ProgressBar, Static

from qa.answering.assistant import Assistant
from qa.config import REPO_ROOT
from qa.conversations import ConversationStore
from qa.tui.app import KenesApp, key_name, next_backend
from qa.tui.render import (
    Source,
    answer_markdown,
    document_view,
    link_citations,
    quote_in_context,
)
from qa.tui.screens import ConversationsScreen, DocumentScreen, HelpScreen
from qa.tui.widgets import AnswerMessage, ChatLog, IndexingPanel, QuestionMessage
from qa.types import Citation, Timings

try:
    from tests.ollama_double import TRANSLATIONS, WRONG_LANGUAGE_REPLIES, OllamaDouble, down_url
except ImportError:  # tests/ is not a package: pytest put tests/ itself on sys.path
    from ollama_double import (  # type: ignore[no-redef]
        TRANSLATIONS,
        WRONG_LANGUAGE_REPLIES,
        OllamaDouble,
        down_url,
    )

SOMALIA = "Сомалидегі гуманитарлық дағдарысқа Қазақстан қанша қаржы жұмылдырды?"
SIZE = (120, 34)
MODEL = "qwen2.5:3b"
SCRIPTED_REPLY = (
    "Қазақстан Сомалидегі гуманитарлық дағдарыстың салдарын жоюға 350 млн АҚШ долларын "
    "жұмылдырды [1]. Ол Сирия және Сомали мемлекеттеріне гуманитарлық көмек көрсетті [2]."
)
ARABIC_DOCUMENT = "kazinform-mussinov-interview"


# ------------------------------------------------------------------------ helpers
@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Saved conversations go to a temporary folder; no user Ollama settings leak in."""
    monkeypatch.setenv("KENES_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    monkeypatch.delenv("KENES_OLLAMA_MODEL", raising=False)
    return tmp_path / "data"


@pytest.fixture(scope="module")
def extractive(corpus_index: Any) -> Assistant:
    """Shared by the tests of this file: its evidence cache makes repeated questions fast."""
    return Assistant(corpus_index, llm="extractive")


@pytest.fixture(scope="module")
def shared_double() -> Iterator[OllamaDouble]:
    with OllamaDouble() as double:
        yield double


@pytest.fixture(scope="module")
def shared_ollama_assistant(corpus_index: Any, shared_double: OllamaDouble) -> Assistant:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OLLAMA_HOST", shared_double.url)
        return Assistant(corpus_index, llm=f"ollama:{MODEL}")


@pytest.fixture
def double(shared_double: OllamaDouble) -> OllamaDouble:
    """The Ollama test double behind `ollama_assistant`, scripted afresh for each test."""
    shared_double.reply = SCRIPTED_REPLY
    shared_double.delay = 0.0
    shared_double.chunk_chars = 5
    shared_double.stream_error = None
    shared_double.requests.clear()
    shared_double.replies.clear()
    shared_double.replies_to.clear()
    return shared_double


@pytest.fixture
def ollama_assistant(shared_ollama_assistant: Assistant, double: OllamaDouble) -> Assistant:
    """An assistant generating through the Ollama test double (shared by this file's tests:
    its evidence cache makes repeated questions fast)."""
    return shared_ollama_assistant


def record_notifications(app: KenesApp) -> list[tuple[str, str]]:
    """(message, severity) of every notification the app shows from now on."""
    shown: list[tuple[str, str]] = []
    notify = app.notify

    def recording(message: str, **kwargs: Any) -> None:
        shown.append((message, kwargs.get("severity", "information")))
        notify(message, **kwargs)

    app.notify = recording  # type: ignore[method-assign]
    return shown


async def wait_for(pilot: Pilot, condition: Callable[[], Any], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the app did not get there in time"
        await pilot.pause(0.05)


async def ask(pilot: Pilot, app: KenesApp, question: str, seconds: float = 30.0) -> AnswerMessage:
    """Type a question in the prompt, press Enter, wait for the checked answer."""
    before = len(app.chat.answers())
    app.prompt.focus()
    app.prompt.value = question
    await pilot.press("enter")
    await wait_for(
        pilot, lambda: len(app.chat.answers()) > before and not app.is_answering, seconds
    )
    await pilot.pause()
    return app.chat.answers()[-1]


async def document_screen(pilot: Pilot) -> DocumentScreen:
    """Wait until a document screen is shown, drawn and scrolled."""

    def shown() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, DocumentScreen) and bool(screen.query("#document-passage"))

    await wait_for(pilot, shown)
    await pilot.pause()
    assert isinstance(pilot.app.screen, DocumentScreen)
    return pilot.app.screen


def errors(shown: list[tuple[str, str]]) -> list[str]:
    return [message for message, severity in shown if severity == "error"]


def highlighted_text(content: Any) -> list[str]:
    """The parts of a Static's Content drawn with a style (the highlighted quote)."""
    assert isinstance(content, Content)
    return [content.plain[span.start : span.end] for span in content.spans]


# ---------------------------------------------------------------- pure helpers
def test_citation_marks_become_links_and_the_selected_one_stands_out() -> None:
    text = "Бірінші [1]. Екінші [2][1]. Белгісіз [?]."
    assert link_citations(text) == (
        "Бірінші [\\[1\\]](cite:1). Екінші [\\[2\\]](cite:2)[\\[1\\]](cite:1). Белгісіз [?]."
    )
    assert "[`[2]`](cite:2)" in link_citations(text, selected=2)


def test_backend_cycle_and_key_names() -> None:
    assert [next_backend(s) for s in ("auto", "extractive", "llama-cpp", "ollama")] == [
        "extractive",
        "llama-cpp",
        "ollama",
        "auto",
    ]
    assert next_backend(f"ollama:{MODEL}") == "auto"
    assert key_name("ctrl+n") == "Ctrl+N"
    assert key_name("escape,f1") == "Esc / F1"


# ------------------------------------------------------------------ asking
async def test_a_typed_question_gets_an_answer_with_live_citations(
    extractive: Assistant, _private_data_dir: Path
) -> None:
    app = KenesApp(assistant=extractive)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*SOMALIA)  # really typed, key by key
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.chat.answers() and not app.is_answering)
        await pilot.pause()

        (question,) = app.query(QuestionMessage)
        assert question.question == SOMALIA
        (message,) = app.chat.answers()
        answer = message.answer
        assert answer is not None and answer.citations and not answer.refused
        assert "350 млн" in answer.text
        markdown = message.query_one(".answer-text", Markdown)
        assert markdown.source == answer_markdown(answer)  # replaced once, marks linked
        assert markdown.source.startswith(f"**{link_citations(answer.short_answer)}**\n\n")
        assert answer.short_answer.startswith("350 млн")  # the short answer first, in bold
        assert "(cite:1)" in markdown.source
        assert [s.n for s in app.sources_panel.sources] == sorted(c.n for c in answer.citations)
        assert app.status.timings == answer.timings
        assert app.status.backend == "extractive · best-sentences"
        assert app.prompt.value == ""

    saved = ConversationStore(_private_data_dir / "conversations.sqlite")
    (conversation,) = saved.conversations()
    assert [m.role for m in saved.messages(conversation.id)] == ["user", "assistant"]


async def test_a_citation_selected_by_keys_opens_the_document_at_the_passage(
    extractive: Assistant,
) -> None:
    app = KenesApp(assistant=extractive)
    async with app.run_test(size=SIZE) as pilot:
        message = await ask(pilot, app, SOMALIA)
        citation = message.answer.citations[0]

        message.focus()
        await pilot.press("right")  # select the first citation of the answer
        await pilot.pause()
        assert message.selected == min(message.numbers)
        assert f"[`[{message.selected}]`]" in message.query_one(".answer-text", Markdown).source
        assert app.sources_panel.highlighted_source().n == message.selected

        await pilot.press("enter")
        screen = await document_screen(pilot)
        source = screen.source
        quote = source.document.text[source.citation.start : source.citation.end]
        passage = screen.query_one("#document-passage", Static)
        assert highlighted_text(passage.visual) == [quote]
        assert source.citation == next(c for c in message.answer.citations if c.n == source.n)
        assert citation.quote  # the checker gave a supporting quote
        scroll = screen.query_one("#document-scroll")
        if source.passage.start > 2000:  # far down the document: the view was scrolled there
            assert scroll.scroll_y > 0
        assert passage.region.y >= scroll.region.y  # the passage is on screen

        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DocumentScreen))


def link_position(app: KenesApp, widget: Any, href: str) -> tuple[int, int]:
    """Screen coordinates of the link `href` drawn in `widget` (to click it)."""
    region = widget.region
    for y in range(region.y, region.bottom):
        for x in range(region.x, region.right):
            action = app.screen.get_style_at(x, y).meta.get("@click", "")
            if repr(href) in str(action):
                return x, y
    raise AssertionError(f"no link {href} on screen")


async def test_a_clicked_citation_mark_is_selected_then_opened(extractive: Assistant) -> None:
    app = KenesApp(assistant=extractive)
    async with app.run_test(size=SIZE) as pilot:
        message = await ask(pilot, app, SOMALIA)
        n = message.numbers[-1]

        await pilot.click(offset=link_position(app, message, f"cite:{n}"))  # the mouse
        await wait_for(pilot, lambda: message.selected == n)
        assert app.sources_panel.highlighted_source().n == n

        await pilot.pause()
        await pilot.click(offset=link_position(app, message, f"cite:{n}"))  # clicked again
        assert (await document_screen(pilot)).source.n == n


async def test_sources_panel_keys_open_the_source(extractive: Assistant) -> None:
    app = KenesApp(assistant=extractive)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, SOMALIA)
        await pilot.press("f2")
        assert isinstance(app.focused, OptionList)
        await pilot.press("enter")
        await document_screen(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DocumentScreen))
        await pilot.press("ctrl+o")  # open source from the chat screen
        await document_screen(pilot)


async def test_an_arabic_script_source_switches_to_cyrillic(
    extractive: Assistant, corpus_index: Any
) -> None:
    document = corpus_index.document(ARABIC_DOCUMENT)
    assert document.script == "Arab"
    passage = next(p for p in corpus_index.passages.values() if p.doc_id == ARABIC_DOCUMENT)
    citation = Citation(
        n=1,
        passage_id=passage.id,
        title=document.title,
        origin=document.origin,
        quote=passage.original,
        start=passage.start,
        end=passage.end,
        support=1.0,
    )
    source = Source(citation, passage, document)
    app = KenesApp(assistant=extractive)
    async with app.run_test(size=SIZE) as pilot:
        app.open_source(source)
        screen = await document_screen(pilot)

        def shown() -> str:
            return highlighted_text(screen.query_one("#document-passage", Static).visual)[0]

        assert shown() == passage.original  # the original Arabic script first
        await pilot.press("t")
        await pilot.pause()
        assert shown() == document_view(source, cyrillic=True).passage.marked
        assert any("\u0400" <= c <= "\u04ff" for c in shown())
        assert not any("\u0600" <= c <= "\u06ff" for c in shown())
        await pilot.press("t")
        await pilot.pause()
        assert shown() == passage.original


# ---------------------------------------------------------------- cancelling
async def test_esc_cancels_a_running_answer_and_the_chat_recovers(
    ollama_assistant: Assistant, double: OllamaDouble
) -> None:
    double.delay = 0.25  # a slow model: one small piece every quarter second
    double.chunk_chars = 4
    app = KenesApp(assistant=ollama_assistant)
    shown = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        app.prompt.value = SOMALIA
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.is_answering and app.chat.answers()[-1].text)
        message = app.chat.answers()[-1]
        assert app.status.activity == "writing"

        await pilot.press("escape")
        await pilot.pause()

        assert not app.is_answering
        assert message.has_class("-cancelled") and not message.is_streaming
        assert 0 < len(message.text) < len(SCRIPTED_REPLY)
        assert app.status.activity == ""
        assert ("Answer cancelled.", "information") in shown
        assert not errors(shown)

        double.delay = 0.0  # the UI recovers: the next question is answered
        await pilot.press("ctrl+n")
        answered = await ask(pilot, app, SOMALIA)
        assert answered.answer is not None and answered.answer.citations
        await pilot.pause(0.5)  # the cancelled answer's late pieces change nothing
        assert message.has_class("-cancelled") and message.answer is None


async def test_the_answer_streams_and_is_replaced_once(
    ollama_assistant: Assistant, double: OllamaDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    for name in ("append", "update"):
        original = getattr(Markdown, name)

        def counting(self: Markdown, markdown: str, _name: str = name, _f: Any = original) -> Any:
            if self.has_class("answer-text"):
                calls.append(_name)
            return _f(self, markdown)

        monkeypatch.setattr(Markdown, name, counting)
    double.delay = 0.02
    app = KenesApp(assistant=ollama_assistant)
    async with app.run_test(size=SIZE) as pilot:
        message = await ask(pilot, app, SOMALIA)
        assert message.answer is not None and message.answer.citations
    streamed = calls[calls.index("append") :]  # (the first update is the empty mount)
    assert streamed.count("append") >= 2  # the stream was appended piece by piece…
    assert streamed[-1] == "update" and streamed.count("update") == 1  # …and replaced once


async def test_the_chat_follows_the_stream_only_at_the_bottom(
    ollama_assistant: Assistant, double: OllamaDouble
) -> None:
    app = KenesApp(assistant=ollama_assistant)
    async with app.run_test(size=(70, 13)) as pilot:  # a small window: answers overflow
        double.reply = f"{SCRIPTED_REPLY} {SCRIPTED_REPLY}"
        double.delay = 0.05
        double.chunk_chars = 3
        app.prompt.value = SOMALIA
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.chat.answers()[-1].text)
        message = app.chat.answers()[-1]

        overflowing = 3 * ChatLog.FOLLOW_ROWS  # well past "near the bottom" when scrolled up
        await wait_for(pilot, lambda: app.chat.max_scroll_y > overflowing and app.chat.at_bottom)
        app.chat.scroll_home(animate=False)  # the reader scrolls up to reread
        seen = len(message.text)
        await wait_for(pilot, lambda: len(message.text) > seen + 12)
        assert app.chat.scroll_y == 0  # not pulled back down

        app.chat.scroll_end(animate=False)  # back at the bottom: following again
        await pilot.pause()
        growing = app.chat.max_scroll_y
        await wait_for(pilot, lambda: app.chat.max_scroll_y > growing, seconds=20)
        await pilot.pause(0.3)
        assert app.chat.at_bottom
        await pilot.press("escape")


# ------------------------------------------------------- making an answer
async def test_the_placeholder_shows_the_stage_and_the_time_then_a_draft_replaced_once(
    ollama_assistant: Assistant, double: OllamaDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    stages: list[str] = []
    set_stage = AnswerMessage.set_stage

    def recording(message: AnswerMessage, stage: str) -> None:
        stages.append(stage)
        set_stage(message, stage)

    monkeypatch.setattr(AnswerMessage, "set_stage", recording)
    app = KenesApp(assistant=ollama_assistant)
    async with app.run_test(size=SIZE) as pilot:
        first = await ask(pilot, app, SOMALIA)
        assert app.status.timings == first.answer.timings

        double.delay = 0.2  # a slow model: the draft is on screen a while
        app.prompt.value = SOMALIA
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.is_answering and app.chat.answers()[-1].text)
        message = app.chat.answers()[-1]
        assert app.status.timings is None  # the previous answer's timings are gone
        label = message.query_one(".answer-stage", Static)
        assert label.display
        shown = str(label.render())
        assert "draft — being checked" in shown and "writing" in shown
        assert message.has_class("-draft")  # dimmed: not checked yet
        await wait_for(pilot, lambda: str(label.render()) != shown, 5)  # the time goes on
        await wait_for(pilot, lambda: not app.is_answering)
        await pilot.pause()

        assert not message.has_class("-draft") and not label.display
        assert stages[stages.index("starting") :][:5] == [
            "starting",
            "searching",
            "checking evidence",
            "writing",
            "checking citations",
        ]
        meta = str(message.query_one(".answer-meta", Static).render())
        assert message.replaced == ("checked answer replaced the draft" in meta)


async def test_a_checked_answer_that_differs_from_the_draft_says_it_replaced_it(
    ollama_assistant: Assistant, double: OllamaDouble
) -> None:
    double.replies = list(WRONG_LANGUAGE_REPLIES)  # a Kazakh draft to an English question
    double.replies_to = dict(TRANSLATIONS)
    app = KenesApp(assistant=ollama_assistant)
    async with app.run_test(size=SIZE) as pilot:
        message = await ask(pilot, app, "How much money was mobilised for Somalia?")
        meta = str(message.query_one(".answer-meta", Static).render())
        assert message.replaced
        assert "checked answer replaced the draft" in meta
        assert not message.has_class("-draft")


async def test_questions_asked_while_loading_wait_and_are_answered(
    extractive: Assistant,
) -> None:
    release = threading.Event()

    def slow_factory() -> Assistant:
        assert release.wait(30)
        return extractive

    app = KenesApp(assistant_factory=slow_factory)
    shown = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.status.activity)
        panel = app.query_one(IndexingPanel)
        assert panel.display  # what is loading is on screen
        assert "opening the assistant" in str(panel.query_one(Label).render())
        await pilot.press(*"Сомали")  # the question line works at once
        app.prompt.value = SOMALIA
        await pilot.press("enter")
        await pilot.pause()
        assert not errors(shown)
        assert [q.question for q in app.query(QuestionMessage)] == [SOMALIA]
        (waiting,) = app.chat.answers()
        assert waiting.stage == "waiting: opening the assistant"
        assert app.prompt.value == ""

        release.set()
        await wait_for(pilot, lambda: waiting.answer is not None and not app.is_answering)
        assert "350 млн" in waiting.answer.text
        assert not panel.display and not errors(shown)


async def test_quitting_while_answering_cancels_exits_at_once_and_saves_unanswered(
    ollama_assistant: Assistant, double: OllamaDouble, _private_data_dir: Path
) -> None:
    double.delay = 10.0  # a model busy for a long time before its first token
    app = KenesApp(assistant=ollama_assistant)
    async with app.run_test(size=SIZE) as pilot:
        app.prompt.value = SOMALIA
        await pilot.press("enter")
        await wait_for(pilot, lambda: double.chat_requests)  # the model is busy
        turn = app.turn
        conversation = app.conversation_id
        started = time.monotonic()
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, 5)
    assert time.monotonic() - started < 3
    assert turn.cancel.is_set()

    store = ConversationStore(_private_data_dir / "conversations.sqlite")
    (question,) = store.messages(conversation)
    assert (question.text, question.status) == (SOMALIA, "unanswered")
    reopened = KenesApp(assistant=ollama_assistant)
    async with reopened.run_test(size=SIZE) as pilot:
        await reopened.load_conversation(conversation)
        await pilot.pause()
        (stub,) = reopened.chat.answers()
        meta = str(stub.query_one(".answer-meta", Static).render())
        assert stub.has_class("-unanswered") and "not answered" in meta

    # Nothing waits for the answer's thread, still waiting for its first token: no
    # executor thread is left for the event loop to join on exit (what kept the process
    # alive after the screen was blanked).
    loop = asyncio.get_running_loop()
    await asyncio.wait_for(loop.shutdown_default_executor(), timeout=2)
    assert app.threads and all(thread.daemon for thread in app.threads)


async def test_a_cancelled_draft_is_marked_in_place_and_when_reopened(
    ollama_assistant: Assistant, double: OllamaDouble, _private_data_dir: Path
) -> None:
    double.delay = 0.25
    double.chunk_chars = 4
    app = KenesApp(assistant=ollama_assistant)
    async with app.run_test(size=SIZE) as pilot:
        app.prompt.value = SOMALIA
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.is_answering and app.chat.answers()[-1].text)
        message = app.chat.answers()[-1]
        await pilot.press("escape")
        await pilot.pause()
        label = message.query_one(".answer-stage", Static)
        assert label.display and str(label.render()) == "cancelled draft — not checked"
        assert message.has_class("-cancelled") and message.has_class("-draft")
        draft = message.text
        conversation = app.conversation_id

    store = ConversationStore(_private_data_dir / "conversations.sqlite")
    saved = store.messages(conversation)
    assert [(m.role, m.status) for m in saved] == [("user", ""), ("assistant", "cancelled")]
    assert saved[1].text == draft

    double.delay = 0.0
    reopened = KenesApp(assistant=ollama_assistant)
    async with reopened.run_test(size=SIZE) as pilot:
        await reopened.load_conversation(conversation)
        await pilot.pause()
        (shown,) = reopened.chat.answers()
        assert shown.text == draft and shown.has_class("-cancelled")
        assert shown.has_class("-draft")
        label = shown.query_one(".answer-stage", Static)
        assert label.display and "cancelled draft" in str(label.render())
        assert "cancelled (Esc)" in str(shown.query_one(".answer-meta", Static).render())


async def test_a_reopened_answer_shows_its_notices(
    ollama_assistant: Assistant, double: OllamaDouble
) -> None:
    double.replies = list(WRONG_LANGUAGE_REPLIES)
    double.replies_to = dict(TRANSLATIONS)
    app = KenesApp(assistant=ollama_assistant)
    async with app.run_test(size=SIZE) as pilot:
        message = await ask(pilot, app, "How much money was mobilised for Somalia?")
        meta = str(message.query_one(".answer-meta", Static).render())
        conversation = app.conversation_id

    reopened = KenesApp(assistant=ollama_assistant)
    async with reopened.run_test(size=SIZE) as pilot:
        await reopened.load_conversation(conversation)
        await pilot.pause()
        (shown,) = reopened.chat.answers()
        again = str(shown.query_one(".answer-meta", Static).render())
        assert "question's language" in again
        assert again == meta.replace(" · checked answer replaced the draft", "")


# ------------------------------------------------------------------ keys
async def test_typing_on_an_answer_goes_to_the_question_line(extractive: Assistant) -> None:
    app = KenesApp(assistant=extractive)
    async with app.run_test(size=SIZE) as pilot:
        message = await ask(pilot, app, SOMALIA)
        app.prompt.focus()
        await pilot.press("tab")  # the first stop after the question line is visible
        assert app.focused is not app.chat
        assert app.focused is message or isinstance(app.focused, OptionList)

        message.focus()
        await pilot.press("right")  # keys bound on the answer still work there
        assert app.focused is message and message.selected is not None
        await pilot.press(*"Ал")  # typed on the answer: not lost
        assert app.focused is app.prompt and app.prompt.value == "Ал"

        message.focus()
        await pilot.press("escape")  # no answer being written: back to the question line
        assert app.focused is app.prompt and app.prompt.value == "Ал"


async def test_ctrl_c_says_how_to_quit_without_markup(extractive: Assistant) -> None:
    app = KenesApp(assistant=extractive)
    shown = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        app.chat.focus()
        app.set_focus(None)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert ("Press Ctrl+Q to quit Kenes.", "information") in shown
        assert not any("[b]" in message for message, _ in shown)


async def test_retry_edit_and_export_the_last_question(
    extractive: Assistant, _private_data_dir: Path
) -> None:
    app = KenesApp(assistant=extractive)
    shown = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        first = await ask(pilot, app, SOMALIA)
        await pilot.press("f5")  # retry: the same question again
        await wait_for(pilot, lambda: len(app.chat.answers()) == 2 and not app.is_answering)
        assert [q.question for q in app.query(QuestionMessage)] == [SOMALIA, SOMALIA]
        assert app.chat.answers()[-1].answer.text == first.answer.text
        assert app.turn is None and app.questions == [SOMALIA, SOMALIA]

        await pilot.press("ctrl+l")  # edit: the question is back in the question line
        assert app.prompt.value == SOMALIA and app.focused is app.prompt

        await pilot.press("ctrl+s")  # export, with the sources
        await pilot.pause()
        (path,) = (_private_data_dir / "exports").glob("kenes-*.md")
        assert any(str(path) in message for message, _ in shown)
        text = path.read_text(encoding="utf-8")
        assert f"## {SOMALIA}" in text and first.answer.text.strip() in text
        assert "Sources:" in text
        citation = first.answer.citations[0]
        assert f"- [{citation.n}] " in text and f"characters {citation.start}–" in text


async def test_a_conversation_is_renamed_in_the_history(extractive: Assistant) -> None:
    app = KenesApp(assistant=extractive)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, SOMALIA)
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationsScreen))
        await pilot.press("r")
        await pilot.pause()
        title = app.screen.query_one("#conversation-title", Input)
        assert app.focused is title and title.value == SOMALIA
        title.value = ""
        await pilot.press(*"Сомали", "enter")
        await pilot.pause()
        assert app.store.conversations()[0].title == "Сомали"
        assert not title.display and isinstance(app.screen, ConversationsScreen)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConversationsScreen))


async def test_an_unusable_conversation_store_shows_not_saving(
    extractive: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("KENES_DATA_DIR", str(blocked))
    app = KenesApp(assistant=extractive)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.store is None
        assert "not saving" in app.status.state_line().plain


# -------------------------------------------------------------------- errors
async def test_an_empty_question_is_an_error_notification(extractive: Assistant) -> None:
    app = KenesApp(assistant=extractive)
    shown = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        for typed in ("", "   ", " ?! "):
            app.prompt.value = typed
            await pilot.press("enter")
        await pilot.pause()
        assert len(errors(shown)) == 3
        assert all("question is empty" in e for e in errors(shown))
        assert not app.chat.answers() and not app.query(QuestionMessage)


async def test_switching_backend_cycles_and_an_unreachable_ollama_is_an_error(
    extractive: Assistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", down_url())
    app = KenesApp(assistant=extractive)
    shown = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        app.backend_spec = "llama-cpp"  # the next backend in the cycle is Ollama
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: errors(shown))
        (error,) = errors(shown)
        assert "not reachable" in error and "ollama serve" in error
        assert app.assistant is extractive  # still answering with what worked
        assert app.status.backend == "extractive · best-sentences"

        app.backend_spec = "auto"  # the next one is extractive: a switch that works
        await pilot.press("ctrl+b")
        await wait_for(pilot, lambda: app.assistant is not extractive and app.is_ready)
        assert app.backend_spec == "extractive"
        assert app.assistant.backend.name == "extractive"
        assert app.assistant.index is extractive.index
        assert ("Answering with extractive · best-sentences.", "information") in shown
        answer = await ask(pilot, app, SOMALIA)
        assert answer.answer is not None and answer.answer.citations


async def test_ollama_down_during_an_answer_is_an_error_not_a_crash(
    corpus_index: Any, ollama_double: OllamaDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", ollama_double.url)
    app = KenesApp(assistant=Assistant(corpus_index, llm=f"ollama:{MODEL}"))
    shown = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        ollama_double.stop()
        message = await ask(pilot, app, SOMALIA)
        assert message.has_class("-failed")
        assert any("ollama serve" in e for e in errors(shown))
        assert app.is_running and not app.is_answering


async def test_an_answer_that_was_replaced_says_why_under_it(
    ollama_assistant: Assistant, double: OllamaDouble
) -> None:
    # The model streams a Kazakh answer to an English question; the checked answer is
    # the translated quote, and the line under it says so.
    double.replies = list(WRONG_LANGUAGE_REPLIES)
    double.replies_to = dict(TRANSLATIONS)
    app = KenesApp(assistant=ollama_assistant)
    async with app.run_test(size=SIZE) as pilot:
        message = await ask(pilot, app, "How much money was mobilised for Somalia?")
        meta = str(message.query_one(".answer-meta", Static).render())
        assert "350 million" in message.text
        assert "question's language" in meta


async def test_a_damaged_index_is_explained_and_questions_wait(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    (index_dir / "CURRENT").write_text("gen-missing", encoding="utf-8")
    app = KenesApp(llm="extractive", index_dir=index_dir)
    shown = record_notifications(app)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: errors(shown))
        assert "Rebuild it: kenes index" in errors(shown)[0]
        app.prompt.value = SOMALIA
        await pilot.press("enter")
        await pilot.pause()
        assert len(errors(shown)) == 2 and "kenes index" in errors(shown)[1]
        assert app.assistant is None and not app.chat.answers()


async def test_an_assistant_factory_runs_in_a_worker(extractive: Assistant) -> None:
    app = KenesApp(assistant_factory=lambda: extractive)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.is_ready)
        assert app.assistant is extractive
        assert app.status.backend == "extractive · best-sentences"
        assert not app.query_one(IndexingPanel).display


async def test_first_start_builds_the_index_with_a_progress_bar(
    tmp_path: Path, e5_model: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = "multivector-foreign-policy-middle-power.txt"
    shutil.copy(REPO_ROOT / "corpus" / name, corpus / name)
    (corpus / "manifest.toml").write_text(
        f'[[documents]]\nid = "multivector"\nfile = "{name}"\norigin = "004.txt"\n'
        'title = "Көпвекторлы саясат"\ndate = "2025-12-14"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("KENES_CORPUS", str(corpus))
    monkeypatch.setattr("embeddings.models.load_embedder", lambda *a, **k: e5_model)
    progress: list[tuple[str, int, int]] = []
    report = IndexingPanel.report

    def recording(panel: IndexingPanel, stage: str, done: int, total: int) -> None:
        progress.append((stage, done, total))
        assert panel.display  # the bar is on screen while the index is built
        report(panel, stage, done, total)

    monkeypatch.setattr(IndexingPanel, "report", recording)
    app = KenesApp(llm="extractive", index_dir=tmp_path / "index")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.is_ready, 60)
        panel = app.query_one(IndexingPanel)
        assert {stage for stage, _, _ in progress} >= {"chunking", "embedding", "saved"}
        bar = panel.query_one(ProgressBar)
        assert bar.total is not None and bar.progress == bar.total
        assert not panel.display  # gone once the index is ready
        assert app.status.index.startswith("1 documents")
        assert (tmp_path / "index" / "CURRENT").is_file()


# ------------------------------------------------------------- conversations
async def test_a_conversation_is_saved_and_reopened_with_its_history(
    corpus_index: Any,
) -> None:
    first = KenesApp(assistant=Assistant(corpus_index, llm="extractive"))
    async with first.run_test(size=SIZE) as pilot:
        original = await ask(pilot, first, SOMALIA)

    again = KenesApp(assistant=Assistant(corpus_index, llm="extractive"))
    async with again.run_test(size=SIZE) as pilot:
        assert not again.chat.answers()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(again.screen, ConversationsScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: again.chat.answers())
        await pilot.pause()

        (reopened,) = again.chat.answers()
        assert reopened.answer == original.answer  # citations and passages come back
        assert [s.n for s in again.sources_panel.sources] == original.numbers
        assert again.questions == [SOMALIA]

        follow_up = await ask(pilot, again, "Ал Сирияға ше?")
        assert follow_up.answer.standalone_question.startswith(SOMALIA)  # history was used
        conversation = again.store.conversations()[0]
        assert conversation.n_messages == 4

        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not again.chat.answers() and again.conversation_id is None

        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: isinstance(again.screen, ConversationsScreen))
        await pilot.press("delete")
        await pilot.pause()
        assert again.store.conversations() == []
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(again.screen, ConversationsScreen))


async def test_prompt_history_with_up_and_down(extractive: Assistant) -> None:
    app = KenesApp(assistant=extractive)
    async with app.run_test(size=SIZE) as pilot:
        await ask(pilot, app, SOMALIA)
        await ask(pilot, app, "Қазақстан ИЫҰ-ға қашан кірді?")
        app.prompt.value = "жазылып жатқан сұрақ"
        await pilot.press("up")
        assert app.prompt.value == "Қазақстан ИЫҰ-ға қашан кірді?"
        await pilot.press("up")
        assert app.prompt.value == SOMALIA
        await pilot.press("up")  # nothing older
        assert app.prompt.value == SOMALIA
        await pilot.press("down", "down")
        assert app.prompt.value == "жазылып жатқан сұрақ"  # the draft is back

    later = KenesApp(assistant=extractive)  # the history outlives the app
    async with later.run_test(size=SIZE) as pilot:
        await pilot.press("up")
        assert later.prompt.value == "Қазақстан ИЫҰ-ға қашан кірді?"


async def test_help_lists_every_key(extractive: Assistant) -> None:
    app = KenesApp(assistant=extractive)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        keys = str(app.screen.query_one(".help-keys", Static).visual)
        for key in (
            "F1",
            "Ctrl+N",
            "Ctrl+R",
            "F2",
            "Ctrl+O",
            "Ctrl+Y",
            "Ctrl+T",
            "Ctrl+B",
            "Esc",
            "F5",
            "Ctrl+L",
            "Ctrl+S",
        ):
            assert key in keys
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_copy_answer_puts_the_checked_text_on_the_clipboard(
    extractive: Assistant,
) -> None:
    app = KenesApp(assistant=extractive)
    async with app.run_test(size=SIZE) as pilot:
        message = await ask(pilot, app, SOMALIA)
        await pilot.press("ctrl+y")
        assert app.clipboard == message.answer.text


def test_quote_in_context_marks_the_supporting_quote(extractive: Assistant) -> None:
    answer = extractive.ask(SOMALIA)
    citation = answer.citations[0]
    passage = next(p for p in answer.passages if p.id == citation.passage_id)
    document = extractive.index.document(passage.doc_id)
    shown = quote_in_context(Source(citation, passage, document))
    assert shown.marked == " ".join(document.text[citation.start : citation.end].split())
    assert shown.before.startswith("…") or passage.start == 0


# ------------------------------------------------------------------ the model
@pytest.mark.llm
async def test_the_embedded_model_answers_with_a_citation(
    corpus_index: Any, llama_backend: Any
) -> None:
    app = KenesApp(assistant=Assistant(corpus_index, llm=llama_backend))
    async with app.run_test(size=SIZE) as pilot:
        message = await ask(pilot, app, SOMALIA, seconds=240)
        assert message.answer is not None, message.text
        assert message.answer.backend == "llama-cpp"
        assert message.answer.citations, message.answer.text
        assert "(cite:" in message.query_one(".answer-text", Markdown).source
        assert app.sources_panel.sources


# ---------------------------------------------------------------- snapshots
async def steady(pilot: Pilot) -> None:
    """A still picture: the prompt's cursor does not blink (it would, at random phase)."""
    app = pilot.app
    assert isinstance(app, KenesApp)
    app.prompt.cursor_blink = False
    await pilot.pause()


async def answered(pilot: Pilot) -> None:
    app = pilot.app
    assert isinstance(app, KenesApp)
    await ask(pilot, app, SOMALIA)
    # Timings vary run to run: the snapshot shows fixed ones.
    app.status.timings = Timings(retrieval_ms=120.0, first_token_ms=450.0, total_ms=1300.0)
    app.prompt.focus()
    await steady(pilot)


def test_snapshot_welcome(snap_compare: Any, extractive: Assistant) -> None:
    assert snap_compare(KenesApp(assistant=extractive), terminal_size=SIZE, run_before=steady)


def test_snapshot_answer_with_sources(snap_compare: Any, ollama_assistant: Assistant) -> None:
    assert snap_compare(
        KenesApp(assistant=ollama_assistant), terminal_size=SIZE, run_before=answered
    )


def test_snapshot_document_viewer(snap_compare: Any, ollama_assistant: Assistant) -> None:
    async def open_first_source(pilot: Pilot) -> None:
        await answered(pilot)
        await pilot.press("ctrl+o")
        await document_screen(pilot)

    assert snap_compare(
        KenesApp(assistant=ollama_assistant), terminal_size=SIZE, run_before=open_first_source
    )


def test_snapshot_help(snap_compare: Any, extractive: Assistant) -> None:
    assert snap_compare(
        KenesApp(assistant=extractive), terminal_size=SIZE, press=["f1"], run_before=steady
    )


async def test_the_chat_searches_the_collection_it_was_opened_on(
    tmp_path: Path, corpus_index: Any
) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(corpus_index.folder, index_dir)
    name = corpus_index.collections[0].name
    app = KenesApp(llm="extractive", index_dir=index_dir, collection=name)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.is_ready)
        assert app.assistant is not None and app.assistant.collection == name
        assert app.assistant.with_backend("extractive").collection == name
    wrong = KenesApp(llm="extractive", index_dir=index_dir, collection="no-such-collection")
    shown = record_notifications(wrong)
    async with wrong.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: errors(shown))
        assert "no collection 'no-such-collection'" in errors(shown)[0]
        assert wrong.assistant is None
