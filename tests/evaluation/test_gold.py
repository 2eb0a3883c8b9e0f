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

FIELDS = {"id", "question", "lang", "type", "answers", "docs", "evidence"}
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
    assert set(row) == expected, f"fields {sorted(set(row) ^ expected)}"
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
