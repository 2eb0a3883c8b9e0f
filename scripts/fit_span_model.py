"""Fit the span ranker (qa/answering/data/span_model.json) on dev questions only.

    python scripts/fit_span_model.py [--kazqad /tmp/kazqad]

The examples are the candidate spans of the sentences Kenes quotes for each dev
question, as `kenes eval` makes them (extractive backend): over a search of the shipped
corpus for the shipped gold set's dev questions that have `spans`, and, with --kazqad,
over each KazQAD dev question's own passage (`--reader`: KazQAD is a reading-comprehension
set). A candidate is right when it equals a gold span after SQuAD's normalisation.

The short answer is shown when its fitted probability reaches `show_from`: 0.5, where a
shown span is as likely right as wrong (the probabilities are Platt-scaled on the dev
questions' best spans; the fit prints how that held on each source). Test parts are
never read.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pairwise import fit_pairwise

import qa.answering.assistant as assistant_module
from qa.answering.assistant import Assistant
from qa.answering.span_ranker import MODEL_FILE, SPAN_FEATURES, SpanModel, span_features
from qa.evaluation.gold import GoldQuestion, context_passage, default_gold, load_gold
from qa.evaluation.metrics import normalize_answer
from qa.retrieval.index import ensure_index
from qa.retrieval.question import Question

SHOW_FROM = 0.5
OUT = Path(__file__).resolve().parents[1] / "qa" / "answering" / "data" / MODEL_FILE


def quotes_of(assistant: Assistant, item: GoldQuestion, reader: bool):
    """The question as Kenes analysed it and the quotes its short answer is read from."""
    seen: list[tuple[Question, list[tuple[int, str]]]] = []
    original = assistant_module.short_answer

    def recording(question, quotes, *args, **kwargs):
        seen.append((question, list(quotes)))
        return original(question, quotes, *args, **kwargs)

    assistant_module.short_answer = recording
    try:
        if reader:
            assistant.read(item.question, [context_passage(item)])
        else:
            assistant.ask(item.question)
    finally:
        assistant_module.short_answer = original
    return seen[0] if seen else None


def examples(assistant: Assistant, questions: Sequence[GoldQuestion], reader: bool):
    """Per question with gold spans and quotes: its candidates' features and labels."""
    for item in questions:
        if not item.spans or item.history:
            continue
        found = quotes_of(assistant, item, reader)
        if found is None:
            continue
        question, quotes = found
        candidates, x = span_features(question, quotes)
        gold = {normalize_answer(s) for s in item.spans}
        y = np.array([normalize_answer(c.text) in gold for c in candidates], dtype=bool)
        yield x, y


def report(model: SpanModel, name: str, rows: list) -> dict:
    """How the fitted ranker does on its own dev questions: the best span right, and
    shown (probability at least show_from) and right."""
    best_right, shown, shown_right = 0, 0, 0
    for x, y in rows:
        p = model.probabilities(x)
        i = int(np.argmax(p))
        best_right += bool(y[i])
        if p[i] >= model.show_from:
            shown += 1
            shown_right += bool(y[i])
    n = len(rows)
    reachable = sum(bool(y.any()) for _, y in rows)
    return {
        "questions": n,
        "gold_span_among_candidates": round(reachable / n, 4),
        "best_span_right": round(best_right / n, 4),
        "shown": round(shown / n, 4),
        "shown_right": round(shown_right / max(shown, 1), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=default_gold())
    parser.add_argument("--kazqad", type=Path, help="folder from scripts/kazqad_to_gold.py")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    assistant = Assistant(index=ensure_index(), llm="extractive")
    sources = {"gold dev": list(examples(assistant, _dev(args.gold), reader=False))}
    if args.kazqad:
        kazqad = _dev(args.kazqad / "gold.jsonl")
        sources["KazQAD dev (reader)"] = list(examples(assistant, kazqad, reader=True))
    mean, scale, weights, bias = fit_pairwise(list(sources.values()), args.c)
    model = SpanModel(mean, scale, weights, bias, show_from=SHOW_FROM)
    reports = {name: report(model, name, rows) for name, rows in sources.items()}
    today = datetime.date.today().isoformat()
    model = replace(model, fitted_on={"date": today, "c": args.c, "sources": reports})
    args.out.write_text(json.dumps(model.to_json(), indent=1, ensure_ascii=False) + "\n")
    for name, weight in sorted(zip(SPAN_FEATURES, weights, strict=True), key=lambda p: -abs(p[1])):
        print(f"{name:22} {weight:+.3f}")
    print(json.dumps(model.fitted_on, indent=1))
    print(f"wrote {args.out}")
    return 0


def _dev(path: Path) -> list[GoldQuestion]:
    return [q for q in load_gold(path) if q.split == "dev"]


if __name__ == "__main__":
    raise SystemExit(main())
