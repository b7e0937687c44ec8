"""Search filters (document type, date range or month, audience) for both retrieval paths.

One :class:`SearchFilters` is turned into a Chroma ``where`` clause for the vector search
and into a boolean row mask for the keyword search, so both paths filter alike.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest.documents.extract import AUDIENCES

ROLE_RANK = {"all": 0, "staff": 1, "manager": 2, "managers": 2, "owner": 3, "owners": 3, "admin": 3}


def audience_rank(audience: str) -> int:
    """Rank of a document audience: all 0, staff 1, managers 2, owners 3."""
    return AUDIENCES.index(audience) if audience in AUDIENCES else 0


def role_rank(role: str | None) -> int | None:
    """Highest audience rank a role may read (None: no restriction); unknown roles read staff documents."""
    if role is None:
        return None
    return ROLE_RANK.get(role.strip().lower(), 1)


def date_num(d: dt.date) -> int:
    """A date as the integer YYYYMMDD (how the index stores it)."""
    return d.year * 10000 + d.month * 100 + d.day


@dataclass(frozen=True)
class SearchFilters:
    """Which chunks a search may return. Dates are inclusive-exclusive: [date_from, date_to)."""

    doc_types: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    month: int | None = None  # a calendar month in any year ("notes from March")
    audience: str | None = None  # the asker's role; None sees every document

    def is_empty(self) -> bool:
        """True when nothing is filtered."""
        return not (self.doc_types or self.date_from or self.date_to or self.month or self.audience)

    def describe(self) -> str:
        """A short human description (``meeting notes, March``)."""
        parts = [t.replace("_", " ") for t in self.doc_types]
        if self.month and not (self.date_from or self.date_to):
            parts.append(dt.date(2000, self.month, 1).strftime("%B"))
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or '...'} to {self.date_to or '...'}")
        return ", ".join(parts)

    def to_where(self) -> dict[str, Any] | None:
        """The filter as a Chroma ``where`` clause (None when empty)."""
        conds: list[dict[str, Any]] = []
        if self.doc_types:
            conds.append({"doc_type": {"$in": list(self.doc_types)}})
        if self.date_from:
            conds.append({"date_num": {"$gte": date_num(self.date_from)}})
        if self.date_to:
            conds.append({"date_num": {"$lt": date_num(self.date_to)}})
        if self.month:
            conds.append({"month": self.month})
        rank = role_rank(self.audience)
        if rank is not None:
            conds.append({"audience_rank": {"$lte": rank}})
        if not conds:
            return None
        return conds[0] if len(conds) == 1 else {"$and": conds}

    def mask(self, meta: dict[str, np.ndarray]) -> np.ndarray:
        """Boolean mask over rows given column arrays ``doc_type``, ``date_num``, ``month``, ``audience_rank``."""
        n = len(meta["date_num"])
        keep = np.ones(n, dtype=bool)
        if self.doc_types:
            keep &= np.isin(meta["doc_type"], list(self.doc_types))
        if self.date_from:
            keep &= meta["date_num"] >= date_num(self.date_from)
        if self.date_to:
            keep &= meta["date_num"] < date_num(self.date_to)
        if self.month:
            keep &= meta["month"] == self.month
        rank = role_rank(self.audience)
        if rank is not None:
            keep &= meta["audience_rank"] <= rank
        return keep


_TYPE_PHRASES = (
    ("meeting_notes", r"\b(meetings?|minutes|huddles?)\b"),
    ("monthly_report", r"\b(monthly|month-end|operations) (practice )?reports?\b"),
    ("sop", r"\b(sops?|standard operating procedures?|procedures?|polic(y|ies))\b"),
    ("vendor_notice", r"\b(vendor|supplier) notices?\b|\bnotices? from\b"),
)
_MONTHS = tuple(dt.date(2000, m, 1).strftime("%B").lower() for m in range(1, 13))
_MONTH_RE = re.compile(
    r"\b(?:in|from|for|during|of)\s+("
    + "|".join(_MONTHS)
    + r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"\.?(?:\s+((?:19|20)\d\d))?\b",
    re.I,
)
# Words that only state filters ("meeting notes from March"), as stemmed keyword terms.
_FILTER_TEXT = (
    "meeting meetings minutes huddle huddles note notes monthly month report reports operations sop sops "
    "standard operating procedure procedures policy policies vendor supplier notice notices document documents "
    "list all latest recent last " + " ".join(_MONTHS) + " jan feb mar apr jun jul aug sep sept oct nov dec"
)
_YEAR_RE = re.compile(r"\b(?:in|from|for|during)\s+((?:19|20)\d\d)\b", re.I)


def _filter_words() -> frozenset[str]:
    from ingest.documents.keyword import tokenize

    return frozenset(tokenize(_FILTER_TEXT))


FILTER_WORDS = _filter_words()


def filters_from_text(question: str) -> SearchFilters:
    """Document type and month/year filters stated in a question ("meeting notes from March 2026")."""
    q = question.lower()
    types = tuple(name for name, pattern in _TYPE_PHRASES if re.search(pattern, q))
    month = year = None
    m = _MONTH_RE.search(question)
    if m:
        word = m.group(1).lower()[:3]
        month = next(i for i, name in enumerate(_MONTHS, start=1) if name.startswith(word))
        year = int(m.group(2)) if m.group(2) else None
    else:
        y = _YEAR_RE.search(question)
        year = int(y.group(1)) if y else None
    date_from = date_to = None
    if year and month:
        date_from = dt.date(year, month, 1)
        date_to = dt.date(year + (month == 12), month % 12 + 1, 1)
        month = None
    elif year:
        date_from, date_to = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    return SearchFilters(doc_types=types, date_from=date_from, date_to=date_to, month=month)
