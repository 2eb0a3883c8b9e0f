"""The question, analysed once: its language and script, its text in cleaned Cyrillic,
its stems and its glossary concepts. Search, evidence and citations read this one
`Question`; none of them detects the language or tokenises the question again.

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
from qa.text.lexical import is_stopword, tokenize
from qa.text.transliterate import detect_script

MAX_QUERY_CHARS = 2000
#: The scripts Kenes reads questions in: Kazakh in all three, Russian, English.
READ_SCRIPTS = ("Cyrl", "Latn", "Arab")
UNREAD_LANGUAGE = (
    "Kenes answers questions in Kazakh (Cyrillic, Latin or Arabic script), Russian or "
    "English: ask in one of these."
)


class QuestionError(ValueError):
    """The question cannot be searched (empty, or only punctuation)."""


@dataclass(frozen=True)
class Question:
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

    @property
    def script(self) -> str:
        """The script it was typed in: Cyrl, Latn or Arab."""
        return {"kk-arab": "Arab", "kk-latn": "Latn", "en": "Latn"}.get(self.variant, "Cyrl")

    @property
    def match_text(self) -> str:
        """What evidence is matched against: the Cyrillic form of a Kazakh question, the
        question as typed otherwise (its glossary concepts carry it across)."""
        return self.cyrillic if self.language == "kk" else self.text

    @functools.cached_property
    def tokens(self) -> tuple[str, ...]:
        """The stems of `match_text`, stopwords dropped."""
        return tuple(tokenize(self.match_text, self.language))


def analyse_question(text: str) -> Question:
    text = (text or "").strip()
    if not any(c.isalnum() for c in text):
        raise QuestionError("The question is empty: type a question in Kazakh, Russian or English.")
    if len(text) > MAX_QUERY_CHARS:  # a pasted document is not a question; keep its start
        text = text[:MAX_QUERY_CHARS]
    if detect_script(text) not in READ_SCRIPTS and any(c.isalpha() for c in text):
        # "哈萨克斯坦何时加入…?" would otherwise be answered with confident quotes.
        raise QuestionError(UNREAD_LANGUAGE)
    variant, cyrillic = query_variant(text)
    groups = kazakh_concepts(text, variant) if variant in ("ru", "en") else []
    # Question words alone ("Какова…?" → "қандай") carry no topic: keep content terms only.
    concepts = tuple(
        kept for group in groups if (kept := tuple(t for t in group if not is_stopword(t)))
    )
    return Question(
        text=text, variant=variant, cyrillic=clean_text(cyrillic), kazakh_concepts=concepts
    )
