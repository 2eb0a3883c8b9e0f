"""BM25 over stems: the common terms come from bm25s's own document frequencies."""

from qa.text.lexical import BM25Index, tokenize

TEXTS = [
    "Алматы қаласында көрме ашылды.",
    "Көрме Алматыда үш күнге созылады.",
    "Астанада кітап жәрмеңкесі өтті.",
    "Жәрмеңкеге жүзден астам баспа келді.",
    "Алматыдағы көрмеге мектеп оқушылары барды.",
]


def _counted(texts: list[str], share: float) -> frozenset[str]:
    counts: dict[str, int] = {}
    for text in texts:
        for term in set(tokenize(text)):
            counts[term] = counts.get(term, 0) + 1
    return frozenset(t for t, n in counts.items() if n > share * len(texts))


def test_common_terms_equal_a_count_over_the_texts():
    index = BM25Index.build(TEXTS)
    for share in (0.0, 0.2, 0.4, 0.6):
        assert index.terms_in_more_than(share) == _counted(TEXTS, share)
    (exhibition,) = tokenize("көрме")
    (book,) = tokenize("кітап")
    assert exhibition in index.terms_in_more_than(0.4)  # in three of five
    assert book not in index.terms_in_more_than(0.2)  # in one


def test_common_terms_survive_saving_and_loading(tmp_path):
    BM25Index.build(TEXTS).save(tmp_path)
    assert BM25Index.load(tmp_path).terms_in_more_than(0.4) == _counted(TEXTS, 0.4)
