"""Gold questions: reading a gold JSONL file, and the rules that match answers and passages to it.

A gold line has `id` and `question`, optionally `lang`, `type`, `answers`, `docs`,
`evidence`, `history`, `split` (`dev` or `test`), `spans` (plain answer strings, for
exact match and token F1 of a short answer) and `context` (the passage a reader reads,
`kenes eval --reader`); `answers` and `evidence` are regular expressions, matched
case-insensitively.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from qa.config import settings
from qa.text.cleaning import clean_text
from qa.types import Passage

if TYPE_CHECKING:
    from qa.retrieval.index import Index


SPLITS = ("dev", "test")


def default_gold() -> Path:
    """The shipped gold questions: corpus/gold.jsonl."""
    return settings().gold_path


@dataclass(frozen=True)
class GoldQuestion:
    """One line of a gold file."""

    id: str
    question: str
    lang: str = "kk"
    type: str = "factoid"
    answers: tuple[str, ...] = ()
    docs: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    split: str | None = None  # "dev" or "test"; None: the file has no split
    spans: tuple[str, ...] = ()  # plain gold answer strings (exact match, token F1)
    context: str | None = None  # the passage a reader is given (`--reader`)

    @property
    def answerable(self) -> bool:
        """Unanswerable questions have type `unanswerable` (and no answers)."""
        return self.type != "unanswerable" and bool(self.answers)


@lru_cache(maxsize=4096)
def _pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex, re.IGNORECASE)


def load_gold(path: Path) -> list[GoldQuestion]:
    """Read a gold JSONL file; a malformed line or regex raises ValueError naming it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no gold file at {path}")
    questions: list[GoldQuestion] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row.get("spans") or [], list):
                raise TypeError("spans must be a list of strings")
            item = GoldQuestion(
                id=str(row["id"]),
                question=str(row["question"]),
                lang=str(row.get("lang", "kk")),
                type=str(row.get("type", "factoid")),
                answers=tuple(row.get("answers") or ()),
                docs=tuple(row.get("docs") or ()),
                evidence=tuple(row.get("evidence") or ()),
                history=tuple(row.get("history") or ()),
                split=row.get("split"),
                spans=tuple(row.get("spans") or ()),
                context=row.get("context"),
            )
            for regex in (*item.answers, *item.evidence):
                _pattern(regex)
            _check_optional(item)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, re.error) as exc:
            raise ValueError(f"{path}:{n}: not a gold question ({exc})") from exc
        questions.append(item)
    return questions


def _check_optional(item: GoldQuestion) -> None:
    """`split`, `spans` and `context` are optional, but well-formed when present."""
    if item.split is not None and item.split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {item.split!r}")
    if not all(isinstance(span, str) and span.strip() for span in item.spans):
        raise ValueError("spans must be non-empty strings")
    if item.context is not None and not (isinstance(item.context, str) and item.context.strip()):
        raise ValueError("context must be a non-empty string")


def select_split(questions: Sequence[GoldQuestion], split: str) -> list[GoldQuestion]:
    """The questions of one split (`dev`, `test`), or all of them (`all`)."""
    if split == "all":
        return list(questions)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: choose {', '.join(SPLITS)} or all")
    return [q for q in questions if q.split == split]


def context_passage(item: GoldQuestion) -> Passage:
    """The question's `context` as the one passage a reader is given (`--reader`).

    Its origin is the question's first document, so the evidence rule judges citations
    of it as it judges the same passage found by search.
    """
    from qa.text.chunking import matching_text
    from qa.text.transliterate import detect_script

    if not item.context:
        raise ValueError(f"gold question {item.id} has no context to read")
    origin = item.docs[0] if item.docs else item.id
    script = "Arab" if detect_script(item.context) == "Arab" else "Cyrl"
    return Passage(
        id=f"{origin}#context",
        doc_id=origin,
        origin=origin,
        title=origin,
        text=matching_text(item.context, script),
        original=item.context,
        start=0,
        end=len(item.context),
        score=1.0,
    )


def answer_matches(answer_text: str, patterns: Sequence[str]) -> bool:
    """True when any pattern matches the answer normalised with `clean_text`."""
    normalised = clean_text(answer_text or "")
    return any(_pattern(p).search(normalised) for p in patterns)


def passage_matches(passage: Passage, item: GoldQuestion) -> bool:
    """The evidence rule: origin in `docs` and an evidence pattern in original or text."""
    if passage.origin not in item.docs:
        return False
    return any(
        _pattern(p).search(passage.original) or _pattern(p).search(passage.text)
        for p in item.evidence
    )


class RelevanceJudge:
    """Applies the evidence rule to passages of one index (near-duplicate copies included)."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def relevant(self, passage: Passage, item: GoldQuestion) -> bool:
        if passage_matches(passage, item):
            return True
        copies = (self.index.passages.get(pid) for pid in passage.alternatives)
        return any(copy is not None and passage_matches(copy, item) for copy in copies)

    def count_relevant(self, item: GoldQuestion) -> int:
        """Relevant passages among everything search can return."""
        if not item.docs or not item.evidence:
            return 0
        if not hasattr(self, "_searchable"):  # read from disk once, not per question
            self._searchable = list(self.index.indexed)
        return sum(self.relevant(p, item) for p in self._searchable)
