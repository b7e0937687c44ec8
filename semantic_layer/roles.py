"""Roles: what each kind of user may see, read from ``models/roles.yaml``.

An :class:`Access` is the resolved permission set of one asker (role, allowed metrics,
denied columns, location ids). The compiler checks metrics against it; the SQL guard
removes denied columns from its catalog and injects the location row filters.

>>> a = access_for("staff")
>>> a.allows_metric("revenue"), a.allows_metric("no_show_rate")
(False, True)
>>> sorted(allowed_catalog({"charges": frozenset({"category", "charge_amount"})}, a)["charges"])
['category']
>>> access_for("manager", ["LOC1"]).location_ids
frozenset({'LOC1'})
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

ROLES_FILE = Path(__file__).with_name("models") / "roles.yaml"


class RoleError(ValueError):
    """A role definition or a request for a role is invalid."""


class UnknownRole(RoleError):
    """The role name is not defined in roles.yaml."""

    def __init__(self, role: str, known: Iterable[str]):
        self.role = role
        self.known = tuple(sorted(known))
        super().__init__(f"unknown role {role!r}; roles are: {', '.join(self.known)}")


@dataclass(frozen=True)
class Access:
    """The resolved permissions of one asker.

    ``allowed_metrics`` None means every metric; ``location_ids`` None means every
    location; ``denied_columns`` holds ``(table, column)`` pairs.
    """

    role: str
    allowed_metrics: frozenset[str] | None = None
    denied_columns: frozenset[tuple[str, str]] = frozenset()
    location_ids: frozenset[str] | None = None

    def allows_metric(self, name: str) -> bool:
        """True when this asker may see metric ``name``."""
        return self.allowed_metrics is None or name in self.allowed_metrics

    def allows_column(self, table: str, column: str) -> bool:
        """True unless ``table.column`` is denied to this asker."""
        return (table, column) not in self.denied_columns


@dataclass(frozen=True)
class LocationRule:
    """One way a row is in a location scope: its ``column`` is a location id, or its
    ``key`` is found among the in-scope rows of table ``via``."""

    column: str | None = None
    via: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class RoleDef:
    """One role as written in roles.yaml."""

    name: str
    description: str
    metrics: frozenset[str] | None
    denied_columns: frozenset[tuple[str, str]]
    own_locations: bool


@dataclass(frozen=True)
class RoleBook:
    """Every role and the location scope of every table."""

    roles: Mapping[str, RoleDef]
    # table -> rules (any may match); None = practice-wide (never filtered)
    location_scope: Mapping[str, tuple[LocationRule, ...] | None]


def _problem(path: Path, where: str, msg: str) -> RoleError:
    return RoleError(f"{path}: {where}: {msg}")


def _parse_role(path: Path, name: str, spec: object) -> RoleDef:
    if not isinstance(spec, dict):
        raise _problem(path, f"roles.{name}", "must be a mapping")
    unknown = set(spec) - {"description", "metrics", "deny_columns", "rows"}
    if unknown:
        raise _problem(path, f"roles.{name}", f"unknown keys {sorted(unknown)}")
    metrics = spec.get("metrics", "all")
    if metrics == "all":
        allowed = None
    elif isinstance(metrics, list) and all(isinstance(m, str) for m in metrics):
        allowed = frozenset(metrics)
    else:
        raise _problem(path, f"roles.{name}.metrics", "must be 'all' or a list of metric names")
    denied: set[tuple[str, str]] = set()
    for table, cols in (spec.get("deny_columns") or {}).items():
        if not isinstance(cols, list):
            raise _problem(path, f"roles.{name}.deny_columns.{table}", "must be a list of columns")
        denied.update((str(table), str(c)) for c in cols)
    rows = spec.get("rows", "all")
    if rows not in ("all", "own_locations"):
        raise _problem(path, f"roles.{name}.rows", "must be 'all' or 'own_locations'")
    return RoleDef(
        name, str(spec.get("description", "")), allowed, frozenset(denied), rows == "own_locations"
    )


def _parse_scope(path: Path, raw: object) -> dict[str, tuple[LocationRule, ...] | None]:
    if not isinstance(raw, dict):
        raise _problem(path, "location_scope", "must be a mapping of table -> rules")
    scope: dict[str, tuple[LocationRule, ...] | None] = {}
    for table, rules in raw.items():
        if rules == "practice_wide":
            scope[table] = None
            continue
        if not isinstance(rules, list) or not rules:
            raise _problem(path, f"location_scope.{table}", "must be practice_wide or a list of rules")
        parsed = []
        for r in rules:
            rule = LocationRule(r.get("column"), r.get("via"), r.get("key"))
            if (rule.column is None) == (rule.via is None) or (rule.via is not None) != (
                rule.key is not None
            ):
                raise _problem(
                    path, f"location_scope.{table}", f"rule {r} needs either column, or via and key"
                )
            parsed.append(rule)
        scope[table] = tuple(parsed)
    for table, rules in scope.items():
        for rule in rules or ():
            target = scope.get(rule.via) if rule.via else None
            if rule.via and not (target and any(t.column for t in target)):
                raise _problem(path, f"location_scope.{table}", f"via {rule.via!r} has no column rule")
    return scope


def load_roles(path: Path | str = ROLES_FILE) -> RoleBook:
    """Read and validate a roles file; raises :class:`RoleError` naming the file and key."""
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    roles = {str(n): _parse_role(path, str(n), spec) for n, spec in (raw.get("roles") or {}).items()}
    if not roles:
        raise _problem(path, "roles", "no roles defined")
    return RoleBook(roles, _parse_scope(path, raw.get("location_scope") or {}))


@functools.cache
def default_roles() -> RoleBook:
    """The roles of ``models/roles.yaml`` (read once)."""
    return load_roles(ROLES_FILE)


def role_names() -> tuple[str, ...]:
    """Names of the defined roles."""
    return tuple(default_roles().roles)


def access_for(
    role: str, location_ids: Iterable[str] | None = None, *, book: RoleBook | None = None
) -> Access:
    """The :class:`Access` of ``role``, optionally narrowed to ``location_ids``.

    Raises :class:`UnknownRole` for an undefined role and :class:`RoleError` when a role
    limited to its own locations is given none.
    """
    book = book or default_roles()
    spec = book.roles.get(role)
    if spec is None:
        raise UnknownRole(role, book.roles)
    locs = None if location_ids is None else frozenset(str(x) for x in location_ids)
    if spec.own_locations and not locs:
        raise RoleError(f"role {role!r} sees only its own locations: give at least one location id")
    return Access(role, spec.metrics, spec.denied_columns, locs)


def allowed_catalog(catalog: Mapping[str, Iterable[str]], access: Access) -> dict[str, frozenset[str]]:
    """``catalog`` (table -> columns) without the columns ``access`` denies."""
    out: dict[str, frozenset[str]] = {}
    for table, cols in catalog.items():
        kept = frozenset(c for c in cols if access.allows_column(table, c))
        if kept:
            out[table] = kept
    return out
