"""Prompt templates, kept as files in `prompts/` and loaded as LangChain templates.

Editing a prompt never needs a code change: system.md (the rules), context.md (the
numbered passages and the question), example_question.md / example_answer.md (one
worked example), rewrite.md (follow-up → standalone question), translate.md (a quoted
Kazakh sentence into the question's language), short_answer.md (the shortest span that
answers, as JSON), answerable.toml (the
yes/no check that the passages state the answer, with its examples), languages.toml
(the answer-language instruction and the fixed refusal line per language).
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

from qa.config import settings
from qa.text.glossary import glossary_hints


@dataclass(frozen=True)
class LanguageText:
    name: str  # in English, for prompts: "Russian"
    instruction: str
    refusal: str
    conflict: str


def _read(name: str) -> str:
    return (settings().prompts_dir / name).read_text(encoding="utf-8").strip()


@functools.lru_cache(maxsize=4)
def language_texts() -> dict[str, LanguageText]:
    table = tomllib.loads(_read("languages.toml"))
    return {code: LanguageText(**values) for code, values in table.items()}


def language_text(language: str) -> LanguageText:
    texts = language_texts()
    return texts.get(language, texts["kk"])


@functools.lru_cache(maxsize=4)
def answer_template() -> ChatPromptTemplate:
    return ChatPromptTemplate.from_messages(
        [
            ("system", _read("system.md")),
            ("human", _escaped(_read("example_question.md"))),
            ("ai", _escaped(_read("example_answer.md"))),
            ("human", _read("context.md")),
        ]
    )


@functools.lru_cache(maxsize=4)
def rewrite_template() -> PromptTemplate:
    return PromptTemplate.from_template(_read("rewrite.md"))


def format_passages(texts: Sequence[str]) -> str:
    """Number passages [1], [2], … in the order the citations will refer to."""
    return "\n".join(f"[{n}] {text}" for n, text in enumerate(texts, 1))


def answer_messages(question: str, passages: Sequence[str], language: str) -> list[BaseMessage]:
    texts = language_text(language)
    return answer_template().format_messages(
        question=question,
        passages=format_passages(passages),
        glossary=glossary_section(" ".join(passages), language),
        language_instruction=texts.instruction,
        refusal=texts.refusal,
    )


def glossary_section(text: str, language: str) -> str:
    """The renderings of the Kazakh passages' terms for a Russian or English answer
    ("" for Kazakh): the small model knows too few Kazakh words to answer in another
    language without them."""
    lines = _dictionary(text, language)
    if not lines:
        return ""
    return f"\nDictionary (Kazakh = {language_text(language).name}):\n{lines}\n"


def _dictionary(text: str, language: str) -> str:
    """One "term = rendering" line for each glossary term of the Kazakh text."""
    return "\n".join(f"{term} = {target}" for term, target in glossary_hints(text, language))


@functools.lru_cache(maxsize=4)
def answerable_template() -> ChatPromptTemplate:
    table = tomllib.loads(_read("answerable.toml"))
    turns: list[tuple[str, str]] = [("system", table["system"])]
    for example in table["examples"]:
        human = table["question"].format(**example)
        turns += [("human", _escaped(human)), ("ai", example["answer"])]
    return ChatPromptTemplate.from_messages([*turns, ("human", table["question"])])


def answerable_messages(question: str, passages: Sequence[str]) -> list[BaseMessage]:
    """The yes/no question "do these passages state the answer?" with its examples."""
    return answerable_template().format_messages(
        question=question, passages=format_passages(passages)
    )


def _escaped(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def translate_prompt(text: str, language: str) -> str:
    """The translation request, with the glossary's renderings of the text's terms."""
    return _read("translate.md").format(
        language=language_text(language).name,
        text=text,
        dictionary=_dictionary(text, language) or "(none)",
    )


#: "More than forty thousand books" in each language a short answer is translated into.
_EXAMPLE_TRANSLATIONS = {"ru": "более сорока тысяч книг", "en": "more than forty thousand books"}


def short_answer_prompt(question: str, sentences: Sequence[str], language: str = "kk") -> str:
    """The request for the shortest span that answers, from numbered sentences; for a
    Russian or English question, with the span's translation in the same reply."""
    numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(sentences, 1))
    translated = language in _EXAMPLE_TRANSLATIONS
    name = language_text(language).name
    return _read("short_answer.md").format(
        sentences=numbered,
        question=question,
        translation_field=f', "translation": "<the answer in {name}>"' if translated else "",
        translation_example=(
            f', "translation": "{_EXAMPLE_TRANSLATIONS[language]}"' if translated else ""
        ),
    )


def rewrite_prompt(question: str, history: Sequence[str]) -> str:
    lines = "\n".join(f"- {turn}" for turn in history)
    return rewrite_template().format(history=lines, question=question)
