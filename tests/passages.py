"""Passages made from invented text, for tests that score or answer from them."""

from qa.types import Passage


def passage(pid: str, text: str, title: str | None = None, start: int = 0) -> Passage:
    """A passage of its own document `pid` (origin "pid.txt")."""
    return Passage(
        id=pid, doc_id=pid, origin=f"{pid}.txt", title=title or pid.title(), text=text,
        original=text, start=start, end=start + len(text),
    )  # fmt: skip
