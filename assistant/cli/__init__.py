"""The ``acuity`` command line.

Each subcommand lives in its own module of this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` (called with the parsed
arguments; returns the exit code). Only this package prints to stdout.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Subcommand modules, in the order ``acuity --help`` lists them.
SUBCOMMANDS = ("demo", "ingest", "scrub", "ask", "eval", "sql", "search", "explain", "adapt", "users")


def closing_engines(fn):
    """Wrap a subcommand so the pipeline's warehouse connections are closed when it ends."""

    def run(args: argparse.Namespace) -> int:
        from assistant.pipeline import close_engines

        try:
            return fn(args)
        finally:
            close_engines()

    run.__doc__ = fn.__doc__
    return run


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that subcommand (imports stay small and fast)."""
    parser = argparse.ArgumentParser(prog="acuity", description="Analytics assistant for eye-care practices.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS if only is None else (only,):
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``acuity`` script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(chosen if chosen in SUBCOMMANDS else None)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
