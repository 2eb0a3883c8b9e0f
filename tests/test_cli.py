"""The `kenes` command line, run in-process: results, and one-line errors for bad input."""

import json

import pytest
from typer.testing import CliRunner

from qa.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def small_index(tmp_path_factory):
    """An index of two small user documents, built through `kenes index`."""
    root = tmp_path_factory.mktemp("cli")
    docs = root / "docs"
    docs.mkdir()
    (docs / "peace.md").write_text(
        "# Бітімгерлік\n\nҚазақстан алғаш рет БҰҰ-ның бітімгерлік миссиясына 2014 жылы "
        "қатысты. Әскери қызметшілер Батыс Сахарадағы MINURSO миссиясында қызмет атқарды.",
        encoding="utf-8",
    )
    (docs / "aid.txt").write_text(
        "Сомалидегі гуманитарлық дағдарыстың салдарын жоюға 350 млн АҚШ доллары жұмылдырылды. "
        "Сириялық босқындарға Қазақстан 200 млн доллар бөлді.",
        encoding="utf-8",
    )
    (docs / "picture.png").write_bytes(b"\x89PNG")
    index = root / "index"
    result = runner.invoke(app, ["index", str(docs), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "Skipped" in result.output and "picture.png" in result.output
    assert "2 documents" in result.output
    return index


def test_search_json(small_index):
    result = runner.invoke(
        app, ["search", "Somalige qansha aqsha jinaldy?", "--index", str(small_index), "--json"]
    )
    assert result.exit_code == 0, result.output
    passages = json.loads(result.output[result.output.index("[") :])
    assert passages[0]["origin"] == "aid.txt"
    assert {"id", "doc_id", "title", "text", "original", "start", "end", "score"} <= set(
        passages[0]
    )


def test_ask_json_extractive(small_index):
    result = runner.invoke(
        app,
        [
            "ask",
            "MINURSO миссиясы қайда?",
            "--llm",
            "extractive",
            "--index",
            str(small_index),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output[result.output.index("{") :])
    assert "Сахара" in answer["text"]
    assert answer["citations"][0]["origin"] == "peace.md"
    assert answer["backend"] == "extractive"


def test_empty_question_is_a_clear_error(small_index):
    result = runner.invoke(app, ["ask", "  ", "--llm", "extractive", "--index", str(small_index)])
    assert result.exit_code == 1
    assert "Error:" in result.output and "empty" in result.output
    assert "Traceback" not in result.output


def test_empty_question_is_refused_before_any_index_or_model_opens(tmp_path, monkeypatch):
    from ollama_double import down_url

    monkeypatch.setenv("OLLAMA_HOST", down_url())  # opening the backend would fail
    missing = tmp_path / "no-index-here"
    result = runner.invoke(app, ["ask", "?", "--llm", "ollama", "--index", str(missing)])
    assert result.exit_code == 1
    assert "empty" in result.output and "Ollama" not in result.output
    assert not missing.exists()  # no index was built for a question that cannot be asked


def test_ollama_down_is_a_clear_error(small_index, monkeypatch):
    from ollama_double import down_url

    monkeypatch.setenv("OLLAMA_HOST", down_url())
    result = runner.invoke(
        app, ["ask", "UNIFIL?", "--llm", "ollama:qwen2.5:3b", "--index", str(small_index)]
    )
    assert result.exit_code == 1
    assert "ollama serve" in result.output
    assert "Traceback" not in result.output


def test_translit_reads_stdin():
    result = runner.invoke(app, ["translit", "--to", "cyrl"], input="قازاقستان")
    assert result.exit_code == 0
    assert result.output.strip() == "Қазақстан"


def test_bad_translit_target():
    result = runner.invoke(app, ["translit", "--to", "greek"], input="x")
    assert result.exit_code == 2
    assert "Error:" in result.output


def test_nothing_to_index(tmp_path):
    result = runner.invoke(
        app, ["index", str(tmp_path / "missing"), "--index", str(tmp_path / "i")]
    )
    assert result.exit_code == 2
    assert "no such file or folder" in result.output
    assert "no readable documents" in result.output


def test_damaged_index_is_explained(small_index, tmp_path):
    import shutil

    copy = tmp_path / "index"
    shutil.copytree(small_index, copy)
    generation = copy / (copy / "CURRENT").read_text().strip()
    (generation / "dense.faiss").write_bytes(b"garbage")
    result = runner.invoke(app, ["search", "UNIFIL", "--index", str(copy)])
    assert result.exit_code == 1
    assert "damaged" in result.output and "kenes index" in result.output


def test_ask_says_why_the_answer_differs_from_what_streamed(
    small_index, ollama_double, monkeypatch
):
    from ollama_double import TRANSLATIONS, WRONG_LANGUAGE_REPLIES

    from qa.answering.assistant import WRONG_LANGUAGE_NOTICE

    monkeypatch.setenv("OLLAMA_HOST", ollama_double.url)
    ollama_double.replies = list(WRONG_LANGUAGE_REPLIES)
    ollama_double.replies_to = dict(TRANSLATIONS)
    question = "How much money was mobilised for the crisis in Somalia?"
    result = runner.invoke(
        app, ["ask", question, "--llm", "ollama:qwen2.5:3b", "--index", str(small_index)]
    )
    assert result.exit_code == 0, result.output
    streamed, checked = result.output.split("checked answer")
    assert "жұмылдырды" in streamed and WRONG_LANGUAGE_NOTICE in streamed
    assert "350 million" in checked
