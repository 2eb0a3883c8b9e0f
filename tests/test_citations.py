"""Citation checking on handcrafted answers over real corpus passages."""

import pytest

from qa.citations import UNSUPPORTED_FLAG, check_citations, restates
from qa.evidence import Scorer, passage_sentences, select_evidence
from qa.types import Passage


def _passage(pid: str, text: str, start: int = 0) -> Passage:
    return Passage(
        id=pid, doc_id=pid, origin=f"{pid}.txt", title=pid.title(), text=text,
        original=text, start=start, end=start + len(text),
    )  # fmt: skip


SOMALIA = _passage(
    "economy",
    "Сонымен қатар ИКҰ-ның су концепциясының қабылдануына өз үлесін қосты. "
    "Мысалы, Сомалидегі гуманитарлық дағдарыстың салдарын жоюға 350 млн. АҚШ долларын "
    "жұмылдыра алды.",
    start=100,
)
PEACEKEEPING = _passage(
    "peace",
    "Қазақстан алғаш рет БҰҰ-ның бітімгерлік миссиясына 2014 жылы қатысты. Ел әскери "
    "қызметшілері Батыс Сахарадағы MINURSO миссиясы құрамында қызмет атқарды.",
)


@pytest.fixture(scope="module")
def scorer(corpus_index):
    return Scorer(corpus_index.embedder, corpus_index.common_terms())


def test_wrong_mark_is_corrected(scorer):
    answer = "Қазақстан Сомалидегі дағдарысқа 350 млн АҚШ долларын жұмылдырды [2]."
    checked = check_citations(answer, [SOMALIA, PEACEKEEPING], scorer)
    assert "[1]" in checked.text and "[2]" not in checked.text
    assert [c.passage_id for c in checked.citations] == ["economy"]


def test_missing_mark_is_added_with_the_supporting_quote(scorer):
    answer = "Қазақстан алғаш рет 2014 жылы БҰҰ бітімгерлік миссиясына қатысты."
    checked = check_citations(answer, [SOMALIA, PEACEKEEPING], scorer)
    assert checked.text.endswith("[2].")
    (citation,) = checked.citations
    assert "2014" in citation.quote
    assert PEACEKEEPING.original[citation.start : citation.end] == citation.quote


def test_quote_offsets_point_into_the_document(scorer):
    checked = check_citations("Сомалиге 350 млн доллар жұмылдырылды [1].", [SOMALIA], scorer)
    (citation,) = checked.citations
    assert citation.start >= SOMALIA.start
    relative = citation.start - SOMALIA.start
    assert SOMALIA.original[relative : relative + len(citation.quote)] == citation.quote
    assert "350" in citation.quote


def test_wrong_number_is_not_supported(scorer):
    answer = "Қазақстан Сомалиге 900 млн АҚШ долларын жұмылдырды [1]."
    checked = check_citations(answer, [SOMALIA, PEACEKEEPING], scorer)
    assert checked.unsupported
    assert UNSUPPORTED_FLAG in checked.text


def test_unsupported_claim_is_flagged(scorer):
    answer = (
        "Қазақстан 2014 жылы бітімгерлік миссияға қатысты [2]. "
        "Ұйымның штаб-пәтері Жиддада орналасқан [1]."
    )
    checked = check_citations(answer, [SOMALIA, PEACEKEEPING], scorer)
    assert checked.unsupported == ["Ұйымның штаб-пәтері Жиддада орналасқан."]
    assert checked.text.startswith("Қазақстан 2014 жылы бітімгерлік миссияға қатысты [2].")
    assert [c.n for c in checked.citations] == [2]


def test_english_answer_is_checked_across_languages(scorer):
    answer = "Kazakhstan raised 350 million US dollars for the humanitarian crisis in Somalia."
    checked = check_citations(answer, [PEACEKEEPING, SOMALIA], scorer)
    assert checked.text.endswith("[2].")
    assert not checked.unsupported


def test_name_the_passage_never_mentions_is_not_support(scorer):
    # The model glued "Somalia" onto a figure from a passage about Islamic finance.
    finance = _passage(
        "finance",
        "Қаржы саласында 2003-2009 жылдар аралығында қазақстандық банктер 29 исламдық қаржы "
        "институтынан 538 млн АҚШ доллары көлемінде қаражат тартты.",
    )
    answer = (
        "Сомалидегі дағдарысқа қазақстандық банктер 538 млн АҚШ доллары көлемінде "
        "қаражат тартты [1]."
    )
    assert check_citations(answer, [finance], scorer).unsupported


def test_a_question_s_first_word_is_not_taken_for_a_name(scorer):
    # "Мақалада" (in the article) is capitalised only because it starts the question.
    article = _passage("article", "Осы мақала Қазақстанның ИЫҰ-дағы рөлін қарастырады.")
    members = _passage(
        "members",
        "Бүгінде Қазақстан БҰҰ, Шанхай ынтымақтастық ұйымы, ТМД, ЕҚЫҰ секілді беделді "
        "халықаралық құрылымдардың белсенді мүшесі.",
    )
    question = (
        "Мақалада Қазақстан қандай халықаралық құрылымдардың белсенді мүшесі ретінде аталады?"
    )
    evidence = select_evidence(scorer, question, [article, members])
    assert evidence.top()[0].text.startswith("Бүгінде")
    # A name that starts a sentence still counts: the passage never names Somalia.
    sentences = passage_sentences([article])
    named = scorer.scores("Сомалидегі мақала Қазақстанның рөлін қарастырады.", sentences)[0]
    plain = scorer.scores("Бұл мақала Қазақстанның рөлін қарастырады.", sentences)[0]
    assert named < 0.7 * plain


def test_refusal_is_recognised(scorer):
    checked = check_citations("Құжаттарда бұл сұраққа жауап жоқ.", [SOMALIA], scorer)
    assert checked.refused and not checked.citations


def test_number_from_another_clause_is_not_support(scorer):
    # 003 gives two figures in one sentence: 350 for Somalia, 200 for Syrian refugees.
    both = _passage(
        "economy",
        "Мысалы, Сомалидегі гуманитарлық дағдарыстың салдарын жоюға 350 млн. АҚШ долларын "
        "жұмылдыра алды, ал сириялық босқындардың қажеттіліктеріне Қазақстан өз тарапынан "
        "200 млн. доллар бөлді.",
    )
    wrong = check_citations(
        "Сомалидегі гуманитарлық дағдарысқа 200 млн доллар бөлінді [1].", [both], scorer
    )
    assert wrong.unsupported
    right = check_citations("Сириялық босқындарға 200 млн доллар бөлінді [1].", [both], scorer)
    assert not right.unsupported and right.citations[0].n == 1


def test_restating_the_question_is_not_an_answer(scorer):
    question = "Неліктен Қазақстан бітімгерлік миссияларға қатысады?"
    echo = "Қазақстан бітімгерлік миссияларға қатысады [1]."
    checked = check_citations(echo, [PEACEKEEPING], scorer, question=question)
    assert checked.unsupported and not checked.citations
    # The same sentence answers a question it does not repeat.
    other = check_citations(echo, [PEACEKEEPING], scorer, question="Қазақстан не істейді?")
    assert not other.unsupported


def test_question_words_and_new_numbers(scorer):
    question = "Қазақстан алғаш рет бітімгерлік миссияға қай жылы қатысты?"
    assert restates("Қазақстан алғаш рет қай жылы қатысты?", question)
    assert not restates("Қазақстан алғаш рет 2014 жылы қатысты.", question)


def test_supported_only_leaves_out_flagged_sentences(scorer):
    answer = (
        "Қазақстан 2014 жылы бітімгерлік миссияға қатысты [2]. "
        "Ұйымның штаб-пәтері Жиддада орналасқан [1]."
    )
    shown = check_citations(answer, [SOMALIA, PEACEKEEPING], scorer).supported_only()
    assert shown.text == "Қазақстан 2014 жылы бітімгерлік миссияға қатысты [2]."
    assert UNSUPPORTED_FLAG not in shown.text
    assert [c.n for c in shown.citations] == [2]
    assert shown.unsupported == ["Ұйымның штаб-пәтері Жиддада орналасқан."]
