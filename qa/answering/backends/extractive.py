"""The no-LLM backend: answers by quoting the passage sentences that best answer the question.

Always available and instant. It quotes rather than paraphrases, so it cannot
hallucinate; it also cannot translate, so a Russian or English question gets the
Kazakh sentence that answers it. The ranking of sentences is the assistant's
evidence ranking (embedding similarity, content words, numbers).
"""

from __future__ import annotations

from collections.abc import Iterator

from qa.answering.backends.base import GenerationRequest
from qa.text.chunking import split_sentences
from qa.text.lexical import tokenize

MAX_SENTENCES = 2


def _ranked_by_overlap(request: GenerationRequest) -> list[tuple[int, str]]:
    """Fallback ranking when the request carries none: shared content words."""
    question = set(tokenize(request.question))
    scored = []
    for n, text in enumerate(request.context or [p.text for p in request.passages], 1):
        for span in split_sentences(text):
            sentence = text[span.start : span.end]
            scored.append((-len(question & set(tokenize(sentence))), n, sentence))
    return [(n, sentence) for _, n, sentence in sorted(scored, key=lambda s: s[0])]


def best_quotes(request: GenerationRequest) -> list[tuple[int, str]]:
    """The (passage number, sentence) pairs an extractive answer quotes."""
    ranked = request.ranked_sentences or _ranked_by_overlap(request)
    return [(n, sentence.strip().rstrip(".")) for n, sentence in ranked[:MAX_SENTENCES]]


def quoted(quotes: list[tuple[int, str]]) -> str:
    """`«sentence» [n].` for each quote: the text of an extractive answer."""
    return " ".join(f"«{sentence}» [{n}]." for n, sentence in quotes)


class ExtractiveBackend:
    name = "extractive"
    model = "best-sentences"

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        for i, quote in enumerate(best_quotes(request)):
            yield ("" if i == 0 else " ") + quoted([quote])

    def close(self) -> None:
        pass
