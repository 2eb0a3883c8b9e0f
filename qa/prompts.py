"""Prompt templates, kept as files in `prompts/` and loaded as LangChain templates.

Editing a prompt never needs a code change: system.md (the rules), context.md (the
numbered passages and the question), example_question.md / example_answer.md (one
worked example), rewrite.md (follow-up → standalone question), languages.toml (the
answer-language instruction and the fixed refusal line per language).
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.messages import BaseMessage
from langchain_core.prompts import ChatPromptTemplate, PromptTemplate

from qa.config import prompts_dir


@dataclass(frozen=True)
class LanguageText:
    instruction: str
    refusal: str
    conflict: str


def _read(name: str) -> str:
    return (prompts_dir() / name).read_text(encoding="utf-8").strip()


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
            ("human", _read("example_question.md").replace("{", "{{").replace("}", "}}")),
            ("ai", _read("example_answer.md").replace("{", "{{").replace("}", "}}")),
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
        language_instruction=texts.instruction,
        refusal=texts.refusal,
    )


def rewrite_prompt(question: str, history: Sequence[str]) -> str:
    lines = "\n".join(f"- {turn}" for turn in history)
    return rewrite_template().format(history=lines, question=question)
