"""``acuity users``: manage the local users file (sign-in for the app)."""

from __future__ import annotations

import argparse
import getpass
import sys

from assistant.auth import ROLES, AuthError, User, UserStore, add_user, remove_user
from assistant.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``users`` subcommand."""
    p = sub.add_parser("users", help="add, remove or list the app's users (hashed passwords)")
    p.add_argument("--file", help="users file (default: ACUITY_USERS)")
    actions = p.add_subparsers(dest="action", required=True)
    add = actions.add_parser(
        "add", help="add or replace a user; the password is read from the terminal or stdin"
    )
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument(
        "--location", action="append", default=[], help="location id a manager sees (repeatable)"
    )
    add.add_argument("--display-name", default="")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    rm = actions.add_parser("remove", help="remove a user")
    rm.add_argument("username")
    actions.add_parser("list", help="list users and roles (never passwords)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Carry out ``acuity users ...``."""
    path = args.file or load_settings().users_file
    try:
        if args.action == "add":
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                password = getpass.getpass(f"Password for {args.username}: ")
            if len(password) < 8:
                print("error: the password must have at least 8 characters", file=sys.stderr)
                return 2
            add_user(path, User(args.username, args.role, args.display_name, tuple(args.location)), password)
            print(f"{args.username} ({args.role}) saved to {path}")
        elif args.action == "remove":
            if not remove_user(path, args.username):
                print(f"error: no user {args.username!r} in {path}", file=sys.stderr)
                return 2
            print(f"{args.username} removed from {path}")
        else:
            for name, (user, _) in sorted(UserStore.load(path).users.items()):
                locs = f" locations={','.join(user.locations)}" if user.locations else ""
                print(f"{name}\t{user.role}{locs}")
    except AuthError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
