"""Typed errors of the semantic layer: model problems and compile failures."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the semantic model, located in its YAML file."""

    file: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.rule}] {self.message}"


class ModelError(Exception):
    """The semantic model is invalid; ``problems`` lists every problem found at once."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the semantic model:\n{lines}")


class CompileError(Exception):
    """A semantic query cannot be compiled; ``reason`` says why, ``context`` names the parts involved."""

    def __init__(self, reason: str, **context: object):
        self.reason = reason
        self.context = dict(context)
        super().__init__(reason)
