"""Find person names in free text: the export's known patient names plus name-like contexts.

A token is a name when it is a known patient name that is not also a common word; when
it is a known name that is also a common word ("Rose", "Will", "Hope") but capitalised
next to another name or after a cue; or when context says so: after an honorific
("Mrs. Alvarez", "Mr. J. Smith"), after "patient"/"pt"/"my name is"/"this is", after a
relative ("my son Omar", "Daughter (Karen)"), or capitalised next to a name already found
("Margret O'Brien"). A name after "Dr."/"Doctor" is a clinician and is always kept.
Name lexicons (``scrub_data/``) come from the names-dataset package; see its README.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

PLACEHOLDER = "[NAME]"

# Placeholders are tokens of their own, so a second pass leaves them alone.
_TOKEN = re.compile(r"\[[A-Z]+\]|[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*\.?")
_COLLAPSE = re.compile(r"\[NAME\](?:[ \t]+\[NAME\])+")

HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "mister", "mrs.", "mr.", "ms.", "mx.", "madam"})
CLINICIAN = frozenset({"dr", "dr.", "doctor", "drs", "drs."})
# A capitalised known or lexicon name right after these is a name.
CUES = frozenset(
    {"patient", "pt", "pt.", "pts", "name", "named", "is", "am", "i'm", "im", "regards", "sincerely", "thanks"}
    | {"signed", "from", "caller", "re", "re:", "called"}
)
RELATIVES = frozenset(
    {"son", "daughter", "wife", "husband", "mom", "mother", "father", "dad", "brother", "sister"}
    | {"caregiver", "grandson", "granddaughter", "grandmother", "grandfather", "partner", "spouse"}
    | {"aunt", "uncle", "niece", "nephew", "child", "kid", "friend", "neighbor", "neighbour", "mum"}
    | {"guardian", "fiance", "fiancee", "girlfriend", "boyfriend", "stepson", "stepdaughter"}
)
# Capitalised words that never start or extend a name, whatever the lexicons say.
NOT_NAMES = frozenset(
    {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october"}
    | {"november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    | {"dr", "doctor", "the", "and", "or", "of", "in", "at", "on", "to", "for", "with", "by", "from"}
    | {"thanks", "thank", "hi", "hello", "dear", "regards", "sincerely", "best", "name", "patient", "pt"}
    | {"optician", "optometrist", "technician", "tech", "manager", "office", "front", "desk", "staff"}
)


def _fold(word: str) -> str:
    """Case-folded, accent-stripped form used for every lookup."""
    word = word.casefold()
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@cache
def _lexicon(name: str) -> frozenset[str]:
    """One bundled word list of ``scrub_data/`` (folded)."""
    text = resources.files("ingest").joinpath("scrub_data", name).read_text(encoding="utf-8")
    return frozenset(_fold(w) for w in text.split())


def common_name_words() -> frozenset[str]:
    """Names that are also common English words ("rose", "will", "hope", "mark")."""
    return _lexicon("name_words.txt")


@dataclass(frozen=True)
class _Tok:
    start: int
    end: int
    text: str
    key: str
    cap: bool
    dot: bool


def _tokens(text: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        start, end = m.span()
        if word.startswith("["):
            out.append(_Tok(start, end, word, "", False, False))
            continue
        dot = word.endswith(".")
        stem = word[:-1] if dot else word
        if stem[-2:] in ("'s", "’s") and len(stem) > 3:
            stem = stem[:-2]
        out.append(_Tok(start, start + len(stem), stem, _fold(stem), stem[0].isupper(), dot))
    return out


class NameFinder:
    """Precompiled name sets; ``replace(text)`` puts ``[NAME]`` over every name found."""

    def __init__(self, known_names: Iterable[str] = ()) -> None:
        known: set[str] = set()
        for name in known_names:
            for part in re.split(r"\s+", str(name or "").strip()):
                key = _fold(part.strip(".,"))
                if len(key) >= 2:
                    known.add(key)
        self.common = common_name_words()
        self.known = frozenset(known)
        self.known_distinct = frozenset(known - self.common)
        self.lexicon = (_lexicon("first_names.txt") | _lexicon("last_names.txt")) - self.common - NOT_NAMES
        self.first_names = _lexicon("first_names.txt") - self.common - NOT_NAMES
        self._triggers = self.known | HONORIFICS | CLINICIAN | CUES | RELATIVES

    def _is_namey(self, tok: _Tok) -> bool:
        """Capitalised and a known or lexicon name (not a common word)."""
        return tok.cap and tok.key not in NOT_NAMES and (tok.key in self.known or tok.key in self.lexicon)

    def find(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the names in ``text``."""
        toks = _tokens(text)
        if not any(t.key in self._triggers for t in toks):
            return []
        n = len(toks)
        name = [False] * n
        protected = [False] * n
        # Clinicians: "Dr. Maya Patel", "Dr Patel", "Dr. R. Ferreira", "Doctor Kim".
        for i, t in enumerate(toks):
            if t.key in CLINICIAN:
                j = i + 1
                while j < n and toks[j].cap and self._adjacent(text, toks[j - 1], toks[j]) and j - i <= 3:
                    protected[j] = True
                    j += 1
        for i, t in enumerate(toks):
            if protected[i] or not t.key:
                continue
            if t.key in self.known_distinct:
                name[i] = True
        # Context cues start a name run to their right.
        for i, t in enumerate(toks[:-1]):
            nxt = i + 1
            if not self._adjacent(text, t, toks[nxt], loose=True):
                continue
            if t.key in HONORIFICS:
                self._run(text, toks, name, protected, nxt, lambda tok: tok.cap)
            elif t.key in CUES or t.key in RELATIVES:
                if t.key in ("is", "am", "im", "i'm") and not self._after_name_is(toks, i):
                    continue
                self._run(text, toks, name, protected, nxt, self._is_namey)
        # Ambiguous known names and lexicon names next to a name join it (both directions).
        changed = True
        while changed:
            changed = False
            for i, t in enumerate(toks):
                if name[i] or protected[i] or not t.key:
                    continue
                left = i > 0 and self._adjacent(text, toks[i - 1], t)
                right = i + 1 < n and self._adjacent(text, t, toks[i + 1])
                if self._joins(t, toks[i - 1] if left else None, name[i - 1] if left else False) or self._joins(
                    t, toks[i + 1] if right else None, name[i + 1] if right else False
                ):
                    name[i] = changed = True
        return [(t.start, t.end) for i, t in enumerate(toks) if name[i]]

    def _joins(self, tok: _Tok, other: _Tok | None, other_is_name: bool) -> bool:
        """Whether ``tok`` is part of the same name as its neighbour ``other``."""
        if other is None or tok.key in NOT_NAMES or not other.key:
            return False
        if len(tok.text) == 1 and tok.cap and tok.dot is False and other_is_name:
            return False
        if other_is_name:
            if tok.key in self.known:
                return tok.cap == other.cap or tok.cap
            return self._is_namey(tok) or (len(tok.text) == 1 and tok.cap)
        # Two capitalised known names side by side ("Christian Young", "Will Baker").
        return tok.cap and other.cap and tok.key in self.known and other.key in self.known

    def _run(self, text: str, toks: list[_Tok], name: list[bool], protected: list[bool], j: int, ok) -> None:
        """Mark a run of up to three name tokens starting at ``j`` (initials included)."""
        count = 0
        while j < len(toks) and count < 3 and not protected[j]:
            tok = toks[j]
            if not tok.key or tok.key in NOT_NAMES:
                break
            if not (ok(tok) or (len(tok.text) == 1 and tok.cap and tok.dot)):
                break
            name[j] = True
            count += 1
            if tok.dot and len(tok.text) > 1 or j + 1 >= len(toks) or not self._adjacent(text, tok, toks[j + 1]):
                break
            j += 1

    @staticmethod
    def _after_name_is(toks: list[_Tok], i: int) -> bool:
        """Whether ``is``/``am`` at ``i`` follows "name", "this", "it" or "I"."""
        return i > 0 and toks[i - 1].key in ("name", "this", "i", "it", "here")

    @staticmethod
    def _adjacent(text: str, a: _Tok, b: _Tok, loose: bool = False) -> bool:
        """Whether only blanks separate two tokens (``loose``: also a comma, colon or bracket)."""
        gap = text[a.end : b.start]
        if a.dot:
            gap = gap[1:]
        return len(gap) <= 3 and gap.strip(" \t,:(" if loose else " \t") == "" and "\n" not in gap

    def replace(self, text: str) -> str:
        """``text`` with every name found replaced by ``[NAME]``."""
        spans = self.find(text)
        if not spans:
            return text
        parts, last = [], 0
        for start, end in spans:
            parts.append(text[last:start])
            parts.append(PLACEHOLDER)
            last = end
            if end < len(text) and text[end] == "." and len(text[start:end]) == 1:
                last = end + 1
        parts.append(text[last:])
        return _COLLAPSE.sub(PLACEHOLDER, "".join(parts))
