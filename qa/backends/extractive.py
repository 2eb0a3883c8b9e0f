"""The no-LLM backend: answers with the passage sentences that best match the question.

Always available and instant. It quotes rather than paraphrases, so it cannot
hallucinate; it also cannot translate, so a Russian or English question gets the
Kazakh sentence that answers it.
"""

from __future__ import annotations

from collections.abc import Iterator

from qa.backends.base import GenerationRequest
from qa.chunking import split_sentences
from qa.lexical import tokenize

MAX_SENTENCES = 2


class ExtractiveBackend:
    name = "extractive"
    model = "best-sentences"

    def stream(self, request: GenerationRequest) -> Iterator[str]:
        question = set(tokenize(request.question))
        candidates: list[tuple[float, int, str]] = []
        texts = request.context or [p.text for p in request.passages]
        for n, text in enumerate(texts, 1):
            for rank, span in enumerate(split_sentences(text)):
                sentence = text[span.start : span.end]
                overlap = len(question & set(tokenize(sentence)))
                # Passages and sentences come ranked by relevance: earlier wins ties.
                candidates.append((overlap - 0.01 * (n + rank), n, sentence))
        candidates.sort(key=lambda c: -c[0])
        chosen = candidates[:MAX_SENTENCES]
        if len(chosen) == 2 and chosen[1][0] < 0.5 * max(chosen[0][0], 1):
            chosen = chosen[:1]  # a second sentence only when it is nearly as relevant
        for i, (_, n, sentence) in enumerate(chosen):
            yield ("" if i == 0 else " ") + f"«{sentence.rstrip('.')}» [{n}]."

    def close(self) -> None:
        pass
