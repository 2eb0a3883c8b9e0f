"""Measure Kenes on a gold question set: retrieval ranking, answers, refusals, citations.

    card = evaluate()                                   # corpus/gold.jsonl, default index
    card = evaluate(gold, corpus=Path("passages.jsonl"), retrieval_only=True)
    cards = compare(parse_compare("mode=dense,mode=hybrid"), gold, retrieval_only=True)

Each gold question is run twice over the same index: once as a plain search of
`retrieval_k` passages (scored with recall@1/5/10, MRR@10 and nDCG@10), once through
the full `Assistant.stream` path that `kenes ask` uses (retrieval, generation, citation
checking) for the answer; `retrieval_only` skips the second, and `reader=True` answers
from each question's gold `context` instead (`Assistant.read`). `split="dev"|"test"`
keeps one split; with both present, scorecards show them apart. In a gold file (JSONL)
`answers` and `evidence` are regular expressions, matched case-insensitively; `spans`
are plain answer strings, for exact match and token F1 of `Answer.short_answer`.

Relevance is binary. A passage is relevant to a question when its `origin` is one of
the question's `docs` and one `evidence` pattern matches its original or its cleaned
text; a passage that search shows in place of a folded near-duplicate copy is relevant
when that copy is. recall@k is the share of questions with a relevant passage in the
top k (the usual "top-k accuracy" of QA retrieval); nDCG@10's ideal ranking counts all
relevant passages in the index, and a question whose evidence is nowhere in the index
scores 0 on every retrieval metric.

Modules: `gold` (gold files, matching rules), `metrics` (ranking arithmetic),
`scorecard` (per-question results, aggregated metrics), `corpora` (evaluation indexes),
`runner` (`evaluate`), `comparison` (`compare`), `report` (rows, tables, Markdown) and
`chart` (the comparison PNG).
"""

from qa.evaluation.comparison import compare, parse_compare
from qa.evaluation.gold import GoldQuestion, default_gold, load_gold
from qa.evaluation.report import comparison_table, print_scorecard, write_report
from qa.evaluation.runner import evaluate
from qa.evaluation.scorecard import Scorecard

__all__ = [
    "GoldQuestion",
    "Scorecard",
    "compare",
    "comparison_table",
    "default_gold",
    "evaluate",
    "load_gold",
    "parse_compare",
    "print_scorecard",
    "write_report",
]
