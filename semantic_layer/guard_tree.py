"""The guard's first step for a tree built in code (the compiler's): check it is well-formed.

Parsed trees hold only token text; a built tree could hold any string where sqlglot writes
strings as they are. See :func:`validate_built_tree`.
"""

from __future__ import annotations

import re

from sqlglot import exp

from semantic_layer.guard_rules import Code, GuardRejection, describe

_NUMBER = re.compile(r"[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?|\.[0-9]+([eE][+-]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# keywords of several words the parser stores as one string (a window frame's bound)
_PHRASES = frozenset({"CURRENT ROW"})


def _malformed(node: exp.Expression, what: str) -> GuardRejection:
    return GuardRejection(Code.FORBIDDEN_SYNTAX, f"malformed query tree: {describe(node)} {what}")


def validate_built_tree(tree: exp.Expression) -> None:
    """A tree built in code (not parsed) is well-formed: no raw text SQL would be written from.

    sqlglot writes a string argument as it is, so a hand-built tree could smuggle SQL text
    past the checks (a ``Var`` or a join side holding ``1; DROP ...``). Parsed trees hold only
    token text; a built one may hold strings only where the parser would: identifiers (quoted
    on output), string literals (escaped), numbers, and single keywords. A table or subquery
    alias given as a bare identifier (``Table.as_(name)``) is made the TableAlias the parser
    would have produced, so the checks see the same shape either way.
    """
    for node in tree.walk():
        if isinstance(node, exp.Table | exp.Subquery) and isinstance(node.args.get("alias"), exp.Identifier):
            node.set("alias", exp.TableAlias(this=node.args["alias"]))
        for key, value in node.args.items():
            for v in value if isinstance(value, list) else (value,):
                if v is None or isinstance(v, bool | exp.Expression | exp.DataType.Type):
                    continue
                if not isinstance(v, str):
                    raise _malformed(node, f"holds a {type(v).__name__} in '{key}'")
                if isinstance(node, exp.Identifier) and key == "this":
                    continue
                if isinstance(node, exp.Literal) and key == "this":
                    if node.is_string or _NUMBER.fullmatch(v):
                        continue
                    raise _malformed(node, f"holds a number that is not a number: {v[:40]!r}")
                if not _WORD.fullmatch(v) and v.upper() not in _PHRASES:
                    raise _malformed(node, f"holds raw text in '{key}': {v[:40]!r}")
