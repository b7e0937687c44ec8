"""The guard's checks: small functions over a statement's syntax tree, in a registry.

Each check takes the :class:`GuardContext` and returns nothing or raises
:class:`GuardRejection` with a code and a plain-words reason. ``TEXT_CHECKS`` run on the
raw text, ``TREE_CHECKS`` on the parsed tree, ``RESOLVED_CHECKS`` after every column has
been resolved against the role's catalog (sqlglot's ``qualify``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, traverse_scope

from semantic_layer.guard_allowlist import (
    ALLOWED_FUNCTION_NAMES,
    ALLOWED_FUNCTIONS,
    ALLOWED_NODES,
    FILE_FUNCTION_PREFIXES,
    SYSTEM_FUNCTION_PREFIXES,
    SYSTEM_SCHEMAS,
    SYSTEM_TABLE_PREFIXES,
)
from semantic_layer.roles import Access

MAX_SQL_CHARS = 20_000
PATIENT_KEY_COLUMNS = frozenset({"patient_key"})
# Aggregates whose result is a count: a patient key inside one is counted, not listed.
COUNTING = (exp.Count, exp.CountIf, exp.ApproxDistinct)


class Code(StrEnum):
    """Why a statement was rejected."""

    TOO_LONG = "too_long"
    BAD_CHARACTERS = "bad_characters"
    PARSE_ERROR = "parse_error"
    EMPTY = "empty"
    MULTIPLE_STATEMENTS = "multiple_statements"
    NOT_SELECT = "not_select"
    WRITE = "write_statement"
    FORBIDDEN_SYNTAX = "forbidden_syntax"
    PARAMETER = "parameter"
    TABLE_FUNCTION = "table_function"
    FILE_ACCESS = "file_access"
    SYSTEM_CATALOG = "system_catalog"
    UNKNOWN_TABLE = "unknown_table"
    FORBIDDEN_FUNCTION = "forbidden_function"
    UNKNOWN_COLUMN = "unknown_column"
    FORBIDDEN_COLUMN = "forbidden_column"
    PATIENT_KEY_LISTED = "patient_key_listed"
    NOT_SCOPED = "not_scoped"


class GuardRejection(Exception):
    """A statement the guard will not run; ``code`` says which rule, ``reason`` why."""

    def __init__(self, code: Code, reason: str, sql: str | None = None):
        self.code = Code(code)
        self.reason = reason
        self.sql = sql
        super().__init__(f"{reason} [{self.code.value}]")


@dataclass
class GuardContext:
    """What the checks look at: the text, the tree, the role's catalog and access."""

    catalog: Mapping[str, frozenset[str]]  # the role's catalog (denied columns removed)
    full_catalog: Mapping[str, frozenset[str]]  # the model's catalog, to explain denials
    access: Access
    text: str | None = None
    tree: exp.Expression | None = None
    _scopes: list[Scope] | None = field(default=None, repr=False)

    @property
    def scopes(self) -> list[Scope]:
        """The tree's scopes, children before parents (computed once per tree)."""
        if self._scopes is None:
            self._scopes = traverse_scope(self.tree)
        return self._scopes

    def reset_scopes(self) -> None:
        """Forget the scopes after the tree changed."""
        self._scopes = None


Check = Callable[[GuardContext], None]
TEXT_CHECKS: list[Check] = []
TREE_CHECKS: list[Check] = []
RESOLVED_CHECKS: list[Check] = []


def _register(stage: list[Check]) -> Callable[[Check], Check]:
    def deco(fn: Check) -> Check:
        stage.append(fn)
        return fn

    return deco


def describe(node: exp.Expression) -> str:
    """A node's kind in words, for rejection reasons (``DROP``, ``TABLE ALIAS``)."""
    return node.key.upper().replace("_", " ")


# ---------------------------------------------------------------- text checks


@_register(TEXT_CHECKS)
def check_length(ctx: GuardContext) -> None:
    """Statements longer than MAX_SQL_CHARS are refused before parsing."""
    if ctx.text is not None and len(ctx.text) > MAX_SQL_CHARS:
        raise GuardRejection(Code.TOO_LONG, f"the statement is longer than {MAX_SQL_CHARS} characters")


@_register(TEXT_CHECKS)
def check_characters(ctx: GuardContext) -> None:
    """No control, invisible or bidirectional-override characters, no exotic spaces."""
    for i, ch in enumerate(ctx.text or ""):
        cat = unicodedata.category(ch)
        bad = (cat == "Cc" and ch not in "\t\n\r") or cat in ("Cf", "Co", "Cs", "Cn", "Zl", "Zp")
        if bad or (cat == "Zs" and ch != " "):
            raise GuardRejection(
                Code.BAD_CHARACTERS,
                f"the statement contains an invisible or control character (U+{ord(ch):04X}) at position {i}",
            )


# ---------------------------------------------------------------- tree checks

_WRITES = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.Copy,
    exp.TruncateTable,
    exp.Into,
    exp.Command,
    exp.Set,
    exp.Pragma,
    exp.Attach,
    exp.Detach,
    exp.Install,
    exp.Use,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.LoadData,
)
_PARAMETERS = (exp.Placeholder, exp.Parameter, exp.SessionParameter)


@_register(TREE_CHECKS)
def check_statement_kind(ctx: GuardContext) -> None:
    """The statement is a SELECT (with CTEs, set operations, subqueries), nothing else."""
    tree = ctx.tree
    if isinstance(tree, exp.Select | exp.SetOperation):
        return
    if isinstance(tree, _WRITES):
        raise GuardRejection(Code.WRITE, f"only a read-only SELECT may run; this is {describe(tree)}")
    raise GuardRejection(Code.NOT_SELECT, f"only a read-only SELECT may run; this is {describe(tree)}")


@_register(TREE_CHECKS)
def check_syntax_nodes(ctx: GuardContext) -> None:
    """Every non-function node is on the syntax allowlist (no DML/DDL even in a CTE)."""
    for node in ctx.tree.walk():
        if isinstance(node, exp.Func) or type(node) in ALLOWED_NODES:
            continue
        if isinstance(node, (*_WRITES, exp.Returning)):
            raise GuardRejection(
                Code.WRITE, f"{describe(node)} changes state; only a read-only SELECT may run"
            )
        if isinstance(node, _PARAMETERS):
            raise GuardRejection(Code.PARAMETER, "parameters and variables are not allowed; write the value")
        raise GuardRejection(Code.FORBIDDEN_SYNTAX, f"{describe(node)} is not allowed in a guarded query")


def _function_name(fn: exp.Func) -> str:
    return fn.name.lower() if isinstance(fn, exp.Anonymous) else fn.sql_name().lower()


def _why_function(name: str) -> str:
    if name.startswith(FILE_FUNCTION_PREFIXES):
        return "it reads files or the network"
    if name.startswith(SYSTEM_FUNCTION_PREFIXES):
        return "it reads the database's settings, catalog or environment"
    return "it is not on the allowlist of aggregate, math, string, date and window functions"


@_register(TREE_CHECKS)
def check_tables(ctx: GuardContext) -> None:
    """Every table is a catalog table (or a CTE in scope): no table functions, files, URLs,
    other databases or system catalogs."""
    base: dict[int, exp.Table] = {}
    ctes: set[int] = set()
    for scope in ctx.scopes:
        for table in scope.tables:
            src = scope.sources.get(table.alias_or_name)
            if isinstance(src, Scope):
                ctes.add(id(table))
            else:
                base[id(table)] = table
    for table in ctx.tree.find_all(exp.Table):
        if id(table) in ctes:
            continue
        if not isinstance(table.this, exp.Identifier):
            fn = table.this
            name = _function_name(fn) if isinstance(fn, exp.Func) else fn.sql()
            code = Code.FILE_ACCESS if name.startswith(FILE_FUNCTION_PREFIXES) else Code.TABLE_FUNCTION
            raise GuardRejection(code, f"table function {name}() is not allowed: {_why_function(name)}")
        _check_base_table(ctx, table)
        if id(table) not in base:
            raise GuardRejection(Code.UNKNOWN_TABLE, f"table {table.name} could not be resolved")


def _check_base_table(ctx: GuardContext, table: exp.Table) -> None:
    name, db = table.name, table.db.lower()
    if table.catalog or db in SYSTEM_SCHEMAS or (db and db != "main"):
        where = ".".join(p for p in (table.catalog, table.db) if p)
        code = (
            Code.SYSTEM_CATALOG if db in SYSTEM_SCHEMAS or table.catalog == "system" else Code.UNKNOWN_TABLE
        )
        raise GuardRejection(code, f"{where}.{name}: only the warehouse's own tables may be read")
    if name in ctx.catalog:
        return
    if any(ch in name for ch in "/\\:.~") or name.lower().endswith((".csv", ".parquet", ".json")):
        raise GuardRejection(Code.FILE_ACCESS, f"{name!r} looks like a file or URL; files cannot be read")
    if name.lower().startswith(SYSTEM_TABLE_PREFIXES):
        raise GuardRejection(Code.SYSTEM_CATALOG, f"{name} is a system catalog table; it cannot be read")
    if name in ctx.full_catalog:
        raise GuardRejection(
            Code.FORBIDDEN_COLUMN, f"table {name} is not available to the {ctx.access.role} role"
        )
    raise GuardRejection(
        Code.UNKNOWN_TABLE, f"table {name} is not available; the tables are: {', '.join(sorted(ctx.catalog))}"
    )


def _is_week_unit(fn: exp.Func) -> bool:
    """``WEEK(MONDAY)`` as the unit of a date truncation (a unit, not a call; built trees use it)."""
    return (
        isinstance(fn, exp.WeekStart)
        and isinstance(fn.this, exp.Var)
        and fn.arg_key == "unit"
        and isinstance(fn.parent, exp.DateTrunc | exp.TimestampTrunc)
    )


@_register(TREE_CHECKS)
def check_functions(ctx: GuardContext) -> None:
    """Every function is on the allowlist (by sqlglot class or, for others, by name)."""
    for fn in ctx.tree.find_all(exp.Func):
        if type(fn) in ALLOWED_NODES:  # operators sqlglot models as functions (AND, OR)
            continue
        if _is_week_unit(fn):
            continue
        if isinstance(fn, exp.Anonymous):
            if fn.name.lower() in ALLOWED_FUNCTION_NAMES:
                continue
        elif type(fn) in ALLOWED_FUNCTIONS:
            continue
        name = _function_name(fn)
        code = Code.FILE_ACCESS if name.startswith(FILE_FUNCTION_PREFIXES) else Code.FORBIDDEN_FUNCTION
        raise GuardRejection(code, f"function {name}() is not allowed: {_why_function(name)}")


# ---------------------------------------------------------------- resolved checks


def _source_of(scope: Scope, table: str) -> exp.Table | Scope | None:
    """The source a qualified column's table alias names, looking outward for correlation."""
    s: Scope | None = scope
    while s is not None:
        if table in s.sources:
            return s.sources[table]
        s = s.parent
    return None


@_register(RESOLVED_CHECKS)
def check_columns(ctx: GuardContext) -> None:
    """Every column resolves to an allowed column of a catalog table, a CTE or subquery
    output, or a projection alias (defence in depth after sqlglot's own validation)."""
    for scope in ctx.scopes:
        aliases = set(getattr(scope.expression, "named_selects", []) or [])
        for col in scope.columns:
            if not col.table:
                if col.name in aliases:
                    continue
                raise GuardRejection(Code.UNKNOWN_COLUMN, f"column {col.name} could not be resolved")
            src = _source_of(scope, col.table)
            if isinstance(src, exp.Table):
                if col.name not in ctx.catalog.get(src.name, ()):
                    raise _column_rejection(ctx, src.name, col.name)
            elif src is None:
                raise GuardRejection(
                    Code.UNKNOWN_COLUMN, f"column {col.table}.{col.name} could not be resolved"
                )


def _column_rejection(ctx: GuardContext, table: str, column: str) -> GuardRejection:
    if column in ctx.full_catalog.get(table, ()):
        return GuardRejection(
            Code.FORBIDDEN_COLUMN, f"{table}.{column} is not available to the {ctx.access.role} role"
        )
    return GuardRejection(Code.UNKNOWN_COLUMN, f"column {table}.{column} does not exist")


def _is_value_subquery(query: exp.Expression) -> bool:
    """A subquery whose rows become values (not EXISTS or IN, which yield booleans)."""
    parent = query.parent
    if isinstance(parent, exp.Subquery):
        parent = parent.parent
    return not isinstance(parent, exp.Exists | exp.In | exp.Any | exp.All)


def _carries_key(expr: exp.Expression, scope: Scope, tainted: Mapping[int, frozenset[int]]) -> bool:
    """True when a patient key's value (not only its count) flows into ``expr``'s value."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, COUNTING):
            continue
        if isinstance(node, exp.Window):
            stack.append(node.this)  # PARTITION BY / ORDER BY do not output values
            continue
        if isinstance(node, exp.Query) and id(node) in tainted:
            if tainted[id(node)] and _is_value_subquery(node):
                return True
            continue
        if isinstance(node, exp.Column):
            src = _source_of(scope, node.table)
            if isinstance(src, exp.Table) and node.name in PATIENT_KEY_COLUMNS:
                return True
            if isinstance(src, Scope):
                names = list(src.expression.named_selects)
                pos = names.index(node.name) if node.name in names else -1
                if pos in tainted.get(id(src.expression), frozenset()):
                    return True
            continue
        stack.extend(node.iter_expressions())
    return False


def tainted_outputs(scopes: list[Scope]) -> dict[int, frozenset[int]]:
    """For every query node: the output positions that carry a patient key's value."""
    tainted: dict[int, frozenset[int]] = {}
    for scope in scopes:  # children come before their parents
        q = scope.expression
        if isinstance(q, exp.SetOperation):
            parts = [tainted.get(id(s.expression), frozenset()) for s in scope.set_operation_scopes or ()]
            tainted[id(q)] = frozenset().union(*parts)
        elif isinstance(q, exp.Select):
            tainted[id(q)] = frozenset(
                i for i, p in enumerate(q.expressions) if _carries_key(p, scope, tainted)
            )
    return tainted


@_register(RESOLVED_CHECKS)
def check_patient_keys_not_listed(ctx: GuardContext) -> None:
    """Patient keys may be counted, joined and filtered on, but never reach the output."""
    tainted = tainted_outputs(ctx.scopes)
    out = tainted.get(id(ctx.tree), frozenset())
    if out:
        names = list(ctx.tree.named_selects)
        cols = ", ".join(names[i] for i in sorted(out) if i < len(names))
        raise GuardRejection(
            Code.PATIENT_KEY_LISTED,
            f"output column(s) {cols} would list patient keys; patient keys may only be counted "
            "(count(DISTINCT patient_key))",
        )
