"""Pure text helpers of the chat (no widgets here): citation links, excerpts, timings,
the Markdown export of a conversation."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from qa.text.transliterate import transliterate
from qa.types import Answer, Citation, Document, Passage, Timings

if TYPE_CHECKING:
    from qa.retrieval.index import Index

CITATION_MARK = re.compile(r"\[(\d+)\]")
CITE_SCHEME = "cite:"
EXCERPT_CONTEXT = 140  # characters of the passage shown around a quote in the sources panel


# ------------------------------------------------------------------------ answers
def link_citations(text: str, selected: int | None = None) -> str:
    """Markdown where every `[n]` mark is a link `cite:n`; the selected mark stands out."""

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        label = f"`[{n}]`" if n == selected else f"\\[{n}\\]"
        return f"[{label}]({CITE_SCHEME}{n})"

    return CITATION_MARK.sub(link, text)


def answer_markdown(answer: Answer, selected: int | None = None) -> str:
    """An answer as the chat shows it: the short answer in bold, then the quotes."""
    short = f"**{answer.short_answer}**\n\n" if answer.short_answer else ""
    return link_citations(short + answer.text, selected)


def citation_number(href: str) -> int | None:
    """The n of a `cite:n` link, None for any other link."""
    if not href.startswith(CITE_SCHEME):
        return None
    number = href.removeprefix(CITE_SCHEME)
    return int(number) if number.isdigit() else None


def one_line(text: str) -> str:
    """Whitespace runs (PDF double spaces, no-break spaces, newlines) as one space."""
    return " ".join(text.split())


def _seconds(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def format_timings(timings: Timings | None) -> str:
    """`retrieval 120 ms · first token 0.4 s · total 1.2 s` (empty before any answer)."""
    if timings is None:
        return ""
    first = "–" if timings.first_token_ms is None else _seconds(timings.first_token_ms)
    return (
        f"retrieval {_seconds(timings.retrieval_ms)} · first token {first} · "
        f"total {_seconds(timings.total_ms)}"
    )


def in_script(text: str, document: Document | None, cyrillic: bool) -> str:
    """`text` of an Arabic-script document in Cyrillic when asked; anything else as is."""
    if cyrillic and document is not None and document.script == "Arab":
        return transliterate(text, to="cyrl")
    return text


# ------------------------------------------------------------------------ sources
@dataclass(frozen=True)
class Source:
    """A citation with the passage and document it points at (either may be unknown)."""

    citation: Citation
    passage: Passage | None
    document: Document | None

    @property
    def n(self) -> int:
        return self.citation.n

    @property
    def title(self) -> str:
        return self.document.title if self.document else self.citation.title

    @property
    def date(self) -> str:
        return self.document.date if self.document else ""

    @property
    def origin(self) -> str:
        return self.document.origin if self.document else self.citation.origin

    @property
    def is_arabic(self) -> bool:
        return self.document is not None and self.document.script == "Arab"


def sources_of(answer: Answer, index: Index | None) -> list[Source]:
    """The answer's citations in `[n]` order, resolved against its passages and the index."""
    return [_source(citation, answer, index) for citation in sorted(answer.citations, key=_n)]


def _n(citation: Citation) -> int:
    return citation.n


def _source(citation: Citation, answer: Answer, index: Index | None) -> Source:
    passage = next((p for p in answer.passages if p.id == citation.passage_id), None)
    if passage is None and index is not None:
        passage = index.passages.get(citation.passage_id)
    document = None
    if index is not None and passage is not None:
        document = index.documents.get(passage.doc_id)
    return Source(citation, passage, document)


@dataclass(frozen=True)
class Highlighted:
    """A text cut in three: the highlighted part and what comes before and after it."""

    before: str
    marked: str
    after: str


def quote_in_context(source: Source, context: int = EXCERPT_CONTEXT) -> Highlighted:
    """The supporting quote with up to `context` characters of its passage on each side."""
    citation = source.citation
    if source.document is None:
        return Highlighted("", one_line(citation.quote), "")
    text = source.document.text
    low, high = _passage_bounds(source)
    start = _word_start(text, max(low, citation.start - context), citation.start)
    end = _word_end(text, min(high, citation.end + context), citation.end)
    before = one_line(text[start : citation.start])
    after = one_line(text[citation.end : end])
    return Highlighted(
        ("…" if start > 0 else "") + before,
        one_line(text[citation.start : citation.end]),
        after + ("…" if end < len(text) else ""),
    )


def _word_start(text: str, start: int, limit: int) -> int:
    """Move `start` forward to the beginning of a word (not past `limit`)."""
    if start == 0 or text[start - 1].isspace():
        return start
    space = text.find(" ", start, limit)
    return space + 1 if space >= 0 else start


def _word_end(text: str, end: int, limit: int) -> int:
    """Move `end` back to the end of a word (not before `limit`)."""
    if end >= len(text) or text[end].isspace():
        return end
    space = text.rfind(" ", limit, end)
    return space if space >= 0 else end


def _passage_bounds(source: Source) -> tuple[int, int]:
    """The passage span, stretched to hold the quote (they always overlap in practice)."""
    citation = source.citation
    if source.passage is None:
        return citation.start, citation.end
    return min(source.passage.start, citation.start), max(source.passage.end, citation.end)


@dataclass(frozen=True)
class DocumentView:
    """A document cut around a cited passage, the quote inside it highlighted."""

    before: str
    passage: Highlighted
    after: str


def document_view(source: Source, cyrillic: bool = False) -> DocumentView:
    """The whole document of `source` in five parts (each transliterated on its own)."""
    document = source.document
    text = document.text if document else source.citation.quote
    low, high = _passage_bounds(source) if document else (0, len(text))
    start, end = (source.citation.start, source.citation.end) if document else (0, len(text))

    def shown(part: str) -> str:
        return in_script(part, document, cyrillic)

    return DocumentView(
        before=shown(text[:low]),
        passage=Highlighted(shown(text[low:start]), shown(text[start:end]), shown(text[end:high])),
        after=shown(text[high:]),
    )


# ------------------------------------------------------------------------- export
def conversation_markdown(messages: Sequence[Any], sources: Callable[[Any], list[Source]]) -> str:
    """A conversation as Markdown: each question, its answer and the answer's sources
    (title, file, character offsets and the supporting quote); an answer that was not
    checked (cancelled, failed) is marked so. `messages` are the chat's question and
    answer widgets in order (anything with `.question`, or `.text`, `.answer`, `.state`);
    `sources` resolves an answer's citations."""
    lines = ["# Kenes conversation", "", f"Exported {datetime.now():%Y-%m-%d %H:%M}.", ""]
    for message in messages:
        question = getattr(message, "question", None)
        if question is not None:
            lines += [f"## {one_line(question)}", ""]
            continue
        answer = message.answer
        state = getattr(message, "state", "")
        if answer is None:
            label = f"*Not checked ({state}).*" if state else "*Not checked.*"
            lines += [message.text.strip() or "*(no answer)*", "", label, ""]
            continue
        lines += [answer.text.strip(), ""]
        shown = sources(message)
        if shown:
            lines += ["Sources:", ""]
            for source in shown:
                citation = source.citation
                where = f"{source.origin}, characters {citation.start}–{citation.end}"
                lines.append(f"- [{source.n}] {one_line(source.title)} ({where})")
                if citation.quote:
                    lines.append(f"  > {one_line(citation.quote)}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
