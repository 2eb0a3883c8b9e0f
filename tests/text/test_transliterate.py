"""Kazakh script conversion, checked on real words and sentences from the corpus.

Arabic-script examples come from corpus/kazinform-mussinov-interview-arabic-script.txt
(a Kazinform interview in töte jazu); Cyrillic ones from the other corpus documents.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from qa.text.transliterate import (
    arab_to_cyrl,
    cyrl_to_arab,
    cyrl_to_latn,
    detect_script,
    latn_to_cyrl,
    looks_like_kazakh_latin,
    transliterate,
)

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
ARABIC_DOCUMENT = CORPUS / "kazinform-mussinov-interview-arabic-script.txt"
CYRILLIC_DOCUMENTS = sorted(p for p in CORPUS.glob("*.txt") if p != ARABIC_DOCUMENT)
ARABIC_LETTER = re.compile("[\u0621-\u064a\u066e-\u06d5]")


def _cyrillic_corpus_text(path: Path) -> str:
    """A Cyrillic corpus document as the benchmark reads it: Latin ə → ә, NFC."""
    text = path.read_text(encoding="utf-8").replace("ə", "ә").replace("Ə", "Ә")
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------------------
# Arabic → Cyrillic, one rule at a time (all words from the Arabic-script document)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arabic", "cyrillic"),
    [
        # back words: no hamza, no е/к/г
        ("قازاقستان", "Қазақстан"),  # and a proper name gets its capital back
        ("ىنتىماقتاستىعى", "ынтымақтастығы"),
        ("ۋاقىتتا", "уақытта"),  # ۋ = у
        ("حالىقتارى", "халықтары"),  # ح = х
        ("ۇيىمداستىرۋىمەن", "ұйымдастыруымен"),  # -мен does not make the stem front
        ("قازاقستانمەن", "Қазақстанмен"),
        # the hamza makes the vowels front: ا ә, و ө, ۇ ү, ى і
        ("ءتوراعالىق", "төрағалық"),  # ...but а/ы next to қ/ғ stay back
        ("ءبىر", "бір"),
        ("ءۇشىن", "үшін"),
        ("ءوز", "өз"),
        ("ءادىل", "әділ"),
        ("ءبولىمىنىڭ", "бөлімінің"),
        ("ءماشھۇر", "мәшһүр"),  # ھ = һ
        ("ءبىراق", "бірақ"),
        ("ءبىرقاتار", "бірқатар"),
        ("ءبىرشاما", "біршама"),  # а after the first syllable: a back part
        ("ءقازىر", "қазір"),
        # е (ە), к (ك), г (گ) make the word front without a hamza
        ("ەلۋ", "елу"),
        ("مەملەكەت", "мемлекет"),
        ("ۇلكەن", "үлкен"),
        ("وتكەن", "өткен"),
        ("جۇرگەن", "жүрген"),
        ("تۇرتكى", "түрткі"),
        ("ماسەلەن", "мәселен"),
        ("الەۋەتتى", "әлеуетті"),
        ("مەشىتىنىڭ", "мешітінің"),
        # compounds of a front and a back part
        ("كوزقاراس", "көзқарас"),
        ("ەلباسى", "елбасы"),
        # ي: и at the start before a consonant and after a consonant, й after a vowel
        ("يسلام", "ислам"),
        ("جيىن", "жиын"),
        ("ديپلومات", "дипломат"),
        ("ءتيىس", "тиіс"),
        ("ءجيى", "жиі"),
        ("ۇيىم", "ұйым"),
        ("سونداي", "сондай"),
        ("ايتتى", "айтты"),
        # ي + ا: я at the start or after a vowel, ия after a consonant
        ("ياعني", "яғни"),
        ("تەحنولوگيالار", "технологиялар"),
        ("ەۋروپا", "Еуропа"),
        # loanwords keep their а/о; ۆ = в
        ("ماروككودا", "Мароккода"),
        ("مۋسينوۆپەن", "мусиновпен"),
        ("نازاربايەۆتىڭ", "Назарбаевтың"),
    ],
)
def test_arabic_word(arabic: str, cyrillic: str) -> None:
    assert arab_to_cyrl(arabic) == cyrillic


def test_arabic_words_are_really_in_the_document() -> None:
    text = ARABIC_DOCUMENT.read_text(encoding="utf-8")
    for word in ["قازاقستان", "ءتوراعالىق", "ۇيىم", "ەلۋ", "مەملەكەت", "يسلام", "ىنتىماقتاستىعى"]:
        assert word in text


@pytest.mark.parametrize(
    ("arabic", "cyrillic"),
    [
        (
            "ۇيىم 1969 -جىلى قۇرىلدى، جاقىندا ەلۋ جىل تولادى.",
            "ұйым 1969 -жылы құрылды, жақында елу жыл толады.",
        ),
        ("قازىرگى تاڭدا ۇيىمعا 57 مەملەكەت مۇشە.", "қазіргі таңда ұйымға 57 мемлекет мүше."),
        (
            "«ءبىر جەڭنەن باس، ءبىر جاعادان قول شىعارۋعا»",
            "«бір жеңнен бас, бір жағадан қол шығаруға»",
        ),
        (
            "ماسەلەن، ەجەلگى مۇسىلمان الەمىندە عانا ەمەس بارشا جاھانعا اتى ءماشھۇر بولعان",
            "мәселен, ежелгі мұсылман әлемінде ғана емес барша жаһанға аты мәшһүр болған",
        ),
        ("1969 -جىلى", "1969 -жылы"),
        (
            "«The role of social media in supporting the work of the OIC» اتتى ۇلكەن جيىن",
            "«The role of social media in supporting the work of the OIC» атты үлкен жиын",
        ),
    ],
)
def test_arabic_sentence(arabic: str, cyrillic: str) -> None:
    assert arab_to_cyrl(arabic) == cyrillic


def test_arabic_punctuation_and_digits() -> None:
    assert arab_to_cyrl("قانداي؟ ءبىر، ەكى؛") == "қандай? бір, екі;"
    assert arab_to_cyrl("٢٠١١ -جىلى") == "2011 -жылы"  # Arabic-Indic digits


def test_other_hamza_forms_mean_the_same() -> None:
    # U+0674 high hamza and the precomposed high-hamza letters mark front words too
    assert arab_to_cyrl("\u0674بىز") == arab_to_cyrl("ءبىز") == "біз"
    assert arab_to_cyrl("\u0675لەم") == "әлем"


def test_pdf_presentation_forms_are_folded() -> None:
    # Arabic text copied out of PDFs often comes as contextual forms: ﻗ (U+FED7), ﺎ ...
    word = "قازاقستان".replace("ق", "\ufed7").replace("ا", "\ufe8e")
    assert arab_to_cyrl(word) == "Қазақстан"


def test_surname_ending_keeps_harmony() -> None:
    # -ев/-аев does not make the suffix front: "Тоқаевтың", not "Тоқаевтің"
    assert arab_to_cyrl(cyrl_to_arab("Тоқаевтың")) == "Тоқаевтың"


def test_spelled_acronym_letters() -> None:
    # "ي ى ۇ" is ИЫҰ spelled letter by letter; a final ۇ is Ұ (ұйым), not Ү
    assert arab_to_cyrl("ي ى ۇ- داعى") == "и ы ұ- дағы"
    assert arab_to_cyrl("يكۇ") == "икұ"


def test_whole_arabic_document_reads_as_cyrillic() -> None:
    text = ARABIC_DOCUMENT.read_text(encoding="utf-8")
    cyrillic = arab_to_cyrl(text)
    assert not ARABIC_LETTER.search(cyrillic)
    assert "Қазақстан" in cyrillic
    assert "ислам ынтымақтастығы ұйымы" in cyrillic
    assert detect_script(cyrillic) == "Cyrl"


def test_arabic_document_survives_cyrillic_and_back() -> None:
    # Reading the real töte text and writing it again gives the same words back
    text = ARABIC_DOCUMENT.read_text(encoding="utf-8")
    original = text.split()
    again = cyrl_to_arab(arab_to_cyrl(text)).split()
    assert len(again) == len(original)
    same = sum(a == b for a, b in zip(original, again, strict=True))
    assert same / len(original) > 0.99


# --------------------------------------------------------------------------------------
# Cyrillic → Arabic
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cyrillic", "arabic"),
    [
        ("Қазақстан", "قازاقستان"),  # back word: no hamza
        ("төрағалық", "ءتوراعالىق"),  # front vowel, no е/к/г: hamza
        ("бір", "ءبىر"),
        ("бізбен", "بىزبەن"),  # е shows the word is front: no hamza
        ("көзқарас", "كوزقاراس"),  # к shows it
        ("жүрген", "جۇرگەن"),  # г shows it
        ("Іс-әрекет", "ءىس-ارەكەت"),  # each part of a hyphenated word on its own
        ("ұйым", "ۇيىم"),  # й → ي
        ("ислам", "يسلام"),  # и → ي
        ("елу", "ەلۋ"),  # у → ۋ
        ("технологиялар", "تەحنولوگيالار"),  # ия → يا, х → ح
        ("Мусиновпен", "مۋسينوۆپەن"),  # в → ۆ
        ("Назарбаев", "نازاربايەۆ"),  # е after a vowel is йе
        ("мәшһүр", "ءماشھۇر"),
    ],
)
def test_cyrillic_word(cyrillic: str, arabic: str) -> None:
    assert cyrl_to_arab(cyrillic) == arabic


@pytest.mark.parametrize(
    ("cyrillic", "arabic"),
    [
        ("центр", "تسەنتر"),  # ц → تس
        ("фармацевтика", "فارماتسەۆتيكا"),  # ф → ف
        ("чек", "چەك"),  # ч → چ
        ("экономика", "ەكونوميكا"),  # э → ە
        ("бюджет", "بيۋدجەت"),  # ю → يۋ
        ("ядро", "يادرو"),  # я → يا
        ("ёлка", "يولكا"),  # ё → يو
        ("щит", "ششيت"),  # щ → شش
        ("съезд", "سەزد"),  # ъ not written
        ("роль", "رول"),  # ь not written
    ],
)
def test_russian_letters_in_loanwords(cyrillic: str, arabic: str) -> None:
    assert cyrl_to_arab(cyrillic) == arabic


def test_cyrillic_punctuation_and_what_is_kept() -> None:
    assert cyrl_to_arab("Қазақстан ОИС-қа қашан кірді?") == "قازاقستان ويس-قا قاشان كىردى؟"
    assert cyrl_to_arab("бір, екі; үш") == "ءبىر، ەكى؛ ءۇش"
    assert cyrl_to_arab("1,5 млн") == "1,5 ملن"  # a decimal comma stays
    assert cyrl_to_arab("OIC, 2011?") == "OIC, 2011?"  # nothing Cyrillic: nothing changes
    assert cyrl_to_arab("мəселе") == "ماسەلە"  # the PDF's Latin ə read as ә


@pytest.mark.parametrize(
    "sentence",
    [
        # multivector-foreign-policy-middle-power.txt
        "Тәуелсіздік алған сәттен бастап Қазақстан сыртқы саясатта өз жолын айқын таңдады.",
        "Бүгінде Қазақстан БҰҰ, Шанхай ынтымақтастық ұйымы, ТМД, ЕҚЫҰ секілді беделді "
        "халықаралық құрылымдардың белсенді мүшесі.",
        "Бұл бағыт елдің егемендігі мен тұрақтылығын сақтауға мүмкіндік берді, – дейді сарапшы.",
        "Шын мәнінде, көпвекторлы саясат Қазақстан үшін тактикалық амал емес, ұлттық "
        "қауіпсіздікті сақтаудың басты тетігіне айналды.",
        # oic-chairmanship-priorities-economy.txt
        "Келеңсіз тенденциялардың қатарына әлемде орын алып жатқан исламофобияны да "
        "жатқызуға болады.",
        "Дін мен мемлекеттің қарымқатынасы, исламның қоғамдағы рөлі қандай болуы керек, бұл – "
        "біз үшін өте көкейкесті мәселе.",
        "Қазақстан ұйымды радикалды экономикалық және саяси өзгерістердің ауыр кезеңінде "
        "төрағалық етті.",
    ],
)
def test_round_trip_cyrillic_arabic_cyrillic(sentence: str) -> None:
    assert arab_to_cyrl(cyrl_to_arab(sentence)).lower() == sentence.lower()


def test_round_trip_over_the_cyrillic_corpus() -> None:
    # The benchmark (benchmarks/translit_roundtrip.py) measures characters; here: words.
    total = same = 0
    for path in CYRILLIC_DOCUMENTS:
        for word in re.findall("[\u0400-\u04ff]+", _cyrillic_corpus_text(path).lower()):
            total += 1
            same += arab_to_cyrl(cyrl_to_arab(word)).lower() == word
    assert total > 4000
    assert same / total > 0.97


# --------------------------------------------------------------------------------------
# Latin → Cyrillic
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        # the official 2021 alphabet (Wikipedia's sample sentence)
        (
            "Būryñğy ötken zamanda, bır danyşpan kısı, Bağdat şaharynyñ bır ülken qazysynyñ "
            "üiıne kelıp qonypty.",
            "Бұрыңғы өткен заманда, бір данышпан кісі, Бағдат шахарының бір үлкен қазысының "
            "үйіне келіп қоныпты.",
        ),
        ("Somalidegı gumanitarlyq dağdarysqa", "Сомалидегі гуманитарлық дағдарысқа"),
        ("Toqaev BŪŪ Bas Assambleiasynda", "Тоқаев БҰҰ Бас Ассамблеясында"),  # ia → я
        ("Aziia", "Азия"),
        ("iağni", "яғни"),
        # 2018 (acute accents): ı = и, u = ұ, ý = у
        ("Qazaqstan Respýblıkasy", "Қазақстан Республикасы"),
        ("ǵylym men bilim", "ғылым мен білім"),
        # 2017 (apostrophes)
        ("Respy'blikasy", "Республікасы"),
        ("g'ylym", "ғылым"),
        # informal typing without diacritics
        ("Qazaqstan", "Қазақстан"),
        ("Somali", "Сомали"),
        ("jyly", "жылы"),
        ("Islam yntymaqtastyq uiymy", "Ислам ынтымақтастық ұйымы"),
        ("Qazaqstannyng toragalygy qanday boldy", "Қазақстанның торағалығы қандай болды"),
        ("shesh", "шеш"),
        ("zhyly", "жылы"),
        ("Ulken", "Үлкен"),
        ("Somalige qansha aqsha jinaldy?", "Сомалиге қанша ақша жиналды?"),
        ("otken kezinde bilim", "өткен кезінде білім"),
    ],
)
def test_latin_to_cyrillic(latin: str, cyrillic: str) -> None:
    assert latn_to_cyrl(latin) == cyrillic


def test_latin_case_is_kept() -> None:
    assert latn_to_cyrl("QAZAQSTAN") == "ҚАЗАҚСТАН"
    assert latn_to_cyrl("qazaqstan") == "қазақстан"
    assert latn_to_cyrl("Shymkent") == "Шымкент"


def test_cyrillic_to_latin_2021() -> None:
    assert cyrl_to_latn("Қазақстан Республикасы") == "Qazaqstan Respublikasy"
    assert cyrl_to_latn("ұйым") == "ūiym"
    assert cyrl_to_latn("бір үлкен кісі") == "bır ülken kısı"
    assert cyrl_to_latn("Ислам Ірі") == "İslam Irı"
    assert cyrl_to_latn("яғни шаһар") == "iağni şahar"
    assert cyrl_to_latn("ИЫҰ") == "İYŪ"


def test_cyrillic_latin_round_trip() -> None:
    sentence = "Қазақстан ұйымға төрағалық еткенде қандай жетістіктерге қол жеткізе алды?"
    assert latn_to_cyrl(cyrl_to_latn(sentence)) == sentence


# --------------------------------------------------------------------------------------
# Is this Latin text Kazakh? What does transliterate keep?
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Qazaqstan IIU-ga qai jyly mushe boldy?",
        "Qazaqstan BŪŪ-nyñ bıtımgerlık missiiasyna alğaş ret qai jyly qatysty?",
        "Islam yntymaqtastygy uiymy qai jyly quryldy?",
        "İYŪ-nyñ resmi tuy qandai tüstı?",
        "Qazaqstan Respýblıkasy",
        "jyly",
    ],
)
def test_looks_like_kazakh_latin(text: str) -> None:
    assert looks_like_kazakh_latin(text)


@pytest.mark.parametrize(
    "text",
    [
        "When did Kazakhstan join the OIC?",
        "What is the role of MINURSO in Western Sahara?",
        "The role of social media in supporting the work of the OIC",
        "OIC",
        "MINURSO",
        "Qatar",
        "Iraq",
        "Somali",
        "Қазақстан",
        "",
    ],
)
def test_does_not_look_like_kazakh_latin(text: str) -> None:
    assert not looks_like_kazakh_latin(text)


def test_transliterate_keeps_english_and_acronyms() -> None:
    assert transliterate("Qazaqstan OIC-ke qashan kirdi?") == "Қазақстан OIC-ке қашан кірді?"
    assert transliterate("UNIFIL missiiasy qai elde ornalasqan?") == (
        "UNIFIL миссиясы қай елде орналасқан?"
    )
    question = (
        "«The role of social media in supporting the work of the OIC» degen jiyn qashan boldy?"
    )
    assert transliterate(question) == (
        "«The role of social media in supporting the work of the OIC» деген жиын қашан болды?"
    )
    english = "When did Kazakhstan join the OIC?"
    assert transliterate(english) == english
    assert transliterate("Somali") == "Somali"  # alone, nothing says it is Kazakh


def test_transliterate_known_kazakh_acronyms() -> None:
    assert transliterate("Qazaqstan IIU-ga qai jyly mushe boldy?") == (
        "Қазақстан ИЫҰ-ға қай жылы мүше болды?"
    )
    assert transliterate("İYŪ-nyñ resmi tuy qandai tüstı?") == "ИЫҰ-ның ресми туы қандай түсті?"


def test_transliterate_mixed_scripts_to_cyrillic() -> None:
    text = "Мусинов: يسلام ىنتىماقتاستىعى ۇيىمى 1969 -جىلى قۇرىلدى؟ (OIC)"
    assert transliterate(text) == "Мусинов: ислам ынтымақтастығы ұйымы 1969 -жылы құрылды? (OIC)"
    cyrillic = "Қазақстан ИЫҰ-ға 1995 жылы мүше болды."
    assert transliterate(cyrillic) == cyrillic


def test_transliterate_other_targets() -> None:
    assert transliterate("Қазақстан үшін", to="arab") == "قازاقستان ءۇشىن"
    assert transliterate("Qazaqstan üşın", to="arab") == "قازاقستان ءۇشىن"
    assert transliterate("قازاقستان ءۇشىن", to="latn") == "Qazaqstan üşın"
    assert transliterate("Қазақстан үшін", to="latn") == "Qazaqstan üşın"


@pytest.mark.parametrize("target", ["lat", "Cyrillic", "kk", "", "ru"])
def test_transliterate_rejects_unknown_targets(target: str) -> None:
    with pytest.raises(ValueError, match="unknown target"):
        transliterate("Қазақстан", to=target)


# --------------------------------------------------------------------------------------
# detect_script
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Қазақстан ИЫҰ-ға қашан мүше болды?", "Cyrl"),
        ("قازاقستان ۇيىمعا قاشان مۇشە بولدى؟", "Arab"),
        ("Qazaqstan IIU-ga qai jyly mushe boldy?", "Latn"),
        ("When did Kazakhstan join the OIC?", "Latn"),
        ("1969 – 2011!", "Zyyy"),
        ("", "Zyyy"),
        ("«The role of social media» атты үлкен жиын", "Latn"),  # majority of letters
        ("ИЫҰ (OIC) ұйымы", "Cyrl"),
    ],
)
def test_detect_script(text: str, script: str) -> None:
    assert detect_script(text) == script


def test_detect_script_on_the_corpus() -> None:
    assert detect_script(ARABIC_DOCUMENT.read_text(encoding="utf-8")) == "Arab"
    for path in CYRILLIC_DOCUMENTS:
        assert detect_script(path.read_text(encoding="utf-8")) == "Cyrl"
