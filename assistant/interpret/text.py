"""Text normalisation shared by the interpreter: tokens, stems and phrase keys.

Everything the built-in interpreter matches (metric synonyms, dimension names, member
values, time words) goes through the same two steps, so that "No-Shows", "no shows"
and "no-show" meet as the key ``no show``:

>>> tokens("What's the No-Show % at Dr. Patel's in 2025's Q3?")
['what', 'the', 'no', 'show', 'percent', 'at', 'dr', 'patel', 'in', '2025', 'q3']
>>> stem("lenses"), stem("visits"), stem("glasses"), stem("categories")
('lens', 'visit', 'glass', 'category')
>>> key("Comprehensive exams")
'comprehensive exam'
"""

from __future__ import annotations

import re

_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_TOKEN = re.compile(r"[a-z0-9]+(?:-[0-9]+)*")


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; punctuation dropped, ``%`` read as ``percent``, ISO dates kept whole."""
    s = re.sub(r"['\u2019]s\b", "", text.lower())  # possessives: "2025's", "Dr. Patel's"
    s = s.replace("'", "").replace("\u2019", "").replace("%", " percent ")
    s = s.replace("&", " and ")
    s = _ISO_DATE.sub(lambda m: "\x00" + m.group(0).replace("-", "\x01") + "\x00", s)
    s = re.sub(r"[^a-z0-9\x00\x01]+", " ", s)
    s = s.replace("\x00", " ").replace("\x01", "-")
    return _TOKEN.findall(s)


def stem(word: str) -> str:
    """A crude singular form: enough for plurals of the practice vocabulary."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("sses", "ches", "shes", "xes", "nses"):
        if word.endswith(suffix):
            return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def stems(text: str) -> list[str]:
    """``tokens`` then ``stem`` of each."""
    return [stem(t) for t in tokens(text)]


def key(text: str) -> str:
    """The phrase key used by every lookup table: stemmed tokens joined by spaces."""
    return " ".join(stems(text))
