"""Find person names in free text: the export's known patient names plus name-like contexts.

A token is a name when it is a known patient name that is not also a common word; when
it is a known name that is also a common word ("Rose", "Will", "Hope") but capitalised
mid-sentence, before a reporting verb, next to another name or opening/signing a text;
or when context says so: after an honorific
("Mrs. Alvarez", "Mr. J. Smith"), after "patient"/"pt"/"my name is"/"this is", after a
relative ("my son Omar", "Daughter (Karen)"), or capitalised next to a name already found
("Margret O'Brien"). A name after "Dr."/"Doctor" is a clinician and is always kept.
Name lexicons (``scrub_data/``) come from the names-dataset package; see its README.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

PLACEHOLDER = "[NAME]"

# Placeholders are tokens of their own, so a second pass leaves them alone.
_TOKEN = re.compile(r"\[[A-Z]+\]|[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*\.?")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_COLLAPSE = re.compile(r"\[NAME\](?:[ \t]+\[NAME\])+")

# Token keys are case-folded and carry no trailing dot ("Mrs." -> "mrs").
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "mister", "madam"})
CLINICIAN = frozenset({"dr", "doctor", "drs"})
# A capitalised known or lexicon name right after these is a name ("is"/"am" only after
# "name", "this", "it", "I" or "here").
CUES = frozenset(
    {"patient", "pt", "pts", "name", "named", "is", "am", "i'm", "im", "regards", "sincerely", "thanks"}
    | {"signed", "from", "caller", "re", "called"}
)
RELATIVES = frozenset(
    {"son", "daughter", "wife", "husband", "mom", "mother", "father", "dad", "brother", "sister"}
    | {"caregiver", "grandson", "granddaughter", "grandmother", "grandfather", "partner", "spouse"}
    | {"aunt", "uncle", "niece", "nephew", "child", "kid", "friend", "neighbor", "neighbour", "mum"}
    | {"guardian", "fiance", "fiancee", "girlfriend", "boyfriend", "stepson", "stepdaughter"}
)
# A capitalised known name followed by one of these is a person even at a sentence start
# ("Rose says", "Will called"); "Hope was so kind" stays a word.
REPORTING_VERBS = frozenset(
    {"says", "said", "called", "asked", "asks", "wants", "wanted", "needs", "needed", "reports", "reported"}
    | {"states", "stated", "complained", "mentioned", "phoned", "emailed", "texted", "requested", "cancelled"}
    | {"canceled", "rescheduled", "missed", "arrived", "paid", "dropped", "picked", "came", "left", "told"}
)
# Words that are never a name, whatever the lexicons say (they also end a name run).
FUNCTION_WORDS = frozenset(
    {"dr", "doctor", "the", "and", "or", "of", "in", "at", "on", "to", "for", "with", "by", "from", "a", "an"}
    | {"i", "you", "he", "she", "it", "we", "they", "me", "him", "her", "us", "them", "my", "your", "his"}
    | {"its", "our", "their", "this", "that", "there", "here", "ok", "okay", "yes", "no", "not", "but", "so"}
    | {"thanks", "thank", "hi", "hello", "dear", "regards", "sincerely", "best", "name", "patient", "pt"}
    | {"optician", "optometrist", "technician", "tech", "manager", "office", "front", "desk", "staff"}
)
# Calendar and language words: names only after an honorific ("Mrs. June Carter").
CALENDAR = frozenset(
    {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october"}
    | {"november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
    | {"english", "spanish", "french", "german", "italian", "chinese", "japanese", "korean", "russian"}
    | {"polish", "portuguese", "arabic", "hindi", "vietnamese", "irish", "dutch", "greek", "turkish"}
)
NOT_NAMES = FUNCTION_WORDS | CALENDAR


def _fold(word: str) -> str:
    """Case-folded, accent-stripped form used for every lookup."""
    word = word.casefold()
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@cache
def _lexicon(name: str) -> frozenset[str]:
    """One bundled word list of ``scrub_data/`` (folded, with accent-stripped variants)."""
    text = resources.files("ingest").joinpath("scrub_data", name).read_text(encoding="utf-8")
    return _variants(text.split())


def common_name_words() -> frozenset[str]:
    """Common English words, names among them ("rose", "will", "hope", "mark")."""
    return _lexicon("common_words.txt")


@cache
def _keep_phrases() -> re.Pattern[str]:
    """Brands, payers and places that must survive (``scrub_data/keep_phrases.txt``)."""
    text = resources.files("ingest").joinpath("scrub_data", "keep_phrases.txt").read_text(encoding="utf-8")
    phrases = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    alternation = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")


_SENTENCE_END = frozenset('.!?:;\n"“(*-–—•>')


def _sentence_start(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens a sentence, line, quote or bullet."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


@dataclass(slots=True)
class _Tok:
    start: int
    end: int
    text: str
    key: str
    cap: bool
    dot: bool
    adj: bool = False  # only blanks between this token and the next
    adj_loose: bool = False  # only blanks, a comma, colon or bracket


def _tokens(text: str) -> list[_Tok]:
    """Word tokens (a trailing dot and possessive split off) with their adjacency to the next."""
    out: list[_Tok] = []
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        start, end = m.span()
        if word[0] == "[":
            tok = _Tok(start, end, word, "", False, False)
        else:
            dot = word[-1] == "."
            stem = word[:-1] if dot else word
            if stem[-2:] in ("'s", "’s") and len(stem) > 3:
                stem = stem[:-2]
            tok = _Tok(start, start + len(stem), stem, stem.casefold(), stem[0].isupper(), dot)
        if out:
            prev = out[-1]
            gap = text[prev.end + prev.dot : start]
            sentence_end = prev.dot and len(prev.text) > 1 and prev.key not in _ABBREVIATIONS
            if len(gap) <= 3 and "\n" not in gap and not sentence_end:
                prev.adj = gap.strip(" \t") == ""
                prev.adj_loose = gap.strip(" \t,:(") == ""
        out.append(tok)
    return out


_ABBREVIATIONS = HONORIFICS | CLINICIAN | {"st", "jr", "sr", "pt", "mt", "ft", "prof", "rev", "sgt", "capt"}


def _variants(words: Iterable[str]) -> frozenset[str]:
    """Case-folded words plus their accent-stripped and apostrophe variants."""
    out = set()
    for w in words:
        for form in (w.casefold(), _fold(w)):
            out.add(form)
            if "'" in form or "’" in form:
                out.add(form.replace("’", "'"))
                out.add(form.replace("'", "’"))
    return frozenset(out)


class NameFinder:
    """Precompiled name sets; ``replace(text)`` puts ``[NAME]`` over every name found."""

    def __init__(self, known_names: Iterable[str] = ()) -> None:
        # Non-strings (None, a NaN from a data frame) are no names.
        parts = [p.strip(".,") for name in known_names if isinstance(name, str) for p in name.split()]
        parts += [h for p in parts if "-" in p for h in p.split("-") if len(h) >= 3]  # García-López
        known = set(_variants(p for p in parts if len(p) >= 2))
        self.common = common_name_words()
        self.known = frozenset(known)
        # Two-letter parts ("De", "La", "Li") and common words need context to count.
        self.known_distinct = frozenset(k for k in known - self.common - NOT_NAMES if len(k) > 2)
        self.lexicon = (_lexicon("first_names.txt") | _lexicon("last_names.txt")) - self.common - NOT_NAMES
        self._direct = self.known_distinct | HONORIFICS
        self._cues = CUES | RELATIVES
        self._namey_keys = self.lexicon | self.known
        self._keep = _keep_phrases()

    def _is_namey(self, tok: _Tok) -> bool:
        """Capitalised and a known or lexicon name (not a common word)."""
        return tok.cap and tok.key not in NOT_NAMES and (tok.key in self.known or tok.key in self.lexicon)

    def _may_have_names(self, text: str) -> bool:
        """Cheap test on the set of words: False when no rule below could fire."""
        folded = set(_WORD.findall(text.casefold()))
        folded |= {w[:-2] for w in folded if w.endswith(("'s", "’s"))}
        if not self._direct.isdisjoint(folded):
            return True
        known = self.known & folded
        if known and (
            len(known) >= 2  # a pair of names, or a sign-off
            or not REPORTING_VERBS.isdisjoint(folded)
            or any(w[0].isupper() and w.casefold() in known for w in _WORD.findall(text))
        ):
            return True
        return not self._cues.isdisjoint(folded) and not self._namey_keys.isdisjoint(folded)

    def find(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the names in ``text``."""
        if not self._may_have_names(text):
            return []
        toks = _tokens(text)
        n = len(toks)
        name = [False] * n
        protected = [False] * n
        starts = [t.start for t in toks]
        for m in self._keep.finditer(text):
            i = bisect.bisect_left(starts, m.start())
            while i < n and toks[i].end <= m.end():
                protected[i] = True
                i += 1
        # Clinicians: "Dr. Maya Patel", "Dr Patel", "Dr. R. Ferreira", "Doctor Kim".
        for i, t in enumerate(toks):
            if t.key in CLINICIAN:
                j = i + 1
                while j < n and j - i <= 3 and toks[j].cap and toks[j - 1].adj:
                    protected[j] = True
                    j += 1
        candidates = []
        for i, t in enumerate(toks):
            if protected[i] or not t.key:
                continue
            key = t.key
            if key in self.known_distinct:
                name[i] = True
                continue
            if key in NOT_NAMES:
                continue
            if key in self.known or (t.cap and (key in self.lexicon or len(t.text) == 1)):
                candidates.append(i)
            if key in self.known:
                # A known name that is also a word, before a reporting verb ("Rose says",
                # "maria called") or capitalised mid-sentence ("told Rose"); not inside a
                # Title Case phrase ("Clear Vision Fall").
                prev = toks[i - 1] if i > 0 and toks[i - 1].adj else None
                nxt = toks[i + 1] if i + 1 < n and t.adj else None
                if any(x is not None and x.cap and not self._is_namey(x) for x in (prev, nxt)):
                    continue
                before_verb = nxt is not None and nxt.key in REPORTING_VERBS
                if before_verb or (t.cap and not _sentence_start(text, t.start)):
                    name[i] = True
        # Context cues start a name run to their right.
        for i in range(n - 1):
            t = toks[i]
            if not t.adj_loose:
                continue
            if t.key in HONORIFICS:
                self._run(toks, name, protected, i + 1, lambda tok: tok.cap)
            elif t.key in self._cues:
                if t.key in ("is", "am", "im", "i'm") and not self._after_name_is(toks, i):
                    continue
                self._run(toks, name, protected, i + 1, self._is_namey)
        self._sign_offs(text, toks, name, protected)
        # Ambiguous known names and lexicon names next to a name join it (both directions).
        changed = True
        while changed:
            changed = False
            for i in candidates:
                if name[i]:
                    continue
                t = toks[i]
                left = toks[i - 1] if i > 0 and toks[i - 1].adj else None
                right = toks[i + 1] if i + 1 < n and t.adj else None
                if self._joins(t, left, left is not None and name[i - 1]) or self._joins(
                    t, right, right is not None and name[i + 1]
                ):
                    name[i] = changed = True
        return [(t.start, t.end) for i, t in enumerate(toks) if name[i]]

    def _sign_offs(self, text: str, toks: list[_Tok], name: list[bool], protected: list[bool]) -> None:
        """Two known names opening ("summer fields here, ...") or signing ("... - john smith") a text."""
        n = len(toks)
        if n < 2:
            return

        def pair(i: int) -> bool:
            a, b = toks[i], toks[i + 1]
            return (
                a.adj
                and not (protected[i] or protected[i + 1])
                and all(t.key in self.known and t.key not in NOT_NAMES for t in (a, b))
            )

        after = text[toks[1].end + toks[1].dot :].lstrip(" \t")
        if (
            not text[: toks[0].start].strip()
            and pair(0)
            and (after[:1] in (",", "-", "–", "—", ":") or toks[2:3] and toks[2].key == "here")
        ):
            name[0] = name[1] = True
        before = text[: toks[-2].start].rstrip(" \t")
        if (
            not re.search(r"\w", text[toks[-1].end :])
            and pair(n - 2)
            and (not before or before[-1] in "-–—~\n")
        ):
            name[-2] = name[-1] = True

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

    @staticmethod
    def _run(toks: list[_Tok], name: list[bool], protected: list[bool], j: int, ok) -> None:
        """Mark a run of up to three name tokens starting at ``j`` (initials included)."""
        count = 0
        while j < len(toks) and count < 3 and not protected[j]:
            tok = toks[j]
            if not tok.key or tok.key in FUNCTION_WORDS:
                break
            if not (ok(tok) or (len(tok.text) == 1 and tok.cap and tok.dot)):
                break
            name[j] = True
            count += 1
            if tok.dot and len(tok.text) > 1 or not tok.adj:
                break
            j += 1

    @staticmethod
    def _after_name_is(toks: list[_Tok], i: int) -> bool:
        """Whether ``is``/``am`` at ``i`` follows "name", "this", "it" or "I"."""
        return i > 0 and toks[i - 1].key in ("name", "this", "i", "it", "here")

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
