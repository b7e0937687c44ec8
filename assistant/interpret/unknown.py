"""Names the data does not know: "revenue at the Westside clinic", "no-show rate for Dr. Smith".

A word that is neither vocabulary, nor an English word, nor corrected to either, and that
stands where a member's name goes (capitalised, after "Dr." / "at" / "for" / "from", or
before "clinic", "campaign", "brand" ...) is a name the warehouse has no member for. Dropping
it would answer for everyone, a confident wrong number, so the interpreter asks instead.

>>> name_slot(["revenue", "at", "westside", "clinic"], 2, capitalised=set())
True
>>> name_slot(["hwo", "many", "visits"], 0, capitalised=set())
False
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.interpret import qualifier_words as qw
from assistant.interpret.lexicon import expand
from assistant.interpret.text import tokens

if TYPE_CHECKING:
    from assistant.interpret.builtin import BuiltinInterpreter, Parsed

BEFORE_NAME = {"dr", "doctor", "at", "for", "from", "of", "with", "in"}
AFTER_NAME = {
    "clinic", "office", "location", "site", "branch", "campaign", "campaigns", "brand", "frames", "lenses",
    "supplier", "patients", "staff",
}  # fmt: skip
# Dimensions a name most often belongs to, by the word beside it; the rest by preference.
SLOT_DIMENSION = {
    "dr": "provider", "doctor": "provider", "clinic": "location", "office": "location", "location": "location",
    "site": "location", "branch": "location", "at": "location", "campaign": "campaign", "campaigns": "campaign",
    "brand": "brand", "frames": "brand", "lenses": "brand", "supplier": "supplier",
}  # fmt: skip
_NEGATION_PHRASE_WORDS = frozenset(w for ph in qw.NEGATION_PHRASES for w in ph.split())
NAME_DIMENSIONS = ("location", "provider", "campaign", "brand", "insurance_carrier", "supplier")


# Period words the time grammar of metrics.md does not define: read silently as "all data" they
# would give a confident wrong number.
UNREAD_PERIODS = {
    "weekend", "weekends", "fortnight", "fortnights", "season", "seasons", "semester", "holiday", "holidays",
    "summer", "winter", "autumn", "spring", "christmas", "thanksgiving", "easter",
}  # fmt: skip
# Words that cut a named period ("late September", "early 2025", "mid year"): unread when a period follows.
_CUTS = {"late", "early", "mid", "middle"}
# "the first week of September", "the end of last year": parts of a period the grammar does not cut.
_PART_OF = {"first", "second", "third", "fourth", "last", "end", "middle"}


def unread_periods(p: Parsed, running_total: bool = False) -> list[str]:
    """Period words left unread by the time grammar and by member names ("last weekend",
    "late September"), and parts of a period it does not cut ("the first week of May").

    ``running_total``: the metric is a level at the end of its period (stock on hand), so
    "at the end of June" is June, not a part of it."""
    unused = dict(p.unused())
    used = p.time.used
    out = [w for w in unused.values() if w in UNREAD_PERIODS]
    for i, w in unused.items():
        if i > 0 and p.words[i - 1] == "by":
            continue  # "by end of September": a deadline, read elsewhere
        nxt = p.words[i + 1 : i + 3]
        cut = w in _CUTS and (i + 1 in used or nxt[:1] == ["of"])
        part = w in _PART_OF and (nxt[:2] == ["week", "of"] or nxt[:1] == ["of"]) and bool(used)
        if part and running_total and w == "end":
            continue
        if cut or part:
            end = next((j for j in range(i + 1, len(p.words)) if j in used), i)
            while end + 1 in used:
                end += 1
            out.append(" ".join(p.words[i : end + 1]))
    return out


def clarify_period(interp: BuiltinInterpreter, metric: str, words: list[str], named: str = ""):
    """The clarification for a period word the grammar does not define; ``named`` is the
    period the question does name ("september" in "late September"), offered whole and by week."""
    from assistant.interpret.builtin import Interpretation

    label = getattr(interp.model.metrics.get(metric), "label", metric.replace("_", " ").capitalize())
    asked = " and ".join(f"'{w}'" for w in words)
    message = f"{asked} is not a period I can read. Which period do you mean?"
    if named and named.split()[0] not in ("in", "last", "this", "next", "previous", "past"):
        named = f"in {named}"
    offers = (named, f"by week {named}") if named else ()
    offers += ("by day of week", "last week", "last month", "this year")
    choices = tuple(f"{label} {t}" for t in offers[:4])
    return Interpretation("clarify", message=message, choices=choices)


def name_slot(words: list[str], i: int, capitalised: set[str]) -> bool:
    """True when ``words[i]`` stands where a member's name goes."""
    before = words[i - 1] if i > 0 else ""
    after = words[i + 1] if i + 1 < len(words) else ""
    return words[i] in capitalised or before in BEFORE_NAME or after in AFTER_NAME


def unknown_names(interp: BuiltinInterpreter, question: str, p: Parsed) -> list[tuple[str, str | None]]:
    """(word, the dimension its neighbours suggest) for each name the data does not know."""
    raw = expand(tokens(question))
    if len(raw) != len(p.words):
        return []
    first = re.match(r"\W*\w+", question)
    rest = question[first.end() :] if first else question
    capitalised = {w.lower() for w in re.findall(r"\b[A-Z][a-z]+\w*", rest)}
    known = interp.corrector_known
    out = []
    for i, w in p.unused():
        if raw[i] != w or w.isdigit() or not w.isalpha() or w in interp.vocab or w in known:
            continue
        if w in qw.NEGATION_WORDS or w in _NEGATION_PHRASE_WORDS:
            continue  # "excluding frames": the word that excludes, not a name
        if name_slot(p.words, i, capitalised):
            near = [p.words[j] for j in (i - 1, i + 1) if 0 <= j < len(p.words)]
            out.append((w, next((SLOT_DIMENSION[n] for n in near if n in SLOT_DIMENSION), None)))
    return out


def clarify_unknown(interp: BuiltinInterpreter, metric: str, names: list[tuple[str, str | None]]):
    """The clarification: the name is not in the data; the breakdowns that list who and what is."""
    from assistant.interpret.builtin import Interpretation

    m = interp.model.metrics.get(metric)
    label = getattr(m, "label", metric.replace("_", " ").capitalize())
    avail = interp.dims_for(metric)
    hinted = [d for _, d in names if d]
    dims = [d for d in dict.fromkeys(hinted + list(NAME_DIMENSIONS)) if d in avail][:4]
    asked = " and ".join(f"'{w}'" for w, _ in names)
    kinds = ", ".join(getattr(interp.model.dimensions.get(d), "label", d).lower() for d in dims)
    message = f"{asked} is not a name in the data (no {kinds or 'member'} is called that). Which do you mean?"
    choices = tuple(
        f"{label} by {getattr(interp.model.dimensions.get(d), 'label', d).lower()}" for d in dims
    ) or (label,)
    return Interpretation("clarify", message=message, choices=choices)
