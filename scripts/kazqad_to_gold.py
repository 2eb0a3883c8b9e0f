"""Convert the KazQAD reading-comprehension split into a Kenes evaluation set.

    python scripts/kazqad_to_gold.py [INPUT.jsonl] [--out /tmp/kazqad]

writes, outside the repository (the benchmark data must not enter it):

* passages.jsonl: the distinct contexts, `{"id", "title", "text"}`; the id is a stable
  hash of the context, so `kenes eval --corpus passages.jsonl` gives each passage the
  origin the gold rows point at;
* gold.jsonl: one question a line in the corpus/gold.jsonl format (`type` factoid,
  `lang` kk, `answers` = the escaped gold spans, `docs` = [passage id], `evidence` =
  the spans, or for a short span the words around it in its sentence), with `spans`
  (the gold answer strings as given, for exact match and token F1), `context` (the
  passage text, for `kenes eval --reader`) and `split`: `dev` or `test`, fixed by a
  hash of the passage id (about half each; every question on one passage in the same
  split, so no test passage is seen in dev).

Then: kenes eval --corpus /tmp/kazqad/passages.jsonl --gold /tmp/kazqad/gold.jsonl \
  --llm extractive --split test [--reader]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

DEFAULT_INPUT = Path(
    "/work/shared/benchmarks/kazqad/kazqad-reading-comprehension-v1.0-kk-validation.jsonl"
)
DEFAULT_OUT = Path("/tmp/kazqad")
SHORT_ANSWER = 4  # characters; shorter spans ("5", "ХІХ") get their neighbours as evidence
SNIPPET_WORDS = 3  # words kept on each side of a short span


def passage_id(context: str) -> str:
    """A stable id for a context: the same text always gets the same id."""
    return "kazqad-" + hashlib.sha1(context.encode("utf-8")).hexdigest()[:12]


def split_of(pid: str) -> str:
    """`dev` or `test` for a passage id: a fixed rule, about half each."""
    return "test" if hashlib.sha1(f"split:{pid}".encode()).digest()[0] % 2 else "dev"


def flexible(text: str) -> str:
    """`text` as an escaped regex whose spaces match any run of whitespace."""
    return r"\s+".join(re.escape(word) for word in text.split())


def _answers(row: dict[str, Any]) -> list[tuple[str, int | None]]:
    answers = row.get("answers") or {}
    texts = answers.get("text") or []
    starts = answers.get("answer_start") or [None] * len(texts)
    seen: dict[str, int | None] = {}
    for text, start in zip(texts, starts, strict=False):
        if str(text).strip() and str(text).strip() not in seen:
            seen[str(text).strip()] = start
    return list(seen.items())


def snippet(context: str, answer: str, start: int | None) -> str:
    """The answer with up to SNIPPET_WORDS words either side, within its sentence."""
    if start is None or context[start : start + len(answer)] != answer:
        start = context.find(answer)
    if start < 0:
        return answer
    end = start + len(answer)
    left = re.split(r"[.!?]\s", context[:start])[-1].split()[-SNIPPET_WORDS:]
    right = re.split(r"[.!?](?:\s|$)", context[end:])[0].split()[:SNIPPET_WORDS]
    before = " ".join(left) + (" " if left and context[start - 1 : start].isspace() else "")
    after = (" " if right and context[end : end + 1].isspace() else "") + " ".join(right)
    return f"{before}{answer}{after}".strip()


def answer_patterns(texts: Iterable[str]) -> list[str]:
    """Each span as typed and in the `clean_text` form answers are matched in."""
    try:
        from qa.text.cleaning import clean_text
    except ImportError:  # run outside the project's environment: spans as typed
        clean_text = str.strip  # type: ignore[assignment]
    patterns: list[str] = []
    for text in texts:
        for form in (text, clean_text(text)):
            if form and flexible(form) not in patterns:
                patterns.append(flexible(form))
    return patterns


def evidence_for(context: str, answers: Sequence[tuple[str, int | None]]) -> list[str]:
    """Regexes that find the answer-bearing passage: the span, or the span in context."""
    patterns: list[str] = []
    for text, start in answers:
        pattern = flexible(text if len(text) >= SHORT_ANSWER else snippet(context, text, start))
        if pattern not in patterns:
            patterns.append(pattern)
    return patterns


def convert(rows: Iterable[dict[str, Any]]) -> tuple[list[dict], list[dict], int]:
    """(passages, gold rows, questions skipped for having no answer)."""
    passages: dict[str, dict[str, str]] = {}
    gold: list[dict[str, Any]] = []
    skipped = 0
    for row in rows:
        context = str(row["context"])
        pid = passage_id(context)
        passages.setdefault(pid, {"id": pid, "title": str(row.get("title") or ""), "text": context})
        answers = _answers(row)
        if not answers:
            skipped += 1
            continue
        gold.append(
            {
                "id": str(row["id"]),
                "question": str(row["question"]).strip(),
                "lang": "kk",
                "type": "factoid",
                "answers": answer_patterns(text for text, _ in answers),
                "docs": [pid],
                "evidence": evidence_for(context, answers),
                "split": split_of(pid),
                "spans": [text for text, _ in answers],
                "context": context,
            }
        )
    return list(passages.values()), gold, skipped


def _write(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    if not args.input.is_file():
        print(f"no KazQAD file at {args.input}", file=sys.stderr)
        return 1
    with args.input.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    passages, gold, skipped = convert(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    _write(args.out / "passages.jsonl", passages)
    _write(args.out / "gold.jsonl", gold)
    test = sum(row["split"] == "test" for row in gold)
    print(
        f"{len(rows)} questions read: {len(gold)} gold questions ({len(gold) - test} dev, "
        f"{test} test), {len(passages)} distinct passages, {skipped} skipped (no answer) → "
        f"{args.out}/passages.jsonl, {args.out}/gold.jsonl"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
