"""Saved conversations: SQLite (standard library) in `<data dir>/conversations.sqlite`.

Two tables: `conversations` (one row per chat) and `messages` (the questions and
answers of a chat, in order). An answer row keeps the whole `Answer` as JSON, so its
citations and passages can be reopened later exactly as they were checked.

    store = ConversationStore()
    chat = store.create("Сомалиге көмек")
    store.add_question(chat, "Сомалиге қанша қаржы жиналды?")
    store.add_answer(chat, answer)
    store.messages(chat)   # [StoredMessage(role="user"…), StoredMessage(role="assistant"…)]

A message may carry a `status`: an answer that never got checked is stored with its
draft text and "cancelled" or "failed" (`add_stopped`), and a question left without an
answer (the chat was closed meanwhile) is marked "unanswered" (`set_status`), so a
reopened conversation says what happened.

Every call opens and closes its own connection, so the store may be used from any
thread and never holds the file open.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from qa.config import settings
from qa.types import Answer, Citation, Passage, Timings

TITLE_CHARS = 80
USER = "user"
ASSISTANT = "assistant"
CANCELLED = "cancelled"  # an answer stopped with Esc: its unchecked draft is kept
FAILED = "failed"  # an answer that failed: the text is the error
UNANSWERED = "unanswered"  # a question whose answer never came (Kenes was closed)
STATUSES = ("", CANCELLED, FAILED, UNANSWERED)

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    text TEXT NOT NULL,
    answer TEXT,
    created TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS messages_of_conversation ON messages (conversation_id, id);
"""


# With the short answer of the latest answer that has one (SQLite's JSON1 reads it).
_SUMMARY = (
    "SELECT c.id, c.title, c.created, c.updated, COUNT(m.id) AS n_messages, "
    "(SELECT json_extract(a.answer, '$.short_answer') FROM messages a "
    " WHERE a.conversation_id = c.id AND json_extract(a.answer, '$.short_answer') IS NOT NULL "
    " ORDER BY a.id DESC LIMIT 1) AS short_answer "
    "FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id"
)


class StoreError(RuntimeError):
    """The conversation file cannot be used; the message says what to do."""


@dataclass(frozen=True)
class Conversation:
    id: int
    title: str
    created: str
    updated: str
    n_messages: int = 0
    short_answer: str | None = None  # the latest answer's, when it had one


@dataclass(frozen=True)
class StoredMessage:
    id: int
    conversation_id: int
    role: str  # "user" or "assistant"
    text: str
    answer: Answer | None = None  # for assistant messages
    status: str = ""  # "" (answered), "cancelled", "failed" or "unanswered"


def default_store_path() -> Path:
    return settings().conversations_path


def _now() -> str:
    return datetime.now().isoformat(timespec="microseconds")


def title_of(question: str) -> str:
    """A conversation title from its first question: one line, at most TITLE_CHARS."""
    line = " ".join(question.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"


# ------------------------------------------------------------------ Answer <-> JSON
def answer_to_json(answer: Answer) -> str:
    return json.dumps(answer.to_dict(), ensure_ascii=False)


def answer_from_json(text: str) -> Answer:
    """Rebuild an Answer (with its Citation, Passage and Timings objects) from JSON."""
    data: dict[str, Any] = json.loads(text)
    data["citations"] = [Citation(**c) for c in data.get("citations", [])]
    data["passages"] = [Passage(**p) for p in data.get("passages", [])]
    data["timings"] = Timings(**data.get("timings", {}))
    return Answer(**data)


# ---------------------------------------------------------------------- the store
class ConversationStore:
    """Conversations and their messages in one SQLite file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path or default_store_path())
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.executescript(SCHEMA)
                _add_status_column(db)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"Conversations cannot be saved in {self.path} ({exc}): "
                "move the file away or set KENES_DATA_DIR to another folder"
            ) from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success and is always closed."""
        with closing(sqlite3.connect(self.path, timeout=5.0)) as db:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA foreign_keys = ON")
            with db:
                yield db

    # -- writing --------------------------------------------------------------------
    def create(self, title: str) -> int:
        """Start a conversation; return its id."""
        now = _now()
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO conversations (title, created, updated) VALUES (?, ?, ?)",
                (title_of(title) or "…", now, now),
            )
            return int(cursor.lastrowid or 0)

    def add_question(self, conversation_id: int, text: str) -> int:
        return self._add(conversation_id, USER, text, None)

    def add_answer(self, conversation_id: int, answer: Answer) -> int:
        return self._add(conversation_id, ASSISTANT, answer.text, answer_to_json(answer))

    def add_stopped(self, conversation_id: int, text: str, status: str) -> int:
        """An answer that was not checked: its draft (or error) text and why it stopped."""
        return self._add(conversation_id, ASSISTANT, text, None, _checked(status))

    def set_status(self, message_id: int, status: str) -> None:
        """Mark a stored message ("unanswered" for a question left without an answer)."""
        with self._connect() as db:
            db.execute(
                "UPDATE messages SET status = ? WHERE id = ?", (_checked(status), message_id)
            )

    def _add(
        self, conversation_id: int, role: str, text: str, answer: str | None, status: str = ""
    ) -> int:
        now = _now()
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO messages (conversation_id, role, text, answer, created, status) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, role, text, answer, now, status),
            )
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (now, conversation_id))
            return int(cursor.lastrowid or 0)

    def rename(self, conversation_id: int, title: str) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE conversations SET title = ? WHERE id = ?",
                (title_of(title), conversation_id),
            )

    def delete(self, conversation_id: int) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    # -- reading --------------------------------------------------------------------
    def conversations(self, limit: int = 200) -> list[Conversation]:
        """The most recently updated conversations first."""
        with self._connect() as db:
            rows = db.execute(
                f"{_SUMMARY} GROUP BY c.id ORDER BY c.updated DESC, c.id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [Conversation(**dict(row)) for row in rows]

    def conversation(self, conversation_id: int) -> Conversation | None:
        with self._connect() as db:
            row = db.execute(
                f"{_SUMMARY} WHERE c.id = ? GROUP BY c.id", (conversation_id,)
            ).fetchone()
        return Conversation(**dict(row)) if row else None

    def messages(self, conversation_id: int) -> list[StoredMessage]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, conversation_id, role, text, answer, status FROM messages "
                "WHERE conversation_id = ? ORDER BY id",
                (conversation_id,),
            ).fetchall()
        return [_message_of(row) for row in rows]

    def questions(self, conversation_id: int) -> list[str]:
        """The user's questions of a conversation, oldest first (the follow-up history)."""
        return [m.text for m in self.messages(conversation_id) if m.role == USER]

    def recent_questions(self, limit: int = 200) -> list[str]:
        """The last questions asked in any conversation, oldest first (prompt history)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT text FROM messages WHERE role = ? ORDER BY id DESC LIMIT ?",
                (USER, limit),
            ).fetchall()
        return [row["text"] for row in reversed(rows)]


def _add_status_column(db: sqlite3.Connection) -> None:
    """Files written before messages had a status get the column (empty: answered)."""
    columns = {row["name"] for row in db.execute("PRAGMA table_info(messages)")}
    if "status" not in columns:
        db.execute("ALTER TABLE messages ADD COLUMN status TEXT NOT NULL DEFAULT ''")


def _checked(status: str) -> str:
    if status not in STATUSES:
        raise ValueError(f"unknown message status {status!r}: one of {STATUSES}")
    return status


def _message_of(row: sqlite3.Row) -> StoredMessage:
    answer = None
    if row["answer"]:
        try:
            answer = answer_from_json(row["answer"])
        except (ValueError, TypeError):  # written by another version: keep the text
            answer = None
    return StoredMessage(
        id=row["id"],
        conversation_id=row["conversation_id"],
        role=row["role"],
        text=row["text"],
        answer=answer,
        status=row["status"] or "",
    )
