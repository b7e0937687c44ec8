"""Local sign-in: a users file (TOML) with salted PBKDF2 password hashes and roles.

The file looks like::

    demo = true            # optional: the sign-in page may show the demo accounts

    [users.maria]
    display_name = "Maria (owner)"
    role = "owner"
    password_hash = "pbkdf2_sha256$600000$<salt hex>$<hash hex>"

    [users."ana@example.org"]   # signed in by the identity provider (Streamlit OIDC)
    role = "owner"
    sso = true

    [users.sam]
    role = "manager"
    locations = ["LOC2"]   # a manager sees only these locations
    password_hash = "..."

Passwords are never stored; verification is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROLES = ("owner", "manager", "staff")
_ITERATIONS = 600_000
_ALGO = "pbkdf2_sha256"


class AuthError(Exception):
    """A users file that cannot be used, with the reason."""


@dataclass(frozen=True)
class User:
    """A signed-in person: login name, role and (for managers) their location ids."""

    username: str
    role: str
    display_name: str = ""
    locations: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.display_name or self.username


def hash_password(password: str, *, iterations: int = _ITERATIONS, salt: bytes | None = None) -> str:
    """A salted PBKDF2-SHA256 hash string for ``password``."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{_ALGO}${iterations}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches the ``stored`` hash string (constant-time compare)."""
    try:
        algo, iters, salt_hex, digest_hex = stored.split("$")
        if algo != _ALGO:
            return False
        digest = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt_hex), int(iters))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


@dataclass(frozen=True)
class UserStore:
    """The users of a users file, with their password hashes."""

    users: dict[str, tuple[User, str]]
    demo: bool = False

    @classmethod
    def load(cls, path: Path) -> UserStore:
        """Read and check a users file; raises ``AuthError`` naming the file and the problem."""
        try:
            with Path(path).open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError as exc:
            raise AuthError(f"{path}: users file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise AuthError(f"{path}: not valid TOML ({exc})") from exc
        users: dict[str, tuple[User, str]] = {}
        for name, entry in (data.get("users") or {}).items():
            role = entry.get("role")
            if role not in ROLES:
                raise AuthError(
                    f"{path}: user {name!r} has role {role!r}; expected one of {', '.join(ROLES)}"
                )
            if not entry.get("password_hash") and not entry.get("sso"):
                raise AuthError(f"{path}: user {name!r} has no password_hash (or sso = true)")
            locs = tuple(str(x) for x in entry.get("locations") or ())
            if role == "manager" and not locs:
                raise AuthError(f"{path}: manager {name!r} needs at least one location id in 'locations'")
            users[name] = (
                User(name, role, str(entry.get("display_name", "")), locs),
                entry.get("password_hash", ""),
            )
        return cls(users, bool(data.get("demo", False)))

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password is right, else None (same work either way)."""
        entry = self.users.get(username.strip())
        if entry is None:
            verify_password(password, hash_password("dummy", iterations=_ITERATIONS))
            return None
        user, stored = entry
        return user if stored and verify_password(password, stored) else None

    def demo_owner(self) -> User | None:
        """The demo practice's owner account, when this is the demo users file (else None)."""
        if not self.demo:
            return None
        return next((user for user, _ in self.users.values() if user.role == "owner"), None)

    def sso_user(self, email: str | None) -> User | None:
        """The user an identity provider signed in (matched by e-mail, case-insensitive), if listed."""
        if not email:
            return None
        for name, (user, _) in self.users.items():
            if name.lower() == email.strip().lower():
                return user
        return None


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_entries(path: Path, entries: list[tuple[User, str]], *, demo: bool) -> None:
    """Write (user, password hash) entries, owner-only permissions, atomically."""
    lines = [f"demo = {'true' if demo else 'false'}", ""]
    for user, password_hash in entries:
        if user.role not in ROLES:
            raise AuthError(f"role {user.role!r} is not one of {', '.join(ROLES)}")
        if user.role == "manager" and not user.locations:
            raise AuthError(f"manager {user.username!r} needs at least one location id")
        lines.append(f"[users.{_toml_str(user.username)}]")
        lines.append(f"role = {_toml_str(user.role)}")
        if user.display_name:
            lines.append(f"display_name = {_toml_str(user.display_name)}")
        if user.locations:
            lines.append("locations = [" + ", ".join(_toml_str(x) for x in user.locations) + "]")
        lines.append(f"password_hash = {_toml_str(password_hash)}")
        lines.append("")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines))
    os.replace(tmp, path)


def write_users_file(path: Path, users: list[tuple[User, str]], *, demo: bool = False) -> None:
    """Write a users file from (user, plain password) pairs, owner-only permissions, atomically."""
    _write_entries(path, [(u, hash_password(pw)) for u, pw in users], demo=demo)


def add_user(path: Path, user: User, password: str) -> None:
    """Add or replace one user in a users file (created if missing); others keep their hashes."""
    path = Path(path)
    store = UserStore.load(path) if path.exists() else UserStore({})
    entries = dict(store.users)
    entries[user.username] = (user, hash_password(password))
    _write_entries(path, list(entries.values()), demo=False)


def remove_user(path: Path, username: str) -> bool:
    """Remove a user; returns False when there was no such user."""
    store = UserStore.load(path)
    if username not in store.users:
        return False
    entries = {k: v for k, v in store.users.items() if k != username}
    _write_entries(path, list(entries.values()), demo=store.demo)
    return True


DEMO_USERS: tuple[tuple[User, str], ...] = (
    (User("owner", "owner", "Olivia (owner)"), "owner-demo"),
    (User("manager", "manager", "Marcus (Northside manager)", ("LOC2",)), "manager-demo"),
    (User("staff", "staff", "Sofia (front desk)"), "staff-demo"),
)


def ensure_demo_users(path: Path) -> None:
    """Create the demo users file (marked ``demo = true``) when no users file exists."""
    if not Path(path).exists():
        write_users_file(path, list(DEMO_USERS), demo=True)
