"""Spelling variants: the accepted other spellings of practice words, read as one form.

A variant such as "cancelation" (one l, American) may itself appear in a model synonym,
so the typo corrector would take it as known; it is normalised here instead, before any
matching, by rules on the word's shape rather than by listing sentences.

>>> normalise("cancelations"), normalise("canceled"), normalise("labour"), normalise("neighbourhood")
('cancellations', 'cancelled', 'labor', 'neighborhood')
"""

from __future__ import annotations

import re

# American one-l forms of "cancel" that British and practice usage write with two
_CANCEL = re.compile(r"^cancel(ation|ations|ed|ing|er|ers)$")
# British -our words whose American form the vocabulary uses
_OUR = {
    "labour",
    "behaviour",
    "colour",
    "neighbour",
    "neighbours",
    "neighbourhood",
    "neighbourhoods",
    "favourite",
}
# -ise / -isation spellings
_ISE = re.compile(r"^(util|organ|optim|summar|categor|prioritis|visual)is(e|ed|es|ing|ation|ations)$")
# frequent letter-order and doubling slips the edit-distance corrector cannot settle alone
WORDS = {
    "apointment": "appointment",
    "apointments": "appointments",
    "appointmnets": "appointments",
    "noshows": "no shows",
    "noshow": "no show",
    "recieved": "received",
    "reciepts": "receipts",
    "occured": "occurred",
    "optomitrist": "optometrist",
    "optometerist": "optometrist",
}


def normalise(word: str) -> str:
    """One word in the spelling the vocabulary uses (possibly two words, space-separated)."""
    if word in WORDS:
        return WORDS[word]
    m = _CANCEL.match(word)
    if m:
        return "cancell" + m.group(1)
    if word in _OUR:
        return word.replace("our", "or", 1)
    m = _ISE.match(word)
    if m:
        return word.replace("is" + m.group(2), "iz" + m.group(2), 1)
    return word


def normalise_all(words: list[str]) -> list[str]:
    """``normalise`` each word (a variant that is two words becomes two tokens)."""
    out: list[str] = []
    for w in words:
        out.extend(normalise(w).split())
    return out
