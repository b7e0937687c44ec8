"""Keyword tokens: lower-cased, stop-word-free, lightly stemmed words, shared by the keyword index and queries."""

from __future__ import annotations

import re

TOKENS_VERSION = "2"  # bump when tokenize() changes: keyword indexes built with another are rebuilt

_STOPWORDS_TEXT = """a about above after again all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has
have having he her here hers him his how i if in into is it its itself just me more most my no nor not of
off on once only or other our ours out over own same she should so some such than that the their theirs
them then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours us get got what's whats anything something tell
find give much many"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
# Compounds written with a space, a hyphen or nothing ("no show", "no-show", "noshow") become one token.
_COMPOUNDS = re.compile(
    r"\b(no|walk|check|follow|e|pre|re)[\s-]+(shows?|ins?|ups?|mails?|auths?|authorizations?)\b"
)
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:['’][a-z]+)?")
_SUFFIXES = (
    "ations",
    "ation",
    "ments",
    "ment",
    "ings",
    "ing",
    "edly",
    "ies",
    "ied",
    "ers",
    "er",
    "ed",
    "es",
    "s",
)


def stem(word: str) -> str:
    """A light suffix-stripping stemmer: ``rescheduled`` and ``reschedules`` -> ``reschedul``."""
    w = word.replace("’", "'").split("'")[0]
    if len(w) <= 3 or w.isdigit():
        return w
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            w = w[: -len(suf)]
            if suf in ("ies", "ied"):
                w += "y"
            elif len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsfz":  # shipp(ing) -> ship
                w = w[:-1]
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-word-free, stemmed word tokens (``no-shows`` gives ``noshow`` and ``show``)."""
    out: list[str] = []
    for word in _WORD.findall(_COMPOUNDS.sub(r"\1\2", text.lower())):
        parts = word.split("-")
        if len(parts) > 1:
            out.append(stem("".join(parts)))
        out.extend(stem(p) for p in parts if p and p not in STOPWORDS)
    return out
