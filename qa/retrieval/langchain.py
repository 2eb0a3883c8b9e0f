"""Kenes search as a LangChain retriever, for chains and agents built with LangChain."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LangChainDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from qa.config import DEFAULT_MODE
from qa.retrieval.index import Index


class KenesRetriever(BaseRetriever):
    """Hybrid (or dense / BM25) search over a Kenes index.

    Each result is a LangChain Document whose `page_content` is the passage's cleaned
    Cyrillic text; `metadata` carries the id, document, origin, offsets, original text
    and score, so a citation can point at the exact place.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Index
    k: int = 4
    mode: str = DEFAULT_MODE

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[LangChainDocument]:
        return [
            LangChainDocument(
                page_content=p.text,
                metadata={
                    "id": p.id,
                    "doc_id": p.doc_id,
                    "title": p.title,
                    "origin": p.origin,
                    "start": p.start,
                    "end": p.end,
                    "original": p.original,
                    "score": p.score,
                },
            )
            for p in self.index.search(query, k=self.k, mode=self.mode)
        ]
