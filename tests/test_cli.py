"""The `kenes` command line, run in-process: results, and one-line errors for bad input."""

import json

import pytest
from typer.testing import CliRunner

from qa.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def small_index(tmp_path_factory, corpus_index):
    """The shipped corpus (collection "oic") and two small user documents (collection
    "docs"), added through `kenes index PATH` (the form before `kenes index add`). The
    corpus's vectors come from the session index, so only the two documents embed."""
    import shutil

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
    shutil.copytree(corpus_index.folder, index)
    result = runner.invoke(app, ["index", str(docs), "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert "Skipped" in result.output and "picture.png" in result.output
    assert "Collection 'docs': 2 documents" in result.output
    assert "7 documents" in result.output  # the shipped corpus is kept beside them
    return index


def test_search_json(small_index):
    question = "Somalige qansha aqsha jinaldy?"
    result = runner.invoke(
        app, ["search", question, "--index", str(small_index), "--json", "-c", "docs"]
    )
    assert result.exit_code == 0, result.output
    passages = json.loads(result.output[result.output.index("[") :])
    assert passages[0]["origin"] == "aid.txt"
    assert {p["collection"] for p in passages} == {"docs"}
    result = runner.invoke(app, ["search", question, "--index", str(small_index), "--json"])
    everywhere = json.loads(result.output[result.output.index("[") :])
    assert {p["collection"] for p in everywhere} == {"docs", "oic"}
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
            "--collection",
            "docs",
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
        app,
        ["ask", question, "--llm", "ollama:qwen2.5:3b", "--index", str(small_index), "-c", "docs"],
    )
    assert result.exit_code == 0, result.output
    streamed, checked = result.output.split("checked answer")
    assert "жұмылдырды" in streamed and WRONG_LANGUAGE_NOTICE in streamed
    assert "350 million" in checked


# ------------------------------------------------------------ collections
def test_index_list_shows_collections_titles_and_missing_sources(small_index, tmp_path):
    import shutil

    result = runner.invoke(app, ["index", "list", "--index", str(small_index), "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output[result.output.index("[") :])}
    assert set(rows) == {"oic", "docs"}
    titles = {d["title"] for d in rows["oic"]["documents"]}
    assert "Асқар Мусинов: Қазақстанның ИЫҰ-дағы рөлі (сұхбат)" in titles
    assert all(d["passages"] > 0 and not d["missing"] for d in rows["docs"]["documents"])

    copy = tmp_path / "index"
    shutil.copytree(small_index, copy)
    manifest_path = copy / (copy / "CURRENT").read_text().strip() / "documents.jsonl"
    documents = [json.loads(line) for line in manifest_path.read_text().splitlines()]
    moved = next(d for d in documents if d["origin"] == "aid.txt")["path"]
    backup = tmp_path / "aid.txt"
    shutil.move(moved, backup)  # the source moves away after indexing
    try:
        result = runner.invoke(app, ["index", "list", "--index", str(copy)])
        assert result.exit_code == 0, result.output
        assert "missing:" in result.output and "aid.txt" in result.output
        assert "oic" in result.output and "Бітімгерлік" in result.output
        search = runner.invoke(app, ["search", "Сомали", "--index", str(copy), "-c", "docs"])
        assert search.exit_code == 0, search.output  # before: "nothing to index", exit 2
        assert "still searched" in search.output and "350" in search.output
    finally:
        shutil.move(backup, moved)


def test_index_add_exits_non_zero_for_a_path_not_indexed(small_index, tmp_path):
    import shutil

    copy = tmp_path / "index"
    shutil.copytree(small_index, copy)
    good = tmp_path / "good.txt"
    good.write_text("UNDOF миссиясы 2024 жылы басталды.", encoding="utf-8")
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"this is no Word file")
    missing = tmp_path / "missing.txt"
    result = runner.invoke(
        app,
        ["index", "add", str(good), str(missing), str(broken), "-c", "notes", "--index", str(copy)],
    )
    assert result.exit_code == 2, result.output
    assert "no such file or folder" in result.output
    assert "not a valid .docx" in result.output and "Package not found" not in result.output
    assert "not indexed" in result.output and "Traceback" not in result.output
    listed = runner.invoke(app, ["index", "list", "--index", str(copy), "--json"])
    rows = {r["name"]: r for r in json.loads(listed.output[listed.output.index("[") :])}
    assert [d["file"] for d in rows["notes"]["documents"]] == [str(good)]
    assert set(rows) == {"oic", "docs", "notes"}


def test_index_remove_a_document(small_index, tmp_path):
    import shutil

    copy = tmp_path / "index"
    shutil.copytree(small_index, copy)
    result = runner.invoke(app, ["index", "remove", "aid.txt", "--index", str(copy)])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["index", "list", "--index", str(copy), "--json"])
    rows = {r["name"]: r for r in json.loads(listed.output[listed.output.index("[") :])}
    assert [d["title"] for d in rows["docs"]["documents"]] == ["Бітімгерлік"]
    result = runner.invoke(app, ["index", "remove", "nothing-like-it", "--index", str(copy)])
    assert result.exit_code == 2 and "no collection or document" in result.output


def test_index_fails_fast_on_an_unwritable_folder(tmp_path):
    # Tests run as root, where chmod stops nothing: a folder under a file is unwritable
    # for root too.
    (tmp_path / "a-file").write_text("x")
    folder = tmp_path / "a-file" / "index"
    result = runner.invoke(app, ["index", "--index", str(folder)])
    assert result.exit_code == 1
    assert f"Cannot write the index folder {folder}" in result.output
    assert "Traceback" not in result.output and "embedding" not in result.output


def test_a_second_index_run_fails_with_one_line_naming_the_folder(tmp_path, monkeypatch):
    import subprocess
    import sys

    folder = tmp_path / "index"
    folder.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from filelock import FileLock; "
            f"lock = FileLock({str(folder / '.lock')!r}); lock.acquire(); "
            "print('locked', flush=True); "
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("KENES_INDEX_LOCK_TIMEOUT", "0.2")
        result = runner.invoke(app, ["index", "--index", str(folder)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if "Error:" in line]
    assert len(errors) == 1 and str(folder) in errors[0] and "Another Kenes run" in errors[0]


def test_search_refuses_an_index_of_a_newer_format(small_index, tmp_path):
    import shutil

    from qa.retrieval.index import FORMAT_VERSION

    copy = tmp_path / "index"
    shutil.copytree(small_index, copy)
    manifest_path = copy / (copy / "CURRENT").read_text().strip() / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    manifest_path.write_text(json.dumps(manifest))
    result = runner.invoke(app, ["search", "UNIFIL", "--index", str(copy)])
    assert result.exit_code == 1
    assert "newer Kenes" in result.output and "Upgrade Kenes" in result.output
    assert json.loads(manifest_path.read_text())["format_version"] == FORMAT_VERSION + 1


# --------------------------------------------------------------- the CLI
def test_ask_prints_a_quoted_answer_once_numbered_as_its_sources(small_index):
    question = "MINURSO миссиясы қайда?"
    result = runner.invoke(
        app, ["ask", question, "--llm", "extractive", "--index", str(small_index), "-c", "docs"]
    )
    assert result.exit_code == 0, result.output
    assert "checked answer" not in result.output  # what streamed is what was checked
    assert result.output.count("Батыс Сахарадағы MINURSO миссиясында") == 2  # answer, quote
    answer, sources = result.output.split("sources", 1)
    import re

    shown = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    listed = [int(n) for n in re.findall(r"^\[(\d+)\]", sources, re.MULTILINE)]
    assert listed == list(range(1, len(listed) + 1))  # numbered as shown, from 1
    assert shown == set(listed)
    assert "Бітімгерлік" in sources  # the title names the source


def test_renumber_marks_in_order_of_appearance():
    from qa.cli import renumber_marks

    numbers: dict[int, int] = {}
    assert renumber_marks("A [3]. B [1, 3]. C [3]", numbers) == "A [1]. B [2, 1]. C [1]"
    assert numbers == {3: 1, 1: 2}


def test_piped_output_is_not_wrapped(small_index):
    result = runner.invoke(
        app,
        [
            "ask",
            "Сомалиге қанша көмек жиналды?",
            "--llm",
            "extractive",
            "--index",
            str(small_index),
            "-c",
            "docs",
        ],
    )
    assert result.exit_code == 0, result.output
    sentence = "Сомалидегі гуманитарлық дағдарыстың салдарын жоюға 350 млн АҚШ доллары"
    assert any(sentence in line and len(line) > 80 for line in result.output.splitlines())


def test_help_and_version():
    from importlib.metadata import version

    assert runner.invoke(app, ["-h"]).exit_code == 0
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"kenes {version('kenes')}"
    result = runner.invoke(app, ["ask", "-h"])
    assert result.exit_code == 0
    assert "<bool>" not in result.output and "{question}" not in result.output
    assert "QUESTION" in result.output and "hybrid|dense|bm25" in result.output
    assert runner.invoke(app, ["index", "add", "-h"]).exit_code == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["ask", "ИЫҰ?", "--mode", "weird"], "weird"),
        (["ask", "ИЫҰ?", "-k", "0"], "-k"),
        (["ask", "ИЫҰ?", "-k", "-3"], "-k"),
        (["ask", "ИЫҰ?", "--llm", "gpt"], "not a language model"),
        (["ask", "ИЫҰ?", "--compose", "poem"], "poem"),
        (["search", "ИЫҰ", "-k", "0"], "-k"),
        (["search", "ИЫҰ", "--mode", "fuzzy"], "fuzzy"),
        (["index", "--faiss", "annoy"], "annoy"),
    ],
)
def test_bad_options_fail_before_anything_loads(arguments, message, monkeypatch, tmp_path):
    import qa.retrieval.index

    def no_index(*args, **kwargs):
        raise AssertionError("the index (and its model) was opened")

    monkeypatch.setattr(qa.retrieval.index, "ensure_index", no_index)
    monkeypatch.setattr(qa.retrieval.index.Index, "build", no_index)
    result = runner.invoke(app, [*arguments, "--index", str(tmp_path / "i")])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "i").exists()


def test_plain_index_updates_every_collection_and_embeds_nothing_new(small_index, tmp_path):
    import shutil

    copy = tmp_path / "index"
    shutil.copytree(small_index, copy)
    result = runner.invoke(app, ["index", "--index", str(copy)])
    assert result.exit_code == 0, result.output
    assert "7 documents" in result.output  # before: the shipped corpus only (5)
    assert "(0 passages embedded" in result.output


def test_ask_opens_with_the_short_answer_and_json_carries_it(small_index):
    question = "Қазақстан бітімгерлік миссиясына алғаш рет қай жылы қатысты?"
    args = ["ask", question, "--llm", "extractive", "--index", str(small_index), "-c", "docs"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines[0] == "2014 жылы [1]"  # the year first, then the quote it comes from
    assert "2014 жылы қатысты" in lines[1]
    as_json = runner.invoke(app, [*args, "--json"])
    assert json.loads(as_json.stdout)["short_answer"] == "2014 жылы [1]"


def test_a_question_in_a_language_kenes_does_not_read_is_refused_before_loading():
    result = runner.invoke(app, ["ask", "哈萨克斯坦什么时候加入的？", "--index", "/nonexistent"])
    assert result.exit_code == 1
    assert "Kazakh (Cyrillic, Latin or Arabic script), Russian or English" in result.output


def test_index_verify_checks_every_file(small_index, tmp_path):
    import shutil

    copy = tmp_path / "index"
    shutil.copytree(small_index, copy)
    result = runner.invoke(app, ["index", "verify", "--index", str(copy)])
    assert result.exit_code == 0 and "intact" in result.output
    generation = copy / (copy / "CURRENT").read_text().strip()
    (generation / "vectors.npy").write_bytes(b"garbage")
    result = runner.invoke(app, ["index", "verify", "--index", str(copy)])
    assert result.exit_code == 1 and "vectors.npy" in result.output
