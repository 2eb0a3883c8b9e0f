"""Which language a question is in: Kazakh, Russian or English (and Kazakh's script).

A small heuristic on purpose, so that every decision can be explained:

* Arabic script → Kazakh (töte jazu is the only Arabic script Kenes reads).
* Cyrillic → Kazakh when it has letters only Kazakh uses (ә ғ қ ң ө ұ ү һ і) or Kazakh
  function words outnumber Russian ones; otherwise Russian.
* Latin → Kazakh when :func:`qa.text.transliterate.looks_like_kazakh_latin` says so; otherwise
  English.
"""

from __future__ import annotations

import re
import unicodedata

from qa.text.transliterate import detect_script, looks_like_kazakh_latin, transliterate

#: Letters in the Kazakh Cyrillic alphabet that Russian does not have.
KAZAKH_ONLY_LETTERS = frozenset("әғқңөұүһі")
#: Letters Russian writes but Kazakh words hardly ever use.
RUSSIAN_ONLY_LETTERS = frozenset("ёъщэ")

#: Frequent Kazakh words without Kazakh-only letters (question words, particles,
#: conjunctions, postpositions, pronouns).
KAZAKH_WORDS = frozenset(
    """
    мен пен бен да де та те ма ме ба бе па пе ше ал бар жоқ не кім неше қанша қай қайда
    қашан қандай неге неліктен осы сол бұл ол олар біз сіз мен сен жыл жылы жылдан
    жылдары туралы бойынша арқылы және немесе үшін кейін дейін бері бірге деп деген еді
    екен емес болды болып болса болған мүше ел елдер мемлекет мемлекеттер ұйым ұйымы
    """.split()
)

#: Frequent Russian words (prepositions, conjunctions, pronouns, question words).
RUSSIAN_WORDS = frozenset(
    """
    и в во на с со по к ко о об от до из за для при про что как когда где кто какой какая
    какие каком какого каких сколько почему зачем ли не ни это этот эта эти тот та те
    был была было были есть году года лет или а но же уже также который которая которые
    его ее её их он она они мы вы я у над под между после перед чем чтобы
    """.split()
)

LANGUAGES = ("kk", "ru", "en")
#: The variants a query can be, as in corpus/gold.jsonl.
VARIANTS = ("kk", "ru", "en", "kk-latn", "kk-arab")

_CYRL_WORD = re.compile("[\u0400-\u04ffəƏ]+")


def _cyrillic_language(text: str) -> str:
    """ "kk" or "ru" for Cyrillic text (see the module docstring)."""
    words = [w.lower().replace("ə", "ә") for w in _CYRL_WORD.findall(text)]
    kazakh = russian = 0.0
    for word in words:
        letters = set(word)
        if letters & KAZAKH_ONLY_LETTERS:
            kazakh += 2
        elif word in KAZAKH_WORDS:
            kazakh += 1
        if letters & RUSSIAN_ONLY_LETTERS:
            russian += 2
        elif word in RUSSIAN_WORDS:
            russian += 1
    return "kk" if kazakh > russian or (kazakh == russian and kazakh > 0) else "ru"


def detect_language(text: str) -> str:
    """The language of `text`: "kk", "ru" or "en".

    Decided by the script most letters are in (:func:`qa.text.transliterate.detect_script`):
    Arabic → "kk"; Cyrillic → "kk" or "ru" by Kazakh-only letters and frequent words;
    Latin → "kk" for Kazakh Latin, else "en". Text without letters is taken as "kk", the
    language of the corpus.
    """
    text = unicodedata.normalize("NFC", text)
    script = detect_script(text)
    if script == "Cyrl":
        return _cyrillic_language(text)
    if script == "Latn":
        return "kk" if looks_like_kazakh_latin(text) else "en"
    return "kk"  # Arabic script, or no letters at all


def query_variant(text: str) -> tuple[str, str]:
    """(variant, Cyrillic text for search) of a question.

    The variant is "kk", "ru", "en", "kk-latn" (Kazakh in Latin letters) or "kk-arab"
    (Kazakh in Arabic script). Kazakh in Latin or Arabic script comes back transliterated
    to Cyrillic (:func:`qa.text.transliterate.transliterate`); everything else unchanged.
    """
    text = unicodedata.normalize("NFC", text)
    script = detect_script(text)
    if script == "Arab":
        return "kk-arab", transliterate(text, "cyrl")
    if script == "Latn":
        if looks_like_kazakh_latin(text):
            return "kk-latn", transliterate(text, "cyrl")
        return "en", text
    if script == "Cyrl":
        return _cyrillic_language(text), text
    return "kk", text
