"""The evaluation harness: metric arithmetic, result rows, reports, corpora, the CLI.

Metric functions are checked on hand-made rankings with exact values; the harness runs
end to end with the extractive backend over the shipped-corpus index, on a passages
JSONL written here, and the KazQAD converter on a three-line sample (never the real
benchmark data).
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from qa.evaluation.comparison import compare, parse_compare
from qa.evaluation.corpora import eval_cache_dir
from qa.evaluation.gold import GoldQuestion, answer_matches, load_gold
from qa.evaluation.metrics import (
    exact_match,
    mrr_at_k,
    ndcg_at_k,
    normalize_answer,
    percentile,
    recall_at_k,
    token_f1,
)
from qa.evaluation.runner import evaluate
from qa.evaluation.scorecard import Metrics, QuestionResult, compute_metrics

REPO = Path(__file__).resolve().parents[2]
TEN_YEAR = ["000_5d7aaecc78686823.txt", "001_4b84b33dc1f2824a.txt"]
ECONOMY = "003_6d19eb848c4ad410.txt"

ROW_FIELDS = [
    "id", "question", "split", "answer", "short_answer", "refused", "citations", "evidence",
    "retrieved", "backend", "model", "latency_ms", "error",
]  # fmt: skip
RETRIEVED_FIELDS = ["rank", "passage_id", "origin", "text", "text_cyrl", "score"]
CITATION_FIELDS = ["n", "passage_id", "origin", "text"]

TINY_GOLD = [
    {
        "id": "t1",
        "question": "Қазақстан ИЫҰ Сыртқы істер министрлері кеңесіндегі төрағалықты қай елге "
        "тапсырды?",
        "lang": "kk",
        "type": "factoid",
        "answers": ["Д?ж[иу]б[иу]т+и|Djibouti"],
        "docs": [*TEN_YEAR, ECONOMY],
        "evidence": ["Дж[иу]б[иу]тт?и"],
    },
    {
        "id": "t2",
        "question": "When was renaming the organisation first proposed?",
        "lang": "en",
        "type": "crosslingual",
        "answers": ["1974"],
        "docs": TEN_YEAR,
        "evidence": ["1974"],
    },
    {
        "id": "t3",
        "question": "Марс планетасындағы ең биік тау қалай аталады?",
        "lang": "kk",
        "type": "unanswerable",
        "answers": [],
        "docs": [],
        "evidence": [],
    },
    {
        "id": "t4",
        "question": "   ",  # empty: the assistant raises QuestionError
        "lang": "kk",
        "type": "factoid",
        "answers": ["x"],
        "docs": TEN_YEAR,
        "evidence": ["x"],
    },
]


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Evaluation caches go to the test's folder, never the user's data folder."""
    monkeypatch.setenv("KENES_DATA_DIR", str(tmp_path / "data"))


# --------------------------------------------------------------------- metrics
def test_recall_at_k_is_a_hit_in_the_top_k():
    ranking = [False, False, True, False, True]
    assert recall_at_k(ranking, 1) == 0.0
    assert recall_at_k(ranking, 2) == 0.0
    assert recall_at_k(ranking, 3) == 1.0
    assert recall_at_k(ranking, 10) == 1.0
    assert recall_at_k([], 5) == 0.0


def test_mrr_is_the_reciprocal_rank_of_the_first_hit():
    assert mrr_at_k([True, True]) == 1.0
    assert mrr_at_k([False, False, True, True]) == pytest.approx(1 / 3)
    assert mrr_at_k([False] * 10 + [True], k=10) == 0.0
    assert mrr_at_k([]) == 0.0


def test_ndcg_exact_values():
    # Hits at ranks 2 and 4, two relevant passages in the index.
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k([False, True, False, True], 10, n_relevant=2) == pytest.approx(dcg / ideal)
    assert ndcg_at_k([False, True, False, True]) == pytest.approx(dcg / ideal)
    # A third relevant passage the ranking never found lowers the score.
    ideal3 = ideal + 1 / math.log2(4)
    assert ndcg_at_k([False, True, False, True], 10, n_relevant=3) == pytest.approx(dcg / ideal3)
    assert ndcg_at_k([True, True], 10, n_relevant=2) == pytest.approx(1.0)
    assert ndcg_at_k([True], 10, n_relevant=0) == pytest.approx(1.0)  # never above 1
    assert ndcg_at_k([False, False], 10, n_relevant=0) == 0.0  # evidence nowhere: a miss
    assert ndcg_at_k([False] * 10 + [True], 10, n_relevant=1) == 0.0


def test_percentile_interpolates():
    assert percentile([4, 1, 3, 2], 50) == pytest.approx(2.5)
    assert percentile([1, 2, 3, 4], 95) == pytest.approx(3.85)
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_normalisation_is_squads_without_english_articles():
    assert normalize_answer("  «Абай»,  Құнанбайұлы! ") == "абай құнанбайұлы"
    assert normalize_answer("1992-жылы — (шамамен)") == "1992жылы шамамен"  # removed, as SQuAD
    assert normalize_answer("The Ummah") == "the ummah"  # articles stay: not English-only text
    assert normalize_answer("") == ""


def test_exact_match_against_any_span():
    spans = ["Есіл өзені", "Есіл"]
    assert exact_match("есіл", spans) == 1.0
    assert exact_match("«Есіл өзені».", spans) == 1.0
    assert exact_match("Есіл өзенінің жағасында", spans) == 0.0
    assert exact_match(None, spans) == 0.0  # no short answer
    assert exact_match("Есіл", []) == 0.0


def test_token_f1_exact_values():
    assert token_f1("Есіл өзені", ["Есіл өзені"]) == 1.0
    # 1 common token: precision 1/3, recall 1/2 -> F1 0.4
    assert token_f1("Есіл өзенінің жағасы", ["Есіл өзені"]) == pytest.approx(0.4)
    # the best span counts: "1998" alone is a full match
    assert token_f1("1998", ["1998 жылы", "1998"]) == 1.0
    assert token_f1("1998 1998", ["1998"]) == pytest.approx(2 * 0.5 * 1 / 1.5)  # multiplicity
    assert token_f1("Алматы", ["Астана"]) == 0.0
    assert token_f1(None, ["Астана"]) == 0.0
    assert token_f1("...", ["Астана"]) == 0.0  # nothing left after normalising


def test_short_answer_scores_count_declines_as_misses_and_skip_questions_without_spans():
    spanned = GoldQuestion("s", "?", answers=("1998",), spans=("1998 жылы",), split="test")
    plain = GoldQuestion("p", "?", answers=("x",), split="dev")
    results = [
        _result(spanned, short_answer="1998 жылы", correct=True),
        _result(spanned, short_answer="1998 жылы [2]", correct=True),  # marks left out
        _result(spanned, short_answer="1998 жылы", refused=True),  # declined: 0
        _result(spanned, short_answer=None, correct=True),  # no short answer: 0
        _result(spanned, short_answer="1998", correct=True),  # F1 2/3, EM 0
        _result(plain, short_answer="x", correct=True),  # no spans: not scored
    ]
    m = compute_metrics(results)
    assert m.exact_match == pytest.approx(2 / 5)
    assert m.token_f1 == pytest.approx((2 + 2 / 3) / 5)
    assert m.declined == 1
    assert compute_metrics(results[5:]).exact_match is None


def test_scorecard_shows_dev_and_test_apart_only_when_both_are_there():
    from qa.evaluation.report import comparison_table
    from qa.evaluation.scorecard import build_scorecard

    dev = GoldQuestion("d", "?", answers=("x",), split="dev")
    test = GoldQuestion("t", "?", answers=("x",), split="test")
    both = build_scorecard([_result(dev, correct=True), _result(test)], "both", {})
    assert both.splits == ["dev", "test"]
    groups = dict(both.groups())
    assert groups["split: dev"].answer_accuracy == 1.0
    assert groups["split: test"].answer_accuracy == 0.0
    one = build_scorecard([_result(test)], "one", {})
    assert one.splits == [] and "split: test" not in dict(one.groups())
    table = comparison_table([both, one])
    assert [c.header for c in table.columns] == ["metric", "both · dev", "both · test", "one"]


def test_load_gold_checks_split_spans_and_context(tmp_path: Path):
    base = {**TINY_GOLD[1], "split": "test", "spans": ["1974"], "context": "Бір сөйлем."}
    assert load_gold(_write_jsonl(tmp_path / "ok.jsonl", [base]))[0].spans == ("1974",)
    for bad in ({"split": "train"}, {"spans": "1974"}, {"spans": [""]}, {"context": " "}):
        with pytest.raises(ValueError, match=r"bad\.jsonl:1"):
            load_gold(_write_jsonl(tmp_path / "bad.jsonl", [{**base, **bad}]))


def _result(item: GoldQuestion, **kw: Any) -> QuestionResult:
    row = {"latency_ms": {"retrieval": 10.0, "first_token": None, "total": 20.0}}
    return QuestionResult(item=item, row=row, generated=True, **kw)


def test_compute_metrics_answers_refusals_and_citations():
    answerable = GoldQuestion("a", "?", answers=("x",), docs=("d",), evidence=("x",))
    unanswerable = GoldQuestion("u", "?", type="unanswerable")
    results = [
        _result(answerable, ranking_relevant=[True], n_relevant=1, correct=True,
                citations_relevant=[True, False], evidence_holds_answer=True),
        _result(answerable, ranking_relevant=[False, True], n_relevant=1, correct=False,
                evidence_holds_answer=True),
        _result(answerable, refused=True),  # false refusal
        _result(unanswerable, refused=True),
        _result(unanswerable, refused=False),  # missed refusal
    ]  # fmt: skip
    m = compute_metrics(results)
    assert (m.n, m.answerable, m.unanswerable) == (5, 3, 2)
    assert m.recall_at_1 == pytest.approx(1 / 3)
    assert m.recall_at_5 == pytest.approx(2 / 3)
    assert m.mrr_at_10 == pytest.approx((1 + 0.5 + 0) / 3)
    assert m.answer_accuracy == pytest.approx(1 / 3)
    assert m.evidence_recall == pytest.approx(2 / 3)  # the answer was there, once missed
    assert m.refusal_precision == pytest.approx(1 / 2)
    assert m.refusal_recall == pytest.approx(1 / 2)
    assert m.citation_precision == pytest.approx(1 / 2)
    assert m.citation_coverage == 1.0
    assert m.total_ms_p50 == 20.0 and m.first_token_ms_p50 is None
    assert results[1].failures() == ["wrong answer"]
    assert results[2].failures() == ["retrieval miss @5", "false refusal"]
    assert results[4].failures() == ["missed refusal"]


def test_answers_are_matched_after_cleaning():
    assert answer_matches("Ұсыныс 1974 жылы көтерілген [1].", ["1974"])
    assert answer_matches("DJIBOUTI", ["Д?ж[иу]б[иу]т+и|Djibouti"])
    assert answer_matches("бестен\n  бір бөлігі", ["бестен бір"])  # whitespace collapsed
    assert answer_matches("Қазақстан мен Джибyти", ["Джибути"])  # Latin look-alike y repaired
    assert not answer_matches("", ["1974"])


def test_parse_compare_syntax():
    assert parse_compare("mode=dense,mode=bm25, mode=hybrid") == [
        {"mode": "dense"}, {"mode": "bm25"}, {"mode": "hybrid"},
    ]  # fmt: skip
    assert parse_compare("llm=extractive+k=6,model=/models/e5") == [
        {"llm": "extractive", "k": "6"},
        {"model": "/models/e5"},
    ]
    assert parse_compare("compose=generate,compose=auto") == [
        {"compose": "generate"}, {"compose": "auto"},
    ]  # fmt: skip
    for bad in ("mode", "colour=red", "k=six", ","):
        with pytest.raises(ValueError):
            parse_compare(bad)


def test_load_gold_names_the_bad_line(tmp_path: Path):
    path = _write_jsonl(tmp_path / "gold.jsonl", [TINY_GOLD[0], {**TINY_GOLD[1], "answers": ["("]}])
    with pytest.raises(ValueError, match=r"gold\.jsonl:2"):
        load_gold(path)
    questions = load_gold(_write_jsonl(tmp_path / "ok.jsonl", TINY_GOLD))
    assert [q.answerable for q in questions] == [True, True, False, True]


# ------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def tiny_card(corpus_index, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("eval")
    gold = _write_jsonl(folder / "gold.jsonl", TINY_GOLD)
    card = evaluate(
        gold,
        index=corpus_index,
        llm="extractive",
        out=folder / "rows.jsonl",
        report=folder / "report.md",
    )
    return card, folder


def test_rows_have_exactly_the_documented_fields(tiny_card):
    _, folder = tiny_card
    rows = _read_jsonl(folder / "rows.jsonl")
    assert [r["id"] for r in rows] == ["t1", "t2", "t3", "t4"]
    for row in rows:
        assert list(row) == ROW_FIELDS
        assert list(row["latency_ms"]) == ["retrieval", "first_token", "total"]
        for retrieved in row["retrieved"]:
            assert list(retrieved) == RETRIEVED_FIELDS
        for citation in row["citations"]:
            assert list(citation) == CITATION_FIELDS
    first = rows[0]
    assert first["backend"] == "extractive" and first["error"] is None
    assert not first["refused"] and re.search("Дж[иу]б[иу]т", first["answer"])
    assert first["citations"] and first["evidence"]
    assert all(isinstance(sentence, str) and sentence for sentence in first["evidence"])
    assert first["short_answer"] is None or isinstance(first["short_answer"], str)
    assert [r["rank"] for r in first["retrieved"]] == list(range(1, len(first["retrieved"]) + 1))
    cited = first["citations"][0]
    assert cited["text"] in {r["text"] for r in first["retrieved"]}
    assert first["latency_ms"]["total"] > 0
    assert rows[2]["refused"] is True and rows[2]["citations"] == []
    assert rows[2]["evidence"] == [] and rows[2]["short_answer"] is None


def test_rows_list_the_search_ranking_for_answered_and_declined_questions(tiny_card):
    """`retrieved` is the search's top 10 as ranked, whether the question was answered or
    declined, and not the (fewer) passages the answer was given."""
    card, folder = tiny_card
    rows = _read_jsonl(folder / "rows.jsonl")
    for row, result in zip(rows[:3], card.results[:3], strict=True):
        assert len(row["retrieved"]) == 10, row["id"]
        assert [r["passage_id"] for r in row["retrieved"]] == [p.id for p in result.ranking]
        scores = [r["score"] for r in row["retrieved"]]
        assert scores == sorted(scores, reverse=True)
    assert rows[2]["refused"] and rows[2]["retrieved"]  # a declined question shows its search


def test_a_question_that_raises_becomes_an_error_row(tiny_card):
    card, folder = tiny_card
    row = _read_jsonl(folder / "rows.jsonl")[3]
    assert row["error"].startswith("QuestionError")
    assert row["answer"] == "" and row["retrieved"] == [] and row["citations"] == []
    assert card.overall.errors == 1
    assert card.by_type["factoid"].errors == 1
    assert card.by_type["factoid"].recall_at_10 == 0.5  # the error counts as a miss


def test_scorecard_per_type_and_language(tiny_card):
    card, _ = tiny_card
    assert set(card.by_type) == {"factoid", "crosslingual", "unanswerable"}
    assert set(card.by_lang) == {"kk", "en"}
    assert card.overall.n == 4 and card.overall.answerable == 3
    assert card.by_lang["kk"].n == 3 and card.by_lang["en"].n == 1
    assert card.by_type["factoid"].recall_at_5 == 0.5  # t1 found; t4 (the error) a miss
    assert card.by_type["unanswerable"].refusal_recall == 1.0
    assert card.by_type["unanswerable"].recall_at_1 is None  # nothing answerable there
    assert card.overall.refusal_precision == 1.0
    assert card.by_type["factoid"].answer_accuracy == 0.5
    assert card.overall.citation_precision is not None
    assert isinstance(card.overall, Metrics) and card.overall.total_ms_p95 is not None


def test_report_lists_tables_and_failures(tiny_card):
    card, folder = tiny_card
    text = (folder / "report.md").read_text("utf-8")
    for heading in ("## Retrieval", "## Answers (%)", "## Latency (ms)", "## Failures"):
        assert heading in text
    assert "| type: factoid |" in text and "| lang: en |" in text
    assert "### t4 · factoid · kk: error" in text and "QuestionError" in text
    failing = {r.item.id for r in card.failures()}
    assert "t4" in failing and "t3" not in failing
    for item_id in failing:
        assert f"### {item_id} ·" in text


def test_scorecard_renders_as_rich_tables(tiny_card):
    from rich.console import Console

    from qa.evaluation.report import print_scorecard

    card, _ = tiny_card
    console = Console(record=True, width=160)
    print_scorecard(card, console)
    text = console.export_text()
    assert "R@1" in text and "accuracy" in text and "type: unanswerable" in text


# ------------------------------------------------------------- passages JSONL
PASSAGES = [
    {
        "id": "p-astana",
        "title": "Астана",
        "text": "Астана — Қазақстан Республикасының астанасы. Қала Есіл өзенінің жағасында "
        "орналасқан. Астана 1998 жылы елдің бас қаласы болды.",
    },
    {
        "id": "p-abai",
        "title": "Абай",
        "text": "Абай Құнанбайұлы — қазақтың ақыны, ағартушы, қазақ жазба әдебиетінің "
        "негізін салушы. Ол 1845 жылы Шыңғыс тауында туған.",
    },
    {
        "id": "p-apple",
        "title": "Алма",
        "text": "Алматы облысы алма бақтарымен белгілі. Апорт алмасы ірі әрі хош иісті, "
        "оны Іле Алатауының етегінде өсіреді.",
    },
]
PASSAGE_GOLD = [
    {"id": "j1", "question": "Абай Құнанбайұлы қай жылы туған?", "lang": "kk",
     "type": "factoid", "answers": ["1845"], "docs": ["p-abai"], "evidence": ["1845"]},
    {"id": "j2", "question": "Астана қай өзеннің жағасында орналасқан?", "lang": "kk",
     "type": "factoid", "answers": ["Есіл"], "docs": ["p-astana"], "evidence": ["Есіл"]},
]  # fmt: skip


def test_passages_jsonl_corpus_is_indexed_once_and_cached(
    tmp_path: Path, e5_model, monkeypatch: pytest.MonkeyPatch
):
    passages = _write_jsonl(tmp_path / "passages.jsonl", PASSAGES)
    gold = _write_jsonl(tmp_path / "gold.jsonl", PASSAGE_GOLD)
    card = evaluate(
        gold, corpus=passages, retrieval_only=True, mode="bm25", embedder=e5_model,
        out=tmp_path / "rows.jsonl",
    )  # fmt: skip
    assert card.overall.recall_at_1 == 1.0 and card.overall.ndcg_at_10 == 1.0
    rows = _read_jsonl(tmp_path / "rows.jsonl")
    assert rows[0]["retrieved"][0]["origin"] == "p-abai"
    assert rows[0]["backend"] == "retrieval-only" and rows[0]["answer"] == ""
    assert rows[0]["latency_ms"]["retrieval"] is not None
    cached = list(eval_cache_dir().iterdir())
    assert len(cached) == 1 and (cached[0] / "CURRENT").is_file()

    from qa.retrieval.index import Index

    def no_rebuild(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the cached index should have been reused")

    monkeypatch.setattr(Index, "build", no_rebuild)
    again = evaluate(gold, corpus=passages, retrieval_only=True, mode="dense", embedder=e5_model)
    assert again.overall.recall_at_10 == 1.0


def test_a_folder_corpus_is_indexed_by_file_name(tmp_path: Path, e5_model):
    folder = tmp_path / "docs"
    folder.mkdir()
    for passage in PASSAGES[:2]:
        (folder / f"{passage['id']}.txt").write_text(passage["text"], "utf-8")
    gold = [{**PASSAGE_GOLD[0], "docs": ["p-abai.txt"]}, {**PASSAGE_GOLD[1], "docs": ["x.txt"]}]
    card = evaluate(
        _write_jsonl(tmp_path / "gold.jsonl", gold),
        corpus=folder,
        retrieval_only=True,
        mode="bm25",
        embedder=e5_model,
    )
    hit, wrong_doc = card.results
    assert hit.ranking[0].origin == "p-abai.txt" and hit.ranking_relevant[0]
    assert wrong_doc.n_relevant == 0 and not any(wrong_doc.ranking_relevant)
    assert card.overall.recall_at_10 == 0.5
    assert not eval_cache_dir().exists()  # a folder corpus is indexed in a temporary folder


def test_compare_writes_rows_per_configuration_and_a_chart(tmp_path: Path, e5_model):
    passages = _write_jsonl(tmp_path / "passages.jsonl", PASSAGES)
    gold = _write_jsonl(tmp_path / "gold.jsonl", PASSAGE_GOLD)
    cards = compare(
        parse_compare("mode=bm25,mode=dense"),
        gold,
        corpus=passages,
        retrieval_only=True,
        embedder=e5_model,
        out=tmp_path / "rows.jsonl",
        chart=tmp_path / "chart.png",
    )
    assert [c.label for c in cards] == ["mode=bm25", "mode=dense"]
    assert [c.settings["mode"] for c in cards] == ["bm25", "dense"]
    assert (tmp_path / "rows.mode-bm25.jsonl").is_file()
    assert (tmp_path / "rows.mode-dense.jsonl").is_file()
    assert (tmp_path / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------- splits and reader
# A passage none of PASSAGES holds: only a reader given it as context can answer.
ZHEZ = "Жезқазған қаласы 1954 жылы құрылды. Қала мыс өндірісімен белгілі."
READER_GOLD = [
    {**PASSAGE_GOLD[0], "split": "dev", "spans": ["1845"],
     "context": PASSAGES[1]["text"]},
    {"id": "r2", "question": "Жезқазған қаласы қай жылы құрылды?", "lang": "kk",
     "type": "factoid", "answers": ["1954"], "docs": ["p-zhez"], "evidence": ["1954"],
     "split": "test", "spans": ["1954"], "context": ZHEZ},
]  # fmt: skip


def test_split_keeps_the_questions_of_one_split(tmp_path: Path, e5_model):
    passages = _write_jsonl(tmp_path / "passages.jsonl", PASSAGES)
    gold = _write_jsonl(tmp_path / "gold.jsonl", READER_GOLD)
    common = {"corpus": passages, "retrieval_only": True, "mode": "bm25", "embedder": e5_model}
    assert [r.item.id for r in evaluate(gold, split="test", **common).results] == ["r2"]
    everything = evaluate(gold, split="all", **common)
    assert everything.overall.n == 2 and everything.splits == ["dev", "test"]
    assert everything.by_split["dev"].recall_at_1 == 1.0
    assert everything.by_split["test"].recall_at_10 == 0.0  # its passage is not indexed
    with pytest.raises(ValueError, match="split"):
        evaluate(gold, split="train", **common)
    no_split = _write_jsonl(tmp_path / "plain.jsonl", PASSAGE_GOLD)
    with pytest.raises(ValueError, match="no questions in split 'test'"):
        evaluate(no_split, split="test", **common)


def test_reader_answers_from_the_gold_context_alone(tmp_path: Path, e5_model):
    passages = _write_jsonl(tmp_path / "passages.jsonl", PASSAGES)
    gold = _write_jsonl(tmp_path / "gold.jsonl", READER_GOLD)
    common = {"corpus": passages, "llm": "extractive", "embedder": e5_model}
    read = evaluate(gold, reader=True, out=tmp_path / "read.jsonl", **common)
    rows = _read_jsonl(tmp_path / "read.jsonl")
    zhez = rows[1]
    assert not zhez["refused"] and "1954" in zhez["answer"], zhez
    assert [c["origin"] for c in zhez["citations"]] == ["p-zhez"]
    assert zhez["citations"][0]["text"] == ZHEZ
    assert zhez["split"] == "test" and zhez["evidence"]
    assert len(zhez["retrieved"]) == len(PASSAGES)  # the search ranking is still listed
    assert read.settings["reader"] is True
    assert read.by_split["test"].answer_accuracy == 1.0
    assert read.by_split["test"].citation_precision == 1.0
    opened = evaluate(gold, **common)  # open mode: the Zhezqazgan passage is not indexed
    assert not opened.results[1].correct
    assert opened.by_split["test"].answer_accuracy == 0.0


def test_reader_needs_a_context(tmp_path: Path, e5_model):
    gold = _write_jsonl(tmp_path / "gold.jsonl", PASSAGE_GOLD)
    with pytest.raises(ValueError, match="context"):
        evaluate(gold, corpus=_write_jsonl(tmp_path / "p.jsonl", PASSAGES), reader=True,
                 llm="extractive", embedder=e5_model)  # fmt: skip


# ------------------------------------------------------------ KazQAD converter
def _converter() -> Any:
    spec = importlib.util.spec_from_file_location(
        "kazqad_to_gold", REPO / "scripts" / "kazqad_to_gold.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_kazqad_converter_on_a_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    context_a = "Абай 1845 жылы туған. Ол ақын (әрі ойшыл) болған."
    context_b = "Ересек адамдарда 28-32 тұрақты тіс болады. Сүт тістері 20."
    sample = [
        {"id": "q1", "title": "Абай", "context": context_a, "question": "Абай қашан туған?",
         "answers": {"text": ["1845"], "answer_start": [5]}},
        {"id": "q2", "title": "Абай", "context": context_a, "question": "Абай кім болған?",
         "answers": {"text": ["ақын (әрі ойшыл)", "ақын"], "answer_start": [25, 25]}},
        {"id": "q3", "title": "Тіс", "context": context_b, "question": "Сүт тісі нешеу?",
         "answers": {"text": ["20"], "answer_start": [56]}},
    ]  # fmt: skip
    source = _write_jsonl(tmp_path / "sample.jsonl", sample)
    out = tmp_path / "out"
    assert _converter().main([str(source), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "3 gold questions (" in printed and " test), 2 distinct passages" in printed

    passages = _read_jsonl(out / "passages.jsonl")
    gold = _read_jsonl(out / "gold.jsonl")
    assert [p["title"] for p in passages] == ["Абай", "Тіс"]
    assert passages[0]["id"] == _converter().passage_id(context_a)  # stable
    assert [g["docs"] for g in gold] == [[passages[0]["id"]]] * 2 + [[passages[1]["id"]]]
    by_id = {p["id"]: p["text"] for p in passages}
    for row in gold:
        assert set(row) == {
            "id", "question", "lang", "type", "answers", "docs", "evidence", "split", "spans",
            "context",
        }  # fmt: skip
        assert row["lang"] == "kk" and row["type"] == "factoid"
        assert row["context"] == by_id[row["docs"][0]]
        assert row["split"] == _converter().split_of(row["docs"][0])
        assert all(span in row["context"] for span in row["spans"])
        assert any(re.search(e, by_id[row["docs"][0]], re.I) for e in row["evidence"])
        assert all(re.search(a, by_id[row["docs"][0]], re.I) for a in row["answers"])
    assert gold[1]["answers"][0] == r"ақын\s+\(әрі\s+ойшыл\)"  # escaped
    assert gold[2]["evidence"] == [r"Сүт\s+тістері\s+20"]  # short span: with its neighbours
    assert gold[1]["spans"] == ["ақын (әрі ойшыл)", "ақын"]  # as given, in order
    assert gold[0]["split"] == gold[1]["split"]  # one passage, one split
    sides = [_converter().split_of(f"kazqad-{n:012x}") for n in range(400)]
    assert 150 < sides.count("test") < 250  # about half each
    assert load_gold(out / "gold.jsonl")[0].answerable


# -------------------------------------------------------------------------- CLI
def test_cli_eval_retrieval_only_limit(corpus_index, tmp_path: Path):
    from typer.testing import CliRunner

    from qa.cli import app
    from qa.evaluation.gold import default_gold

    if not default_gold().is_file():
        pytest.skip("corpus/gold.jsonl is not there yet")
    result = CliRunner().invoke(
        app,
        [
            "eval", "--retrieval-only", "--limit", "3", "--index", str(corpus_index.folder),
            "--out", str(tmp_path / "rows.jsonl"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "R@1" in result.output and "nDCG@10" in result.output
    rows = _read_jsonl(tmp_path / "rows.jsonl")
    assert len(rows) == 3 and all(r["backend"] == "retrieval-only" for r in rows)


def test_cli_eval_split_test(corpus_index, tmp_path: Path):
    from typer.testing import CliRunner

    from qa.cli import app

    rows = [{**TINY_GOLD[0], "split": "dev"}, {**TINY_GOLD[1], "split": "test"}]
    result = CliRunner().invoke(
        app,
        [
            "eval", "--retrieval-only", "--split", "test", "--index", str(corpus_index.folder),
            "--gold", str(_write_jsonl(tmp_path / "gold.jsonl", rows)),
            "--out", str(tmp_path / "rows.jsonl"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in _read_jsonl(tmp_path / "rows.jsonl")] == ["t2"]


def test_cli_eval_rejects_a_bad_compare(corpus_index):
    from typer.testing import CliRunner

    from qa.cli import app

    result = CliRunner().invoke(
        app, ["eval", "--index", str(corpus_index.folder), "--compare", "colour=red"]
    )
    assert result.exit_code == 2
    assert "compare" in result.output
