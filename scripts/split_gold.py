"""Mark the shipped gold questions with `split` (dev or test) and `spans`, reproducibly.

    python scripts/split_gold.py [GOLD.jsonl] [--check]

`split`: a stratified draw with a fixed seed. Within each question type, the questions
are ordered by language, then at random (seeded per type), and every TEST_SHARE-th
question is taken for test, from a seeded random start (systematic sampling). Each type
and each language therefore appears in both splits, in about the same proportions; the
script stops with an error if a draw ever leaves a type or a language out of a split.

`spans`: the plain answer strings of the short-answer questions (types factoid,
crosslingual, script, followup), for exact match and token F1 (`kenes eval`). They are
taken from the row's own `answers` patterns, never written anew: in a pattern that is
a plain `|` of literal strings (once `\\b` is dropped), each alternative that is a number
or a capitalised name (a year, a count, a person, a place) and stands at the start of a
word in one of the row's documents. Lists, reasons and conflicts get none.

Only `split` and `spans` are written; every other field stays as it is. `--check` writes
nothing and fails if the file differs from what the script would write.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "corpus" / "gold.jsonl"
SEED = 20261204
TEST_SHARE = 0.4
MIN_TEST = 40
SPAN_TYPES = {"factoid", "crosslingual", "script", "followup"}
_REGEX_SYNTAX = re.compile(r"[\\\[\](){}?*+.^$|]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def draw_split(rows: Sequence[dict[str, Any]]) -> list[str]:
    """`dev` or `test` for each row (see the module docstring)."""
    by_type: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_type[row.get("type", "factoid")].append(i)
    split = ["dev"] * len(rows)
    for kind in sorted(by_type):
        rng = random.Random(f"{SEED}:{kind}")
        order = sorted(by_type[kind], key=lambda i: (rows[i].get("lang", "kk"), rng.random()))
        start = rng.random()
        for position, i in enumerate(order):
            if math.floor((position + 1) * TEST_SHARE + start) > math.floor(
                position * TEST_SHARE + start
            ):
                split[i] = "test"
    _check_split(rows, split)
    return split


def _check_split(rows: Sequence[dict[str, Any]], split: Sequence[str]) -> None:
    if split.count("test") < MIN_TEST:
        raise SystemExit(f"only {split.count('test')} test questions: at least {MIN_TEST}")
    for key, default in (("type", "factoid"), ("lang", "kk")):
        for value in {row.get(key, default) for row in rows}:
            sides = {
                s for row, s in zip(rows, split, strict=True) if row.get(key, default) == value
            }
            if sides != {"dev", "test"}:
                raise SystemExit(f"{key} {value!r} is only in {sides}: change SEED or TEST_SHARE")


@cache
def _document_texts() -> dict[str, tuple[str, str]]:
    """origin → (original text, cleaned Cyrillic text) of the shipped documents."""
    sys.path.insert(0, str(REPO))
    from qa.retrieval.corpus import load_manifest_corpus
    from qa.text.chunking import matching_text

    documents = load_manifest_corpus().documents
    return {d.origin: (d.text, matching_text(d.text, d.script)) for d in documents}


def _alternatives(pattern: str) -> list[str]:
    """The alternatives of a pattern that is a plain `|` of literal strings (`\\b` aside);
    none for any other pattern."""
    alternatives = [alt.replace(r"\b", "").strip() for alt in pattern.split("|")]
    if any(not alt or _REGEX_SYNTAX.search(alt) for alt in alternatives):
        return []
    return alternatives


def spans_of(row: dict[str, Any]) -> list[str]:
    """The literal short answers of a row (see the module docstring)."""
    if row.get("type", "factoid") not in SPAN_TYPES:
        return []
    texts = [t for doc in row.get("docs", []) for t in _document_texts().get(doc, ())]
    spans: list[str] = []
    for pattern in row.get("answers", []):
        for alt in _alternatives(pattern):
            if not (_NUMBER.fullmatch(alt) or alt[0].isupper()):
                continue
            tail = r"(?!\d)" if alt[-1].isdigit() else ""
            found = re.compile(rf"(?<!\w){re.escape(alt)}{tail}", re.IGNORECASE)
            if any(found.search(text) for text in texts) and alt not in spans:
                spans.append(alt)
    return spans


def marked(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with `split` and `spans` set (spans left out when there are none)."""
    out = []
    for row, split in zip(rows, draw_split(rows), strict=True):
        new = {k: v for k, v in row.items() if k not in ("split", "spans")}
        new["split"] = split
        spans = spans_of(row)
        if spans:
            new["spans"] = spans
        out.append(new)
    return out


def _dump(rows: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="?", type=Path, default=GOLD)
    parser.add_argument("--check", action="store_true", help="fail if the file is not marked")
    args = parser.parse_args(argv)
    text = args.gold.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    new = _dump(marked(rows))
    if args.check:
        if new != text:
            print(f"{args.gold} is not marked as this script marks it", file=sys.stderr)
            return 1
        return 0
    args.gold.write_text(new, encoding="utf-8")
    rows = [json.loads(line) for line in new.splitlines()]
    test = sum(row["split"] == "test" for row in rows)
    with_spans = sum("spans" in row for row in rows)
    print(f"{len(rows)} questions: {len(rows) - test} dev, {test} test; {with_spans} with spans")
    return 0


if __name__ == "__main__":
    sys.exit(main())
