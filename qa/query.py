"""A question as search sees it: its language, and its text in cleaned Cyrillic.

People type Kazakh in Cyrillic, in Latin (official or informal) or in Arabic script;
the index holds Cyrillic, so queries are transliterated first. Russian and English
stay as typed: the multilingual embedding model reads them directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from qa.cleaning import clean_text
from qa.language import query_variant

MAX_QUERY_CHARS = 2000


class QueryError(ValueError):
    """The question cannot be searched (empty, or only punctuation)."""


@dataclass(frozen=True)
class Query:
    text: str  # as typed
    variant: str  # kk, ru, en, kk-latn, kk-arab
    cyrillic: str  # what search matches

    @property
    def language(self) -> str:
        """The language to answer in: Latin or Arabic-script Kazakh is answered in kk."""
        return "kk" if self.variant.startswith("kk") else self.variant


def prepare_query(text: str) -> Query:
    text = (text or "").strip()
    if not any(c.isalnum() for c in text):
        raise QueryError("The question is empty: type a question in Kazakh, Russian or English.")
    if len(text) > MAX_QUERY_CHARS:  # a pasted document is not a question; keep its start
        text = text[:MAX_QUERY_CHARS]
    variant, cyrillic = query_variant(text)
    return Query(text=text, variant=variant, cyrillic=clean_text(cyrillic))
