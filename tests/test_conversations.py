"""Saved conversations (qa/store.py): SQLite in the data folder, answers kept whole."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qa.conversations import (
    ConversationStore,
    StoreError,
    answer_from_json,
    answer_to_json,
    default_store_path,
    title_of,
)
from qa.types import Answer, Citation, Passage, Timings

PASSAGE = Passage(
    id="doc#1",
    doc_id="doc",
    origin="somalia.txt",
    title="Сомали",
    text="Қазақстан Сомалиге 350 млн АҚШ долларын жұмылдырды.",
    original="Қазақстан Сомалиге 350 млн АҚШ долларын жұмылдырды.",
    start=10,
    end=62,
    scores={"dense": 0.8},
)
CITATION = Citation(
    n=1,
    passage_id="doc#1",
    title="Сомали",
    origin="somalia.txt",
    quote=PASSAGE.original,
    start=10,
    end=62,
    support=0.93,
)


def make_answer(question: str = "Сомалиге қанша қаржы жұмылдырылды?") -> Answer:
    return Answer(
        question=question,
        text="Қазақстан 350 млн АҚШ долларын жұмылдырды [1].",
        citations=[CITATION],
        passages=[PASSAGE],
        backend="extractive",
        model="best-sentences",
        timings=Timings(retrieval_ms=12.5, first_token_ms=30.0, total_ms=41.0),
        notices=["a notice"],
    )


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    return ConversationStore(tmp_path / "conversations.sqlite")


def test_the_default_file_is_in_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KENES_DATA_DIR", str(tmp_path / "data"))
    assert default_store_path() == tmp_path / "data" / "conversations.sqlite"
    ConversationStore()
    assert (tmp_path / "data" / "conversations.sqlite").is_file()


def test_answer_survives_json_with_its_citations() -> None:
    answer = make_answer()
    again = answer_from_json(answer_to_json(answer))
    assert again == answer
    assert isinstance(again.citations[0], Citation)
    assert isinstance(again.passages[0], Passage)
    assert isinstance(again.timings, Timings)


def test_messages_come_back_in_order_with_the_answer(store: ConversationStore) -> None:
    chat = store.create("Сомалиге қанша қаржы жұмылдырылды?")
    store.add_question(chat, "Сомалиге қанша қаржы жұмылдырылды?")
    store.add_answer(chat, make_answer())
    store.add_question(chat, "Ал Сирияға ше?")

    messages = store.messages(chat)

    assert [m.role for m in messages] == ["user", "assistant", "user"]
    assert messages[1].text == make_answer().text
    assert messages[1].answer == make_answer()
    assert messages[0].answer is None
    assert store.questions(chat) == ["Сомалиге қанша қаржы жұмылдырылды?", "Ал Сирияға ше?"]


def test_conversations_newest_first_with_counts(store: ConversationStore) -> None:
    first = store.create("first")
    second = store.create("second")
    store.add_question(second, "q")
    store.add_question(first, "q")  # the first one is now the most recently updated
    store.add_answer(first, make_answer())

    listed = store.conversations()

    assert [c.id for c in listed] == [first, second]
    assert [c.n_messages for c in listed] == [2, 1]
    assert store.conversation(second) is not None
    assert store.conversation(12345) is None


def test_recent_questions_across_conversations(store: ConversationStore) -> None:
    one, two = store.create("a"), store.create("b")
    store.add_question(one, "бірінші")
    store.add_question(two, "екінші")
    store.add_question(one, "үшінші")
    assert store.recent_questions() == ["бірінші", "екінші", "үшінші"]
    assert store.recent_questions(limit=2) == ["екінші", "үшінші"]


def test_delete_removes_the_messages_too(store: ConversationStore) -> None:
    chat = store.create("to delete")
    store.add_question(chat, "q")
    store.delete(chat)
    assert store.conversations() == []
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM messages").fetchone() == (0,)


def test_rename_and_titles() -> None:
    assert title_of("  a\nquestion   here ") == "a question here"
    long = title_of("сөз " * 50)
    assert len(long) <= 80 and long.endswith("…")


def test_rename(store: ConversationStore) -> None:
    chat = store.create("old")
    store.rename(chat, "new title")
    assert store.conversations()[0].title == "new title"


def test_an_answer_from_another_version_keeps_its_text(store: ConversationStore) -> None:
    chat = store.create("old data")
    with sqlite3.connect(store.path) as db:
        db.execute(
            "INSERT INTO messages (conversation_id, role, text, answer, created) "
            "VALUES (?, 'assistant', 'old text', '{\"unknown\": 1}', 'now')",
            (chat,),
        )
    (message,) = store.messages(chat)
    assert message.text == "old text"
    assert message.answer is None


def test_a_file_that_is_not_sqlite_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="move the file away or set KENES_DATA_DIR"):
        ConversationStore(path)


def test_stopped_answers_and_unanswered_questions_keep_their_mark(
    store: ConversationStore,
) -> None:
    chat = store.create("q")
    store.add_question(chat, "first")
    store.add_stopped(chat, "Қазақстан 350 млн", "cancelled")
    question = store.add_question(chat, "second")
    store.set_status(question, "unanswered")

    messages = store.messages(chat)

    assert [(m.role, m.status) for m in messages] == [
        ("user", ""),
        ("assistant", "cancelled"),
        ("user", "unanswered"),
    ]
    assert messages[1].text == "Қазақстан 350 млн" and messages[1].answer is None
    with pytest.raises(ValueError, match="unknown message status"):
        store.set_status(question, "lost")


def test_a_file_from_before_statuses_gets_the_column(tmp_path: Path) -> None:
    path = tmp_path / "conversations.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE conversations (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "title TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL);"
            "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "conversation_id INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, "
            "answer TEXT, created TEXT NOT NULL);"
            "INSERT INTO conversations VALUES (1, 'old', 'now', 'now');"
            "INSERT INTO messages VALUES (1, 1, 'user', 'old question', NULL, 'now');"
        )
    store = ConversationStore(path)
    (message,) = store.messages(1)
    assert message.text == "old question" and message.status == ""
    store.add_stopped(1, "draft", "cancelled")
    assert store.messages(1)[-1].status == "cancelled"
