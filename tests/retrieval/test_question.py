"""The question, analysed once: language, script, Cyrillic form, stems, glossary concepts."""

from __future__ import annotations

import dataclasses

import pytest

from qa.retrieval.question import UNREAD_LANGUAGE, QuestionError, analyse_question


@pytest.mark.parametrize(
    ("text", "variant", "language", "script"),
    [
        ("Мектеп қай жылы салынды?", "kk", "kk", "Cyrl"),
        ("Mektep qai jyly salyndy?", "kk-latn", "kk", "Latn"),
        ("مەكتەپ قاي جىلى سالىندى؟", "kk-arab", "kk", "Arab"),
        ("Когда построили школу?", "ru", "ru", "Cyrl"),
        ("When was the school built?", "en", "en", "Latn"),
    ],
)
def test_one_analysis_gives_language_script_and_the_text_to_match(text, variant, language, script):
    question = analyse_question(text)
    assert (question.variant, question.language, question.script) == (variant, language, script)
    if language == "kk":
        assert question.match_text == question.cyrillic
        assert question.cyrillic.lower().startswith("мектеп")
    else:
        assert question.match_text == text
    assert question.tokens  # stems, read once and kept


def test_a_russian_question_s_stems_are_russian_stems():
    # Snowball's Russian stem of "построили", harmony-folded like every stem.
    assert "постро" in analyse_question("Когда построили школы?").tokens
    assert "постро" not in analyse_question("Мектеп построили ме?").tokens


def test_the_analysis_is_frozen():
    question = analyse_question("Мектеп қай жылы салынды?")
    with pytest.raises(dataclasses.FrozenInstanceError):
        question.text = "басқа"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["哈萨克斯坦什么时候加入的？", "Πότε ιδρύθηκε το σχολείο;"])
def test_a_language_kenes_does_not_read_is_refused_with_the_languages_it_reads(text):
    with pytest.raises(QuestionError) as refused:
        analyse_question(text)
    assert str(refused.value) == UNREAD_LANGUAGE
    assert "Russian or English" in UNREAD_LANGUAGE


@pytest.mark.parametrize("text", ["", "   ", "???", "…"])
def test_an_empty_question_is_refused(text):
    with pytest.raises(QuestionError):
        analyse_question(text)
