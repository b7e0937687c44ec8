"""Shape words: when a dimension word groups the answer ("by X", "which X"), and ranking ("top 3", "highest").

>>> adjacent_number("which 3 campaigns".split(), 0, before=False)
3
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.interpret import language
from assistant.interpret.text import key
from assistant.interpret.timewords import GRAIN_NOUN, NUMBERS
from semantic_layer.query import OrderBy

if TYPE_CHECKING:
    from assistant.interpret.builtin import BuiltinInterpreter, Parsed
    from assistant.interpret.readings import Readings

BREAKDOWN_CUES = (
    "by",
    "per",
    "each",
    "every",
    "across",
    "which",
    "what",
    "between",
    "among",
    "top",
    "bottom",
)


# Dimension phrases that are questions in themselves ("how did they find us?")
INHERENT_BREAKDOWN = {
    key(x)
    for x in (
        "find us",
        "found us",
        "hear about us",
        "heard about us",
        "how they found us",
        "how booked",
        "how they booked",
    )
}
GENERIC_DIM_WORDS = {"type", "kind", "category", "channel", "source"}


def generic_dimension(interp: BuiltinInterpreter, word: str, avail: set[str], metric: str) -> str | None:
    """'by type', 'by channel': the dimension of that kind that lives on the metric's own table."""
    cands = [d for d in avail if word in d.split("_")]
    if not cands:
        return None
    table = getattr(interp.model.metrics.get(metric), "table", None)
    own = [d for d in cands if getattr(interp.model.dimensions[d], "table", None) == table]
    pref = {d: i for i, d in enumerate(language.DIMENSION_PREFERENCE)}
    return sorted(own or cands, key=lambda d: pref.get(d, 99))[0]


SKIPPABLE = {
    "the",
    "all",
    "different",
    "individual",
    "our",
    "each",
    "every",
    "of",
    "a",
    "an",
    "and",
    "or",
    "its",
    "their",
}
AFTER_CUES = ("ranked", "sorted", "ordered", "compared", "ranking", "breakdown", "split")


def is_breakdown(p: Parsed, m: Any, has_value: bool, n_dims: int) -> bool:
    """A dimension word groups the answer when a cue says so: 'by X', 'each X', 'which X', 'top 3 X', ..."""
    if m.phrase in INHERENT_BREAKDOWN:
        return True
    values_at = {i for x in p.mentions if x.kind == "value" for i in range(x.start, x.end)}
    i = m.start - 1
    steps = 0
    while i >= 0 and steps < 4:
        w = p.words[i]
        if w in BREAKDOWN_CUES or w in ("compare", "comparing", "vs", "versus", "rank", "among", "per"):
            return not has_value or w in ("by", "per", "each", "every", "across", "which", "what")
        if w in SKIPPABLE or w.isdigit() or w in NUMBERS or i in values_at or i in p.time.used:
            i -= 1
            steps += 1
            continue
        break
    nxt = p.words[m.end] if m.end < len(p.words) else ""
    if nxt in AFTER_CUES:
        return True
    ordering = any(
        w in language.ORDER_DESC | language.ORDER_ASC | language.ORDER_GOOD | language.ORDER_BAD
        for w in p.words
    )
    return ordering and not has_value and n_dims == 1


def adjacent_number(words: list[str], i: int, before: bool = True) -> int | None:
    """'3 best', 'best three', 'which 3': a small count next to a ranking word."""
    spots = ([i - 1] if before else []) + [i + 1]
    for j in spots:
        if 0 <= j < len(words):
            w = words[j]
            n = int(w) if w.isdigit() and len(w) <= 2 else NUMBERS.get(w) if w != "a" else None
            if n and n > 0:
                return n
    return None


PERSON_DIMENSIONS = ("provider", "staff_member")


def _person_dimension(interp: BuiltinInterpreter, metric: str) -> str | None:
    """The people a metric can be ranked by: its providers, else its staff members."""
    avail = interp.dims_for(metric)
    return next((d for d in PERSON_DIMENSIONS if d in avail), None)


def order(interp: BuiltinInterpreter, p: Parsed, r: Readings) -> None:
    words = p.words
    desc: bool | None = None
    for i, w in enumerate(words):
        if w in ("top", "bottom") or (w in ("first",) and i + 1 < len(words) and words[i + 1].isdigit()):
            nxt = words[i + 1] if i + 1 < len(words) else ""
            n = int(nxt) if nxt.isdigit() else NUMBERS.get(nxt)
            if n and n < 1000:
                r.limit = n
            desc = w != "bottom"
        elif w in language.ORDER_DESC:
            desc = True if desc is None else desc
            r.limit = r.limit or adjacent_number(words, i)
        elif w in language.ORDER_ASC:
            desc = False if desc is None else desc
            r.limit = r.limit or adjacent_number(words, i)
        elif w in language.ORDER_GOOD | language.ORDER_BAD:
            good_up = True
            if r.metrics:
                gd = getattr(interp.model.metrics[r.metrics[0]], "good_direction", None)
                good_up = getattr(gd, "value", gd) != "down"
            desc = good_up if w in language.ORDER_GOOD else not good_up
            r.limit = r.limit or adjacent_number(words, i)
        elif w == "which" and adjacent_number(words, i, before=False):
            r.limit = adjacent_number(words, i, before=False)
    if desc is None:
        return
    r.named_order, r.order_desc = True, desc
    if not r.dimensions and not p.time.grain:
        grain = next((GRAIN_NOUN[w] for i, w in p.unused() if w in GRAIN_NOUN), None)
        if grain:
            r.dimensions.append(grain)
        elif p.has("day") and not p.time.grain:
            r.dimensions.append("day")
        elif "who" in words[:2] and r.metrics:
            person = _person_dimension(interp, r.metrics[0])
            if person:
                r.dimensions.append(person)  # "who saw the most patients": ranked by person
    if r.metrics and (r.dimensions or p.time.grain):
        r.order_by = [OrderBy(r.metrics[0], desc)]
