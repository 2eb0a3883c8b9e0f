"""The typed objects Kenes hands out: documents, passages, citations, answers.

They are plain dataclasses so that they serialise to JSON with `asdict` and need no
pickle to be stored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

# How an answer's text is composed: see `qa.answering.assistant`.
Compose = Literal["auto", "generate", "quote"]
COMPOSE_MODES: tuple[str, ...] = get_args(Compose)


def check_compose(compose: str) -> str:
    if compose not in COMPOSE_MODES:
        raise ValueError(f"unknown compose mode {compose!r}: use {', '.join(COMPOSE_MODES)}")
    return compose


@dataclass(frozen=True)
class Document:
    """One source document as the user gave it (original characters kept)."""

    id: str
    title: str
    origin: str  # the file name the document came from
    text: str  # original text, never altered
    path: str = ""
    authors: tuple[str, ...] = ()
    publisher: str = ""
    date: str = ""
    language: str = "kk"
    script: str = "Cyrl"
    collection: str = ""  # the index collection it belongs to (see `kenes index list`)


@dataclass
class Passage:
    """A span of a document: what search returns and what citations point at.

    `original` is exactly `document.text[start:end]`; `text` is the same span
    normalised for reading and matching (Cyrillic script, NFC, look-alike letters
    and PDF hyphenation repaired).
    """

    id: str
    doc_id: str
    origin: str
    title: str
    text: str
    original: str
    start: int
    end: int
    score: float = 0.0  # the ranking score of the search mode used (RRF for hybrid)
    scores: dict[str, float] = field(default_factory=dict)  # per retriever: dense, bm25
    duplicate_of: str | None = None  # set when a cleaner copy exists in another document
    alternatives: list[str] = field(default_factory=list)  # ids of near-duplicate copies
    collection: str = ""  # the collection of its document

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Citation:
    """A `[n]` mark in an answer, checked against the passage it points at."""

    n: int
    passage_id: str
    title: str
    origin: str
    quote: str  # the supporting sentence, in the document's original characters
    start: int  # offsets of the quote in the original document text
    end: int
    support: float  # 0..1, how well the passage supports the cited sentence


@dataclass
class Timings:
    retrieval_ms: float = 0.0
    first_token_ms: float | None = None
    total_ms: float = 0.0
    short_answer_ms: float | None = None  # finding the short answer (a model call or code)


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation]
    passages: list[Passage]  # the numbered passages given to the generator; [n] is passages[n-1]
    backend: str
    model: str
    refused: bool = False
    language: str = "kk"
    standalone_question: str = ""  # the question after follow-up rewriting
    unsupported: list[str] = field(default_factory=list)  # sentences no passage supports: left out
    # The backend's probability that the passages state the answer (None: not checked)
    answerability: float | None = None
    evidence: list[str] = field(default_factory=list)  # the sentences the answer was made from
    short_answer: str | None = None  # the answer's key words (a year, a name), when found
    timings: Timings = field(default_factory=Timings)
    notices: list[str] = field(default_factory=list)  # e.g. "Ollama unreachable, used llama-cpp"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
