"""Fit the evidence ranker (qa/answering/data/evidence_model.json) on dev questions only.

    python scripts/fit_evidence_model.py [--kazqad /tmp/kazqad] [--k 6]

The examples are the candidate sentences of each dev question, as Kenes sees them: the
top `k` passages of a hybrid search, split into sentences. A sentence is a positive when
its passage is one of the question's documents and it holds one of the question's gold
`evidence` patterns. Two sources, weighted equally: the shipped gold set's dev part
(corpus/gold.jsonl, every language and script) and, with --kazqad, KazQAD's dev part
(the folder `scripts/kazqad_to_gold.py` writes: general Kazakh Wikipedia text).

The decline threshold is the highest one at which at most 2% of the answerable dev
questions whose evidence was among the candidates would be declined, in each source.
Test parts are never read.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pairwise import fit_pairwise

from qa.answering.answerable import (
    ANSWERABILITY_FEATURES,
    answer_checks,
    answerability_values,
)
from qa.answering.evidence import Scorer, quoted_sentences, select_evidence
from qa.answering.evidence_ranker import (
    FEATURES,
    MODEL_FILE,
    EvidenceModel,
    EvidenceRanker,
    features,
)
from qa.evaluation.corpora import open_corpus_index
from qa.evaluation.gold import GoldQuestion, _pattern, default_gold, load_gold
from qa.retrieval.index import Index, ensure_index
from qa.retrieval.question import analyse_question
from qa.text.units import passage_sentences

MAX_DECLINED = 0.02  # of the answerable dev questions whose evidence was found (issue 18)
OUT = Path(__file__).resolve().parents[1] / "qa" / "answering" / "data" / MODEL_FILE


def examples(index: Index, scorer: Scorer, questions: list[GoldQuestion], k: int):
    """Per question: its candidates' features, labels, and whether it is answerable."""
    for item in questions:
        if item.history:  # a follow-up is asked in its stand-alone form, made by a model
            continue
        asked = analyse_question(item.question)
        passages = index.search(asked, k=k)
        sentences = passage_sentences(passages)
        x = features(scorer, asked, sentences, [p.title for p in passages])
        y = np.array([_holds_evidence(passages[s.passage], s.text, item) for s in sentences])
        withheld = []
        if y.any():  # the same question over on-topic passages that do not answer it
            more = index.search(asked, k=2 * k)
            withheld = [p for p in more if not _passage_holds_evidence(p, item)][:k]
        yield x, y, item.answerable, asked, passages, withheld


def _passage_holds_evidence(passage, item: GoldQuestion) -> bool:
    return any(_holds_evidence(passage, text, item) for text in (passage.text, passage.original))


def _holds_evidence(passage, text: str, item: GoldQuestion) -> bool:
    origins = {passage.origin}
    return bool(origins & set(item.docs)) and any(_pattern(p).search(text) for p in item.evidence)


def collect(name: str, index: Index, questions: list[GoldQuestion], k: int) -> dict:
    scorer = Scorer(index.embedder, index.common_terms(), index.sentence_vectors)
    found = list(examples(index, scorer, questions, k))
    print(f"{name}: {len(found)} dev questions", file=sys.stderr)
    return {
        "name": name,
        "rows": [(x, y, answerable) for x, y, answerable, *_ in found],
        "questions": [(asked, passages) for _, _, _, asked, passages, _ in found],
        "withheld": [(asked, withheld) for *_, asked, _, withheld in found if withheld],
        "scorer": scorer,
    }


def fit(sources: list[dict], c: float) -> EvidenceModel:
    """The sentence ranker: pairs within each question, Platt-scaled (scripts/pairwise.py)."""
    mean, scale, weights, bias = fit_pairwise(
        [[(x, y) for x, y, _ in source["rows"]] for source in sources], c
    )
    return EvidenceModel(mean=mean, scale=scale, weights=weights, bias=bias)


def top1(model: EvidenceModel, sources: list[dict]) -> dict[str, float]:
    """Per source, the share of questions with evidence found whose best candidate holds it."""
    out = {}
    for source in sources:
        hits = [
            bool(y[int(np.argmax(model.probabilities(x)))]) for x, y, _ in source["rows"] if y.any()
        ]
        out[source["name"]] = round(sum(hits) / len(hits), 4)
    return out


def answerability_rows(model: EvidenceModel, source: dict) -> tuple[np.ndarray, np.ndarray]:
    """The answerability inputs of each question over its candidates, labelled by whether
    its evidence was found among them (an answerable question whose candidates hold the
    gold evidence); and, as negatives, each question whose evidence was found asked again
    over the next on-topic passages without it (SQuAD 2.0's unanswerable questions are
    made alike: on the topic, not answered; Rajpurkar et al. 2018),."""
    own = EvidenceRanker(source["scorer"], model)
    labelled = [
        ((asked, passages, own), bool(answerable and y.any()))
        for (_, y, answerable), (asked, passages) in zip(
            source["rows"], source["questions"], strict=True
        )
    ]
    labelled += [((asked, passages, own), False) for asked, passages in source["withheld"]]
    xs, ys = [], []
    for (asked, passages, ranker), label in labelled:
        evidence = select_evidence(ranker, asked, passages)
        if not evidence.chosen:
            continue
        quoted = quoted_sentences(asked.match_text, evidence)
        checks = answer_checks(asked.match_text, quoted, asked.language)
        values = answerability_values(asked, evidence, checks)
        xs.append([values[name] for name in ANSWERABILITY_FEATURES])
        ys.append(label)
    return np.array(xs), np.array(ys)


def fit_answerability(
    model: EvidenceModel, sources: list[dict], c: float
) -> tuple[EvidenceModel, dict]:
    """The answerability regression (each source weighted equally), and its threshold:
    the highest at which at most MAX_DECLINED of the questions whose evidence was found
    would be declined, in each source."""
    data = [(source["name"], *answerability_rows(model, source)) for source in sources]
    x = np.vstack([x for _, x, _ in data])
    y = np.concatenate([y for _, _, y in data])
    w = np.concatenate([np.full(len(y), 1.0 / len(y)) for _, _, y in data])
    regression = LogisticRegression(C=c, max_iter=5000)
    regression.fit(x, y, sample_weight=w * len(w))
    fitted = EvidenceModel(
        model.mean, model.scale, model.weights, model.bias,
        answerability_features=ANSWERABILITY_FEATURES,
        answerability_weights=regression.coef_[0],
        answerability_bias=float(regression.intercept_[0]),
    )  # fmt: skip
    thresholds, report = [], {}
    for name, xs, ys in data:
        scores = np.array(
            [
                fitted.answerability(dict(zip(ANSWERABILITY_FEATURES, row, strict=True)))
                for row in xs
            ]
        )
        found = np.sort(scores[ys])
        thresholds.append(found[int(MAX_DECLINED * len(found))] if len(found) else 1.0)
        report[name] = {"scores": scores, "found": ys}
    threshold = float(min(thresholds))
    summary = {
        name: {
            "questions_with_evidence_found": int(r["found"].sum()),
            "found_declined": int((r["scores"][r["found"]] < threshold).sum()),
            "not_found": int((~r["found"]).sum()),
            "not_found_declined": int((r["scores"][~r["found"]] < threshold).sum()),
        }
        for name, r in report.items()
    }
    return replace(fitted, decline_below=threshold), summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=default_gold())
    parser.add_argument("--kazqad", type=Path, help="folder from scripts/kazqad_to_gold.py")
    parser.add_argument("--k", type=int, default=6, help="passages searched per question")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    with contextlib.ExitStack() as stack:
        dev = [q for q in load_gold(args.gold) if q.split == "dev"]
        sources = [collect("gold dev", ensure_index(), dev, args.k)]
        if args.kazqad:
            index = open_corpus_index(args.kazqad / "passages.jsonl", stack)
            kazqad = [q for q in load_gold(args.kazqad / "gold.jsonl") if q.split == "dev"]
            sources.append(collect("KazQAD dev", index, kazqad, args.k))
    model = fit(sources, args.c)
    fitted, report = fit_answerability(model, sources, args.c)
    for name, share in top1(model, sources).items():
        report[name]["best_candidate_holds_evidence"] = share
    fitted = replace(
        fitted,
        fitted_on={
            "date": datetime.date.today().isoformat(),
            "k": args.k,
            "c": args.c,
            "sources": report,
        },
    )
    args.out.write_text(json.dumps(fitted.to_json(), indent=1, ensure_ascii=False) + "\n")
    for name, weight in sorted(zip(FEATURES, model.weights, strict=True), key=lambda p: -abs(p[1])):
        print(f"{name:26} {weight:+.3f}")
    print(json.dumps(fitted.to_json()["fitted_on"], indent=1))
    for name, weight in zip(ANSWERABILITY_FEATURES, fitted.answerability_weights, strict=True):
        print(f"answerability {name:14} {weight:+.3f}")
    print(f"decline below {fitted.decline_below:.4f}; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
