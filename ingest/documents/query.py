"""Query analysis for keyword search: each query word becomes a group of stems that count for it.

A word the index has never seen is corrected to a known stem one edit away (a typo:
``recal`` -> ``recall``, ``nortside`` -> ``northside``; deletion, insertion, substitution
or a swap of two neighbours; a substitution only in words of ``MIN_SUBSTITUTED`` letters
or more, since one changed letter turns many short words into others: ``match`` is not
``march``), preferring the stem found in the most chunks. Every word
also matches its synonyms from the domain lexicon (``lexicon.py``: ``sms`` matches
``text``). Words of fewer than ``MIN_CORRECTABLE`` letters are never corrected.

>>> [t.alternatives for t in analyse("recal postcards", {"recall": 3, "postcard": 1})]
[('recall',), ('postcard',)]
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ingest.documents.lexicon import synonyms
from ingest.documents.tokens import tokenize

MIN_CORRECTABLE = 5
MIN_SUBSTITUTED = 7
_LETTERS = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class QueryTerm:
    """One query word: the stem as typed and the stems that count as it (its own or its correction first)."""

    typed: str
    alternatives: tuple[str, ...]

    @property
    def main(self) -> str:
        """The stem the word stands for (the typed one, or its correction)."""
        return self.alternatives[0]

    @property
    def corrected(self) -> bool:
        """True when the typed stem was replaced by a known one."""
        return self.main != self.typed


def edits1(word: str, substitutions: bool = True) -> set[str]:
    """Every string one deletion, swap, insertion (or substitution) away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    subs = {a + c + b[1:] for a, b in splits if b for c in _LETTERS} if substitutions else set()
    return (deletes | swaps | subs | inserts) - {word}


def correct(term: str, vocab: Mapping[str, int], df: Callable[[str], int]) -> str:
    """``term`` itself when known (or too short, or a number); else the known stem one edit away found in most chunks."""
    lex = synonyms()
    if term in vocab or term in lex or len(term) < MIN_CORRECTABLE or term.isdigit():
        return term
    edits = edits1(term, substitutions=len(term) >= MIN_SUBSTITUTED)
    candidates = [c for c in edits if c in vocab or c in lex]
    if not candidates:
        return term
    return max(candidates, key=lambda c: (df(c) if c in vocab else 0, c in lex, c))


def analyse(
    query: str, vocab: Mapping[str, int], df: Callable[[str], int] | None = None
) -> list[QueryTerm]:
    """The query's distinct words, each with its correction (if a typo) and its lexicon synonyms."""
    df = df or (lambda t: 1)
    lex = synonyms()
    out: list[QueryTerm] = []
    seen: set[str] = set()
    for typed in dict.fromkeys(tokenize(query)):
        main = correct(typed, vocab, df)
        if main in seen:
            continue
        seen.add(main)
        alts = (main, *sorted(lex.get(main, ())))
        out.append(QueryTerm(typed, alts))
    return out
