"""BM25 over cleaned Cyrillic text, with a light Kazakh suffix stemmer.

Kazakh is agglutinative: `мемлекеттерінің` is `мемлекет` + plural + possessive +
genitive. Snowball has no Kazakh stemmer, so `stem` strips the common inflectional
endings (case, plural, possessive) and undoes the final-consonant voicing they cause
(`ынтымақтастығы` → `ынтымақтастық`). Derivational suffixes are left alone: they
change meaning. Words are first folded across vowel harmony (see _HARMONY_FOLD).
Russian query words go through Snowball's Russian stemmer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

# Front and back variants of a letter are folded together before stemming: a word
# typed in informal Latin or read from Arabic script often gets its vowel harmony
# wrong ("Somalige" → "Сөмаліге"), and loanwords mix и and і. Kazakh words stay
# distinct by their consonants.
_HARMONY_FOLD = str.maketrans("әөүіикг", "аоұыықғ")

# Inflectional endings (folded), longest first so `ларының` goes before `ы`.
_SUFFIXES = sorted(
    {
        suffix.translate(_HARMONY_FOLD)
        for suffix in """
    ның нің дың дің тың тің ға ге қа ке на не ны ні ды ді ты ті да де та те нда нде
    дан ден тан тен нан нен мен бен пен дағы дегі тағы тегі ндағы ндегі ғы гі қы кі
    лар лер дар дер тар тер ымыз іміз мыз міз ыңыз іңіз ңыз ңіз ым ім ың ің сы сі ы і
    ын ін сын сін нда ндар
    """.split()
    },
    key=len,
    reverse=True,
)
_SUFFIX_SET = set(_SUFFIXES)
# Derivational endings: the word keeps its stem, and its root is indexed beside it.
_DERIVATIONAL = re.compile(r"(?:лық|дық|тық|шы|ғы|қы)$")
_MIN_STEM = 3
_VOICED_FINAL = {"ғ": "қ", "б": "п"}
_KAZAKH_ONLY = set("әғқңөұүһі")

STOPWORDS = {
    word.translate(_HARMONY_FOLD)
    for word in """
    және мен бен пен да де та те бұл осы ол олар үшін деп бір ал бірақ сияқты ретінде
    болып табылады еді екен қана ғана тек әр сол мұнда жоқ бар емес не кім қай қандай
    қашан қанша неше қалай неге ма ме ба бе па пе ме ия
    и в во на с со по к у о об от за из для что как это тот эта был была были
    а но или не ли же бы когда какой какая какие сколько где кто почему
    the a an of in on at to for and or is are was were be been by with from as that this
    what which who whom when where why how did does do many much
    """.split()
}

_TOKEN = re.compile(r"\w+", re.UNICODE)
# Bump when `tokenize` changes: indexes record it and are rebuilt when it differs.
TOKENIZER_VERSION = "3"
# One organisation, several names: the old and new Kazakh acronyms and the Russian and
# English ones all mean the OIC (folded forms).
_ALIASES = {"ықұ": "ыыұ", "оыс": "ыыұ", "оық": "ыыұ", "oic": "ыыұ", "ыкц": "ыыұ"}


@functools.lru_cache(maxsize=1)
def _russian_stemmer():
    import Stemmer

    return Stemmer.Stemmer("russian")


def stem(word: str) -> str:
    """Fold harmony, then strip up to three inflectional endings from a lower-case word."""
    word = word.translate(_HARMONY_FOLD)
    for _ in range(3):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM:
                word = word[: -len(suffix)]
                break
        else:
            break
    if word and word[-1] in _VOICED_FINAL:
        word = word[:-1] + _VOICED_FINAL[word[-1]]
    return word


def _is_russian(word: str) -> bool:
    return all("а" <= c <= "я" or c == "ё" for c in word) and not (_KAZAKH_ONLY & set(word))


def is_stopword(word: str) -> bool:
    return word.lower().translate(_HARMONY_FOLD) in STOPWORDS


def tokenize(text: str, language: str = "kk") -> list[str]:
    """Lower-case word stems, stopwords dropped; Russian words of a "ru" text get
    Russian stems."""
    russian = language == "ru"
    tokens = []
    for word in _TOKEN.findall(text.lower()):
        folded = word.translate(_HARMONY_FOLD)
        # A bare suffix is what "ИЫҰ-ға" leaves after the hyphen.
        if folded in STOPWORDS or folded in _SUFFIX_SET or (len(word) == 1 and not word.isdigit()):
            continue
        if russian and _is_russian(word):
            tokens.append(_russian_stemmer().stemWord(word).translate(_HARMONY_FOLD))
            continue
        stemmed = _ALIASES.get(folded) or stem(word)
        tokens.append(stemmed)
        root = _DERIVATIONAL.sub("", stemmed)
        if root != stemmed and len(root) >= _MIN_STEM + 1:
            tokens.append(root)  # мүшелікке → мүшелік and мүше
    return tokens


class BM25Index:
    """bm25s over passage texts; scores every passage for a query."""

    def __init__(self, retriever) -> None:
        self._retriever = retriever

    @classmethod
    def build(cls, texts: Iterable[str]) -> BM25Index:
        """bm25s over the stems of `texts`."""
        return cls.from_tokens(tokenize(text) for text in texts)

    @classmethod
    def from_tokens(cls, token_lists: Iterable[list[str]]) -> BM25Index:
        """bm25s over texts already tokenised (by `tokenize`, maybe in other processes).

        Each text's stems become an int32 array of vocabulary ids as they arrive
        (bm25s's `Tokenized` input): a million passages' stems as lists of Python
        strings took some 5 GiB, as ids 0.4 GiB."""
        import bm25s
        from bm25s.tokenization import Tokenized

        vocabulary: dict[str, int] = {}
        ids = [
            np.fromiter(  # bm25s needs a token per document
                (vocabulary.setdefault(t, len(vocabulary)) for t in tokens or ["∅"]),
                dtype=np.int32,
            )
            for tokens in token_lists
        ]
        retriever = bm25s.BM25()
        retriever.index(Tokenized(ids=ids, vocab=vocabulary), show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self._retriever.save(str(folder), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), allow_pickle=False))

    @property
    def size(self) -> int:
        return int(self._retriever.scores["num_docs"])

    def terms_in_more_than(self, share: float) -> frozenset[str]:
        """Stems found in more than `share` of the passages, read off bm25s's score
        matrix (one column per stem, one stored score per passage holding it), so no
        passage is tokenised again: at 100k passages that took minutes."""
        matrix = self._retriever.scores
        frequencies = np.diff(np.asarray(matrix["indptr"]))
        limit = share * int(matrix["num_docs"])
        return frozenset(  # bm25s's vocabulary ends in "", which has no column
            term for term, column in self._retriever.vocab_dict.items()
            if column < len(frequencies) and frequencies[column] > limit
        )  # fmt: skip

    def scores(self, query: str, language: str = "kk") -> np.ndarray:
        """BM25 score of every passage (zeros when no query word is known)."""
        vocab = self._retriever.vocab_dict
        tokens = [t for t in tokenize(query, language) if t in vocab]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)
