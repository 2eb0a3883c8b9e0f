"""Citations are checked, not trusted.

Small models put wrong `[n]` marks, or none. After generation every answer
sentence is scored against every sentence of the passages it was given: a mark that
points at a passage which does not support the sentence is replaced by the one that
does (or removed), a missing mark is added where support is clear, and a sentence
no passage supports is flagged `[?]` and reported. A sentence that only restates the
question ("Why is X important? → X is important [1].") passes any overlap test, so it
counts as unsupported too: it answers nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from qa.answering.evidence import Scorer, Sentence, numbers_in, passage_sentences
from qa.retrieval.question import Question
from qa.text.chunking import split_sentences
from qa.text.lexical import tokenize
from qa.types import Citation, Passage

SUPPORTED = 0.42  # a mark is added when the best passage scores at least this
KEEP_MARK = 0.36  # an existing mark survives when its passage scores at least this
UNSUPPORTED_FLAG = "[?]"

_MARK = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_REFUSAL = re.compile(
    r"жауап жоқ|ақпарат жоқ|мәлімет жоқ|айтылмаған|көрсетілмеген|нет ответа|нет информации|"
    r"не содерж|не указан|do not (?:answer|contain|mention)|does not (?:answer|contain|mention)|"
    r"no information|not mentioned|cannot answer",
    re.IGNORECASE,
)


@dataclass
class CheckedAnswer:
    text: str
    citations: list[Citation] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    refused: bool = False
    supported: list[str] = field(default_factory=list)  # the cited sentences, with marks

    def supported_only(self) -> CheckedAnswer:
        """The answer without its unsupported sentences (and their `[?]` flags)."""
        marks = {n for sentence in self.supported for n in _marks(sentence)}
        return CheckedAnswer(
            text=" ".join(self.supported),
            citations=[c for c in self.citations if c.n in marks],
            unsupported=self.unsupported,
            supported=self.supported,
        )


def says_no_answer(text: str) -> bool:
    return bool(_REFUSAL.search(text))


def _marks(sentence: str) -> list[int]:
    return [int(n) for group in _MARK.findall(sentence) for n in re.split(r"\s*,\s*", group)]


def _with_marks(claim: str, marks: Sequence[int]) -> str:
    """Put marks before the sentence's final punctuation: `… 350 млн [2].`"""
    tail = re.search(r"[.!?…]+[»\"]?$", claim)
    body, end = (claim[: tail.start()], tail.group(0)) if tail else (claim, "")
    labels = "".join(f"[{n}]" for n in marks) if marks else ""
    return f"{body.rstrip()} {labels}{end}".replace("  ", " ") if labels else claim


def restates(claim: str, question: Question | None) -> bool:
    """True when `claim` says nothing the question did not: no new word, no new number."""
    if question is None or claim.rstrip().endswith("?"):
        return question is not None
    asked = set(question.tokens)
    new = [t for t in tokenize(claim, question.language) if t not in asked and len(t) > 2]
    new = [t for t in new if not any(len(a) >= 4 and t.startswith(a[:4]) for a in asked)]
    return not new and not (numbers_in(claim) - numbers_in(question.match_text))


def check_citations(
    answer: str,
    passages: Sequence[Passage],
    scorer: Scorer,
    language: str = "kk",
    question: Question | None = None,
) -> CheckedAnswer:
    """Verify, fix and complete the `[n]` marks of `answer` (n counts from 1).

    With `question`, sentences that merely restate it are unsupported.
    """
    if says_no_answer(answer):
        return CheckedAnswer(text=answer.strip(), refused=True)
    evidence = passage_sentences(passages)
    out: list[str] = []
    supported: list[str] = []
    unsupported: list[str] = []
    best_quote: dict[int, tuple[float, Sentence]] = {}
    for span in split_sentences(answer.strip()):
        sentence = answer.strip()[span.start : span.end]
        claim = _MARK.sub("", sentence).strip()
        if not any(c.isalnum() for c in claim):
            continue
        scores = scorer.scores(claim, evidence, language=language)
        per_passage = [0.0] * len(passages)
        for s, score in zip(evidence, scores, strict=True):
            if score > per_passage[s.passage]:
                per_passage[s.passage] = float(score)
            n = s.passage + 1
            if score > best_quote.get(n, (-1.0, s))[0]:
                best_quote[n] = (float(score), s)
        kept = [n for n in dict.fromkeys(_marks(sentence)) if 1 <= n <= len(passages)]
        kept = [n for n in kept if per_passage[n - 1] >= KEEP_MARK]
        best = max(range(len(passages)), key=per_passage.__getitem__, default=None)
        if not kept and best is not None and per_passage[best] >= SUPPORTED:
            kept = [best + 1]
        if restates(claim, question):
            kept = []
        if kept:
            out.append(_with_marks(claim, kept))
            supported.append(out[-1])
        else:
            unsupported.append(claim)
            out.append(f"{claim} {UNSUPPORTED_FLAG}")
    text = " ".join(out)
    citations = []
    for n in dict.fromkeys(int(m) for m in re.findall(r"\[(\d+)\]", text)):
        support, quote = best_quote[n]
        citations.append(cite(n, passages[n - 1], quote, support))
    return CheckedAnswer(
        text=text, citations=citations, unsupported=unsupported, supported=supported
    )


def cite(n: int, passage: Passage, quote: Sentence, support: float) -> Citation:
    """Citation [n]: `quote` (a sentence of `passage`) with its place in the document."""
    return Citation(
        n=n,
        passage_id=passage.id,
        title=passage.title,
        origin=passage.origin,
        quote=quote.original,
        start=quote.start,
        end=quote.end,
        support=round(support, 3),
    )
