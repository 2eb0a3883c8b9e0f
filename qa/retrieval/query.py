"""A question as search sees it: its language, and its text in cleaned Cyrillic.

People type Kazakh in Cyrillic, in Latin (official or informal) or in Arabic script;
the index holds Cyrillic, so queries are transliterated first. Russian and English
stay as typed, and are also turned into Kazakh search terms through a domain
glossary (dictionary-based query translation): the small multilingual embedding
model is weak across languages and BM25 cannot cross them at all.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from qa.text.cleaning import clean_text
from qa.text.glossary import expand_acronyms, kazakh_concepts
from qa.text.language import query_variant
from qa.text.lexical import is_stopword

MAX_QUERY_CHARS = 2000


class QueryError(ValueError):
    """The question cannot be searched (empty, or only punctuation)."""


@dataclass(frozen=True)
class Query:
    text: str  # as typed
    variant: str  # kk, ru, en, kk-latn, kk-arab
    cyrillic: str  # what search matches
    # For Russian and English: the Kazakh terms of the domain glossary, one group a concept.
    kazakh_concepts: tuple[tuple[str, ...], ...] = ()

    @functools.cached_property
    def expanded(self) -> str:
        """A Kazakh question with its acronyms spelt out, which is what search looks for."""
        return expand_acronyms(self.cyrillic) if self.variant.startswith("kk") else self.cyrillic

    @property
    def kazakh_terms(self) -> str:
        """The glossary's Kazakh terms as one search string ("" for a Kazakh question)."""
        return " ".join(term for group in self.kazakh_concepts for term in group)

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
    groups = kazakh_concepts(text, variant) if variant in ("ru", "en") else []
    # Question words alone ("Какова…?" → "қандай") carry no topic: keep content terms only.
    concepts = tuple(
        kept for group in groups if (kept := tuple(t for t in group if not is_stopword(t)))
    )
    return Query(
        text=text, variant=variant, cyrillic=clean_text(cyrillic), kazakh_concepts=concepts
    )
