"""The gold evaluation set (corpus/gold.jsonl): well-formed, grounded and broad.

Every line is one question with regular expressions for acceptable answers and for the
passages that hold the evidence. These tests keep the file readable by the tools that
use it, make sure every evidence pattern really points into its documents (original text
or the cleaned Cyrillic form search reads), and pin the coverage so the set cannot
silently shrink.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
GOLD = CORPUS / "gold.jsonl"

FIELDS = {"id", "question", "lang", "type", "answers", "docs", "evidence", "split"}
OPTIONAL = {"spans"}  # the short-answer questions' plain answer strings
LANGS = {"kk", "ru", "en", "kk-latn", "kk-arab"}
TYPES = {
    "factoid", "list", "why", "conflict", "unanswerable", "crosslingual", "script", "followup",
}  # fmt: skip

ARABIC_ORIGIN = "002_333347ecba06a0a0.txt"
TEN_YEAR_ORIGINS = {"000_5d7aaecc78686823.txt", "001_4b84b33dc1f2824a.txt"}
ECONOMY_ORIGIN = "003_6d19eb848c4ad410.txt"
FOREIGN_POLICY_ORIGIN = "004_7d546b0c479a6f92.txt"


def _manifest() -> list[dict]:
    return tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["documents"]


def _rows() -> list[dict]:
    rows = []
    for n, line in enumerate(GOLD.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover - reported by the test
                pytest.fail(f"gold.jsonl line {n} is not JSON: {exc}")
    return rows


ROWS = _rows()
ORIGINS = {entry["origin"]: entry for entry in _manifest()}


@cache
def _texts(origin: str) -> tuple[str, str]:
    """(original text, cleaned Cyrillic matching text) of a corpus document."""
    from qa.text.chunking import matching_text
    from qa.text.cleaning import vocabulary_of

    entries = _manifest()
    vocabulary = vocabulary_of(
        (CORPUS / e["file"]).read_text(encoding="utf-8")
        for e in entries
        if e.get("script", "Cyrl") != "Arab"
    )
    entry = ORIGINS[origin]
    original = (CORPUS / entry["file"]).read_text(encoding="utf-8")
    script = entry.get("script", "Cyrl")
    return original, matching_text(original, script, vocabulary if script != "Arab" else None)


def _ids(row: dict) -> str:
    return row.get("id", "?")


def test_gold_file_has_rows():
    assert len(ROWS) >= 84


@pytest.mark.parametrize("row", ROWS, ids=_ids)
def test_row_is_well_formed(row):
    expected = FIELDS | ({"history"} if row.get("type") == "followup" else set())
    assert expected <= set(row) <= expected | OPTIONAL, f"fields {sorted(set(row) ^ expected)}"
    assert row["split"] in {"dev", "test"}
    if "spans" in row:
        assert isinstance(row["spans"], list) and row["spans"]
        assert all(isinstance(x, str) and x.strip() for x in row["spans"])
    assert isinstance(row["id"], str) and row["id"]
    assert isinstance(row["question"], str) and row["question"].strip()
    assert row["lang"] in LANGS
    assert row["type"] in TYPES
    for key in ("answers", "docs", "evidence"):
        assert isinstance(row[key], list) and all(isinstance(x, str) and x for x in row[key])
    for pattern in row["answers"] + row["evidence"]:
        re.compile(pattern)
    if row["type"] == "unanswerable":
        assert row["answers"] == [] and row["docs"] == [] and row["evidence"] == []
    else:
        assert row["answers"] and row["docs"] and row["evidence"]
    assert all(doc in ORIGINS for doc in row["docs"]), row["docs"]
    assert len(set(row["docs"])) == len(row["docs"])
    if row["type"] == "followup":
        history = row["history"]
        assert isinstance(history, list) and history
        assert all(isinstance(h, str) and h.strip() for h in history)


def test_ids_are_unique():
    counts = Counter(row["id"] for row in ROWS)
    assert not [i for i, n in counts.items() if n > 1]


def test_questions_are_unique():
    counts = Counter((row["question"], tuple(row.get("history", ()))) for row in ROWS)
    assert not [q for q, n in counts.items() if n > 1]


def test_follow_ups_start_from_questions_in_the_set():
    questions = {row["question"] for row in ROWS}
    for row in ROWS:
        if row["type"] == "followup":
            assert all(h in questions for h in row["history"]), row["id"]


@pytest.mark.parametrize("row", [r for r in ROWS if r["evidence"]], ids=_ids)
def test_every_evidence_pattern_is_found_in_its_documents(row):
    for pattern in row["evidence"]:
        found = any(
            re.search(pattern, text, re.IGNORECASE) for doc in row["docs"] for text in _texts(doc)
        )
        assert found, f"{row['id']}: evidence {pattern!r} matches none of {row['docs']}"


@pytest.mark.parametrize("row", [r for r in ROWS if r["docs"]], ids=_ids)
def test_every_listed_document_has_evidence(row):
    """A document listed in `docs` must hold at least one of the evidence patterns."""
    for doc in row["docs"]:
        texts = _texts(doc)
        assert any(re.search(p, t, re.IGNORECASE) for p in row["evidence"] for t in texts), (
            f"{row['id']}: no evidence pattern matches {doc}"
        )


def test_arabic_evidence_comes_in_both_scripts():
    """Evidence for the Arabic-script interview matches its original and its Cyrillic form."""
    original, cyrillic = _texts(ARABIC_ORIGIN)
    for row in ROWS:
        if ARABIC_ORIGIN not in row["docs"]:
            continue
        assert any(re.search(p, original, re.IGNORECASE) for p in row["evidence"]), row["id"]
        assert any(re.search(p, cyrillic, re.IGNORECASE) for p in row["evidence"]), row["id"]


def test_conflicts_require_both_values():
    for row in ROWS:
        if row["type"] == "conflict":
            assert len(row["docs"]) >= 2, row["id"]
            assert all("(?=" in a for a in row["answers"]), row["id"]


def _count(predicate) -> int:
    return sum(1 for row in ROWS if predicate(row))


def test_coverage_of_question_types():
    types = Counter(row["type"] for row in ROWS)
    assert types["factoid"] >= 20
    assert types["list"] >= 8
    assert types["why"] >= 8
    assert types["conflict"] >= 4
    assert types["unanswerable"] >= 10
    assert types["followup"] >= 6
    assert _count(lambda r: r["type"] == "script" and r["lang"] == "kk-latn") >= 6
    assert _count(lambda r: r["type"] == "script" and r["lang"] == "kk-arab") >= 5


def test_coverage_of_languages():
    langs = Counter(row["lang"] for row in ROWS)
    assert langs["ru"] >= 12
    assert langs["en"] >= 10
    assert langs["kk-latn"] >= 6
    assert langs["kk-arab"] >= 5
    assert _count(lambda r: r["lang"] in {"ru", "en"} and r["type"] == "crosslingual") >= 12


def test_coverage_of_documents():
    assert _count(lambda r: r["docs"] == [ARABIC_ORIGIN]) >= 10
    assert _count(lambda r: FOREIGN_POLICY_ORIGIN in r["docs"]) >= 8
    assert _count(lambda r: ECONOMY_ORIGIN in r["docs"]) >= 15
    assert _count(lambda r: TEN_YEAR_ORIGINS & set(r["docs"])) >= 15
    for origin in ORIGINS:
        assert _count(lambda r, o=origin: o in r["docs"]) >= 1, origin


# ------------------------------------------------------------- split and spans
def _split_script():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "split_gold.py"
    spec = importlib.util.spec_from_file_location("split_gold", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_split_is_the_seeded_draw_of_scripts_split_gold():
    """The stored split and spans are exactly what the script draws and derives."""
    assert _split_script().main([str(GOLD), "--check"]) == 0


def test_test_split_is_large_and_covers_every_type_and_language():
    test = [r for r in ROWS if r["split"] == "test"]
    dev = [r for r in ROWS if r["split"] == "dev"]
    assert len(test) >= 40 and len(dev) >= 40
    for key in ("type", "lang"):
        assert {r[key] for r in test} == {r[key] for r in dev} == {r[key] for r in ROWS}, key
    assert any(r["type"] == "unanswerable" for r in test)


def test_split_draw_is_stratified_on_invented_rows():
    """Every type and language lands in both splits, whatever order the rows come in."""
    script = _split_script()
    rows = [
        {"id": f"x{i}", "type": kind, "lang": lang}
        for i, (kind, lang) in enumerate(
            [(k, lang) for k in ("a", "b", "c") for lang in ("kk", "ru", "en") for _ in range(12)]
        )
    ]
    split = script.draw_split(rows)
    assert script.draw_split(list(rows)) == split  # fixed seed: the same draw again
    assert sorted(script.draw_split(rows[::-1])) == sorted(split)  # proportions kept
    for key in ("type", "lang"):
        for value in {r[key] for r in rows}:
            assert {s for r, s in zip(rows, split, strict=True) if r[key] == value} == {
                "dev",
                "test",
            }


@pytest.mark.parametrize("row", [r for r in ROWS if "spans" in r], ids=_ids)
def test_spans_are_answers_found_in_the_documents(row):
    """A span matches one of the row's answer patterns and stands in one of its documents."""
    for span in row["spans"]:
        assert any(re.search(p, span, re.IGNORECASE) for p in row["answers"]), span
        found = any(
            re.search(re.escape(span), text, re.IGNORECASE)
            for doc in row["docs"]
            for text in _texts(doc)
        )
        assert found, f"{row['id']}: span {span!r} is in none of {row['docs']}"
