"""Typo tolerance: a bounded edit distance and a nearest-word lookup.

Damerau-Levenshtein (optimal string alignment) with an early exit once the distance is
known to exceed the bound, so looking a word up in a few thousand words stays fast.

>>> distance("nortside", "northside")
1
>>> distance("quater", "quarter")
1
>>> distance("recieve", "receive")
1
>>> Corrector({"northside", "lakeview", "revenue"}).correct("revenu")
'revenue'
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def distance(a: str, b: str, bound: int = 3) -> int:
    """Edit distance (insert, delete, substitute, swap neighbours); ``bound + 1`` when larger."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > bound:
        return bound + 1
    prev2: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        best = cur[0]
        for j in range(1, lb + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > bound:
            return bound + 1
        prev2, prev = prev, cur
    return min(prev[lb], bound + 1)


def allowed_edits(word: str) -> int:
    """How many edits a word of this length may carry and still be recognised."""
    n = len(word)
    if n <= 2:
        return 0
    if n == 3:
        return 1  # only by inserting a letter (see ``Corrector.correct``)
    if n <= 5:
        return 1
    return 2


def english_words() -> frozenset[str]:
    """Common English words that sit near the practice vocabulary ("came" is not a typo of "james")."""
    global _ENGLISH
    if _ENGLISH is None:
        path = Path(__file__).with_name("english_words.txt")
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        _ENGLISH = frozenset(w for w in lines if w and not w.startswith("#"))
    return _ENGLISH


_ENGLISH: frozenset[str] | None = None


class Corrector:
    """Maps an unknown word to the closest known word within ``allowed_edits``."""

    def __init__(self, vocabulary: Iterable[str], known: Iterable[str] = ()) -> None:
        self.vocabulary = {w for w in vocabulary if w}
        self.known = frozenset(known)  # real words that are not typos of the vocabulary
        self._by_len: dict[int, list[str]] = {}
        for w in sorted(self.vocabulary):
            self._by_len.setdefault(len(w), []).append(w)
        self._cache: dict[str, list[str]] = {}

    def candidates(self, word: str) -> list[str]:
        """The known words nearest to ``word`` (all at the smallest distance), or ``[word]``."""
        if word in self.vocabulary or word in self.known or not word.isalpha():
            return [word]
        hit = self._cache.get(word)
        if hit is not None:
            return hit
        bound = allowed_edits(word)
        best: list[str] = []
        best_d = bound + 1
        for n in range(len(word) - bound, len(word) + bound + 1):
            for cand in self._by_len.get(n, ()):
                if len(cand) <= 3 or (len(word) == 3 and (len(cand) != 4 or cand[0] != word[0])):
                    continue
                if cand[0] != word[0] and not _first_letter_typo(word, cand):
                    continue  # cheap filter: most typos keep the first letter
                d = distance(word, cand, bound)
                if d > bound or (d == 2 and cand[0] != word[0]):
                    continue  # two edits and a different first letter: too far
                if d < best_d:
                    best, best_d = [cand], d
                elif d == best_d:
                    best.append(cand)
        out = sorted(best, key=lambda c: -_common_prefix(word, c)) or [word]
        self._cache[word] = out
        return out

    def correct(self, word: str) -> str:
        """``word`` itself when known, numeric or short; otherwise its nearest known word, if close."""
        return self.candidates(word)[0]


def _first_letter_typo(word: str, cand: str) -> bool:
    """A one-edit typo at the very start: first two letters swapped, or the first letter replaced, dropped or added."""
    return word[1:] == cand[1:] or word[1:] == cand or word == cand[1:] or word[:2] == cand[1::-1]


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n
