"""The errors whose message tells the user what to do.

The CLI prints them as one line and the chat shows them as they are; anything else is
a bug and keeps its traceback (CLI) or its repr (chat).
"""

from __future__ import annotations


def user_errors() -> tuple[type[BaseException], ...]:
    """The error classes to show as they are (imported late: they pull heavy modules)."""
    from embeddings.models import EmbeddingModelError
    from qa.answering.backends.base import BackendUnavailable
    from qa.answering.evidence_ranker import EvidenceModelError
    from qa.retrieval.corpus import CorpusError
    from qa.retrieval.index import IndexProblem
    from qa.retrieval.question import QuestionError

    return (
        BackendUnavailable,
        IndexProblem,
        QuestionError,
        CorpusError,
        EmbeddingModelError,
        EvidenceModelError,
    )
