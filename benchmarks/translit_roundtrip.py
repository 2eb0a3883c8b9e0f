"""Round trip Cyrillic → Arabic script (töte jazu) → Cyrillic over the shipped corpus.

Run from the repository root::

    python benchmarks/translit_roundtrip.py [--top 10]

For every Cyrillic document in corpus/ (all *.txt but the Arabic-script one) the text is
prepared as the corpus notes ask (Latin "ə" → Cyrillic "ә", NFC), converted to Arabic
script and back, and compared with the prepared text in lower case (töte has no letter
case). Character accuracy = 1 - Levenshtein distance / length. The most frequent words
that do not survive the trip are listed so a person can see what breaks.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from rapidfuzz.distance import Levenshtein

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from qa.text.transliterate import arab_to_cyrl, cyrl_to_arab  # noqa: E402

CORPUS = REPO_ROOT / "corpus"
ARABIC_DOCUMENT = "kazinform-mussinov-interview-arabic-script.txt"
_CYRL_WORD = re.compile(r"[\u0400-\u04ff]+")


def prepare(text: str) -> str:
    """The reference text: Latin ə → Cyrillic ә, NFC, lower case."""
    text = text.replace("ə", "ә").replace("Ə", "Ә")
    return unicodedata.normalize("NFC", text).lower()


def round_trip(text: str) -> str:
    return arab_to_cyrl(cyrl_to_arab(text)).lower()


def word_errors(reference: str) -> Counter[tuple[str, str]]:
    """Cyrillic words whose own round trip differs: (word, what came back) → count."""
    errors: Counter[tuple[str, str]] = Counter()
    for word in _CYRL_WORD.findall(reference):
        back = round_trip(word)
        if back != word:
            errors[(word, back)] += 1
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--top", type=int, default=10, help="wrong words to list")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)

    paths = sorted(p for p in args.corpus.glob("*.txt") if p.name != ARABIC_DOCUMENT)
    if not paths:
        print(f"no Cyrillic documents in {args.corpus}", file=sys.stderr)
        return 1
    total_distance = total_length = 0
    errors: Counter[tuple[str, str]] = Counter()
    print(f"{'document':<48} {'chars':>7} {'errors':>6} {'accuracy':>9}")
    for path in paths:
        reference = prepare(path.read_text(encoding="utf-8"))
        back = round_trip(reference)
        distance = Levenshtein.distance(reference, back)
        accuracy = 1 - distance / max(len(reference), 1)
        print(f"{path.stem:<48} {len(reference):>7} {distance:>6} {accuracy:>9.4f}")
        total_distance += distance
        total_length += len(reference)
        errors += word_errors(reference)
    overall = 1 - total_distance / max(total_length, 1)
    print(f"{'OVERALL':<48} {total_length:>7} {total_distance:>6} {overall:>9.4f}")
    print(f"\nround-trip character accuracy: {overall:.4f}")
    print(f"\n{args.top} most frequent wrong word round trips (count  original → back):")
    for (word, back), count in errors.most_common(args.top):
        print(f"{count:>5}  {word} → {back}  ({cyrl_to_arab(word)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
