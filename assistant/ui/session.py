"""Per-session state helpers (``st.session_state``), so pages share one vocabulary."""

from __future__ import annotations

from typing import Any

import streamlit as st

from assistant.auth import User
from assistant.services import Services


def set_services(svc: Services) -> None:
    """Remember the shared services for this run of the script."""
    st.session_state["_services"] = svc


def services() -> Services:
    """The shared services (set by the app shell before any page renders)."""
    return st.session_state["_services"]


def current_user() -> User | None:
    """The signed-in user of this session, if any."""
    return st.session_state.get("user")


def sign_in(user: User) -> None:
    """Start a session for ``user``; clears any previous conversation."""
    st.session_state["user"] = user
    st.session_state["history"] = []


def sign_out() -> None:
    """Forget the user and the conversation."""
    for key in ("user", "history"):
        st.session_state.pop(key, None)


def history() -> list[dict[str, Any]]:
    """This session's chat turns: ``{"question": str, "answer": dict}``."""
    return st.session_state.setdefault("history", [])
