"""Grounding: is every number in a text one the result contains?

A number in the text is grounded when, within the rounding its own display implies
(``8.4%`` stands for anything in [0.0835, 0.0845]; ``$12.3k`` for 12,250..12,350), it
equals a value of the result, a number written in a trusted text (the built-in
narrative), or the difference or percent change of two result values. Signs are ignored
("down 5%" and "-5%" both mean a change of 5%); ordinals ("2nd") are ranks, not data.

>>> ungrounded_numbers("No-show rate rose to 8.4% (up 1.2 points, 16.7%).", [[0.084], [0.072]])
[]
>>> ungrounded_numbers("Revenue was $13,000.", [[12345.67]])
['$13,000']
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_PAIR_VALUES = 60  # differences and changes are checked among this many distinct values

_NUMBER = re.compile(
    r"(?<![\w.])(?P<raw>[$€£]?(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?)"
    r"(?P<ord>st|nd|rd|th)?"
    r"(?:\s?(?P<unit>%|percent\b|percentage points?\b|pp\b|points?\b|k\b|K\b|M\b|million\b|thousand\b|bn\b|billion\b))?"
)
_SCALE = {"k": 1e3, "K": 1e3, "thousand": 1e3, "M": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
_PERCENT = ("%", "percent", "percentage point", "percentage points", "pp", "point", "points")


@dataclass(frozen=True)
class TextNumber:
    """A number as written in a text: its value, the tolerance its rounding implies, if a percent."""

    raw: str
    value: float
    tolerance: float
    percent: bool

    def matches(self, candidate: float) -> bool:
        """True if ``candidate`` (a result value, sign ignored) rounds to this number."""
        c = abs(candidate)
        if math.isclose(c, self.value, abs_tol=self.tolerance):
            return True
        return self.percent and math.isclose(c * 100, self.value, abs_tol=self.tolerance)


def extract_numbers(text: str) -> list[TextNumber]:
    """The numbers written in ``text`` (ordinals excluded), with their display tolerance."""
    out = []
    for m in _NUMBER.finditer(text):
        if m.group("ord"):
            continue
        dec = m.group("dec") or ""
        unit = m.group("unit") or ""
        scale = _SCALE.get(unit, 1.0)
        value = float(m.group("int").replace(",", "") + ("." + dec if dec else "")) * scale
        tolerance = 0.5 * 10 ** -len(dec) * scale * (1 + 1e-9) + 1e-12
        out.append(TextNumber(m.group(0).strip(), value, tolerance, unit in _PERCENT))
    return out


def _cell_numbers(cell: Any) -> list[float]:
    if cell is None or isinstance(cell, bool):
        return []
    if isinstance(cell, int | float | decimal.Decimal):
        f = float(cell)
        return [] if math.isnan(f) or math.isinf(f) else [abs(f)]
    if isinstance(cell, dt.datetime | dt.date):
        return [float(cell.year), float(cell.month), float(cell.day)]
    return [n.value for n in extract_numbers(str(cell))]


class Grounding:
    """The numbers a text may use, given a result and trusted texts."""

    def __init__(self, rows: Iterable[Sequence[Any]], trusted_texts: Iterable[str] = ()) -> None:
        measured: list[float] = []
        written: list[float] = []
        count = 0
        for row in rows:
            count += 1
            for cell in row:
                nums = _cell_numbers(cell)
                is_measure = isinstance(cell, int | float | decimal.Decimal) and not isinstance(cell, bool)
                (measured if is_measure else written).extend(nums)
        for text in trusted_texts:
            written.extend(n.value for n in extract_numbers(text))
        self.values = sorted(set(measured) | set(written) | {float(count)})
        self._pair_values = sorted(set(measured))[:MAX_PAIR_VALUES]

    def grounded(self, number: TextNumber) -> bool:
        """True if ``number`` is a value, or a difference or percent change of two values."""
        if any(number.matches(v) for v in self.values):
            return True
        vals = self._pair_values
        for i, a in enumerate(vals):
            for b in vals[i + 1 :]:
                if number.matches(b - a):
                    return True
                if (a and number.matches((b - a) / a)) or (b and number.matches((b - a) / b)):
                    return True
        return False

    def ungrounded(self, text: str) -> list[str]:
        """The numbers written in ``text`` that are not grounded, as written."""
        return [n.raw for n in extract_numbers(text) if not self.grounded(n)]


def ungrounded_numbers(
    text: str, rows: Iterable[Sequence[Any]], trusted_texts: Iterable[str] = ()
) -> list[str]:
    """The numbers in ``text`` the result ``rows`` (and ``trusted_texts``) do not support."""
    return Grounding(rows, trusted_texts).ungrounded(text)
