"""The value index: members of each dimension, read from the warehouse once, with the words people use.

"Dr. Patel", "Patel" and "Dr Patel" all name ``Dr. Maya Patel``; "comprehensive exams"
names ``comprehensive_exam``; "Google Ads" names ``google_ads``. Each spelling carries a
priority (2: the value itself or a full spelling, 1: a partial one such as a first name).

>>> idx = ValueIndex.from_members({"provider": ["Dr. Maya Patel"], "appointment_type": ["dry_eye_treatment"]})
>>> sorted(idx.aliases["patel"])
[('provider', 'Dr. Maya Patel', 2)]
>>> sorted(idx.aliases["dry eye treatment"])
[('appointment_type', 'dry_eye_treatment', 2)]
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.interpret import language
from assistant.interpret.text import key
from assistant.interpret.timeexpr import MONTHS

log = logging.getLogger(__name__)

MAX_MEMBERS = 5000  # dimensions with more members (ZIP3, ...) are not indexed
PERSON_DIMS = ("provider", "staff", "employee", "doctor")
_NOT_ALONE = (
    language.STOPWORDS | set(MONTHS) | {"exam", "visit", "lens", "treatment", "management", "medical"}
)
_NOT_ALONE |= {"other", "none", "both", "all", "any", "unknown"}  # member values that are everyday words


@dataclass
class ValueIndex:
    """Alias key -> {(dimension, member, priority)}; ``members`` per dimension."""

    members: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, set[tuple[str, str, int]]] = field(default_factory=dict)

    @classmethod
    def from_members(cls, members: Mapping[str, Iterable[str]]) -> ValueIndex:
        """Index the given members (dimension -> values)."""
        idx = cls()
        for dim, values in members.items():
            vals = [str(v) for v in values if v is not None and str(v).strip()]
            idx.members[dim] = vals
            for v in vals:
                for alias, prio in spellings(dim, v):
                    k = key(alias)
                    if k:
                        idx.aliases.setdefault(k, set()).add((dim, v, prio))
        return idx

    def extended(self, members: Mapping[str, Iterable[str]]) -> ValueIndex:
        """A copy with more dimensions' members (e.g. the weekdays of the day_of_week grain)."""
        more = ValueIndex.from_members(members)
        out = ValueIndex({**self.members, **more.members}, {k: set(v) for k, v in self.aliases.items()})
        for k, v in more.aliases.items():
            out.aliases.setdefault(k, set()).update(v)
        return out

    def by_alias(self) -> dict[str, list[tuple[str, str, int]]]:
        """The aliases as lists (for the lexicon)."""
        return {k: sorted(v) for k, v in self.aliases.items()}


def spellings(dimension: str, value: str) -> list[tuple[str, int]]:
    """The ways people write ``value`` of ``dimension``, with their priority."""
    out: list[tuple[str, int]] = [(value, 2)]
    plain = value.replace("_", " ")
    out.append((plain, 2))
    out += [(w, 2) for w in language.VALUE_WORDS.get(value, ())]
    words = key(plain).split()
    if any(p in dimension for p in PERSON_DIMS) and len(words) >= 2:
        names = [w for w in words if w not in ("dr", "doctor", "mr", "mrs", "ms")]
        if names:
            last, first = names[-1], names[0]
            titled = words[0] in ("dr", "doctor")
            out += [(" ".join(names), 2), (last, 2 if titled else 1), (first, 1)]
            if titled:
                out += [
                    (f"dr {last}", 2),
                    (f"doctor {last}", 2),
                    (f"dr {first}", 1),
                    (f"doctor {' '.join(names)}", 2),
                ]
    elif len(words) > 1 and "_" in value:
        head = " ".join(words[:-1])
        if head not in _NOT_ALONE:
            out.append((head, 1))
    elif len(words) > 2:  # a campaign name: without its year, and its first words ("back to school")
        named = [w for w in words if not re.fullmatch(r"\d{4}", w)]
        short = " ".join(named)
        if short != " ".join(words):
            out.append((short, 1))
        out += [
            (" ".join(named[:n]), 1)
            for n in range(2, len(named))
            if named[n - 1] not in language.STOPWORDS and not set(named[:n]) <= language.STOPWORDS
        ]
    keep = []
    for alias, prio in out:
        k = key(alias)
        from_table = alias in language.VALUE_WORDS.get(value, ())
        # a name spelled as written ("Dailies") is kept even when its stem is an everyday word
        as_written = alias == value and value.lower() not in _NOT_ALONE and not value.islower()
        if k and (from_table or as_written or (len(k) > 1 and k not in _NOT_ALONE)):
            keep.append((alias, prio))
    return keep


_LOCK = threading.Lock()
_CACHE: dict[tuple[str, float, int], ValueIndex] = {}


def load_value_index(
    model: Any,
    db_path: str | Path,
    run: Callable[[str], Sequence[Sequence[Any]]] | None = None,
    config: Mapping[str, Any] | None = None,
) -> ValueIndex:
    """Read every dimension's members from the warehouse; cached per file version.

    ``run(sql) -> rows`` executes one member query (the pipeline passes the guarded
    executor); without it a read-only connection (with DuckDB ``config``) is opened for the
    duration of the load.
    """
    path = Path(db_path)
    stamp = (str(path.resolve()), path.stat().st_mtime if path.exists() else 0.0, id(model))
    with _LOCK:
        hit = _CACHE.get(stamp)
        if hit is not None:
            return hit
    con = None
    if run is None:
        import duckdb

        con = duckdb.connect(str(path), read_only=True, config=dict(config or {}))
        run = lambda sql: con.execute(sql).fetchall()  # noqa: E731
    members: dict[str, list[str]] = {}
    try:
        for name, dim in model.dimensions.items():
            if getattr(dim, "members", ()):
                members[name] = [str(m) for m in dim.members]
                continue
            try:
                rows = run(dim.member_query().limit(MAX_MEMBERS + 1).sql(dialect="duckdb"))
            except Exception as exc:  # a dimension that cannot be listed is just not indexed
                log.debug("value index: skipping %s: %s", name, exc)
                continue
            vals = [str(r[0]) for r in rows if r[0] is not None]
            if len(vals) > MAX_MEMBERS or (vals and all(v.replace("-", "").isdigit() for v in vals[:50])):
                continue
            members[name] = vals
    finally:
        if con is not None:
            con.close()
    idx = ValueIndex.from_members(members)
    with _LOCK:
        _CACHE[stamp] = idx
    return idx
