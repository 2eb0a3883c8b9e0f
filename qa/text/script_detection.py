"""Which script Kazakh text is in: Cyrillic, Arabic (töte jazu) or Latin.

:func:`detect_script` tells the script most letters of a text are in, by Unicode block;
:func:`_script_of` tells it for one letter. :data:`_CYRL_WORD` is a run of Cyrillic
letters, the unit that both the Arabic-script and the Latin writers convert.
"""

from __future__ import annotations

import re

_CYRL_WORD = re.compile("[\u0400-\u04ff\u0500-\u052fəƏ]+")

SCRIPTS = ("Cyrl", "Arab", "Latn")


def _script_of(ch: str) -> str | None:
    """The script of one letter ("Cyrl", "Arab", "Latn"), or None for non-letters."""
    if not ch.isalpha():
        return None
    code = ord(ch)
    if 0x0400 <= code <= 0x052F:
        return "Cyrl"
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFEFF:
        return "Arab"
    if ch.isascii() or 0x00C0 <= code <= 0x024F or 0x1E00 <= code <= 0x1EFF:
        return "Latn"
    return None


def detect_script(text: str) -> str:
    """The script most letters of `text` are in: "Cyrl", "Arab", "Latn" or "Zyyy".

    "Zyyy" (Unicode's code for "common") means there are no letters at all. Ties go to
    Cyrillic, then Arabic, then Latin.
    """
    counts = dict.fromkeys(SCRIPTS, 0)
    for ch in text:
        script = _script_of(ch)
        if script is not None:
            counts[script] += 1
    best = max(SCRIPTS, key=lambda s: counts[s])  # max keeps the first of equals
    return best if counts[best] else "Zyyy"
