"""Sign-in: the local users file (hashed passwords); without one, a single local owner."""

from __future__ import annotations

import streamlit as st

from assistant.auth import DEMO_USERS, AuthError, User
from assistant.services import Services
from assistant.ui import session

LOCAL_OWNER = User("local", "owner", "Local owner")


def _sso_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section (Streamlit's OIDC sign-in)."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
    except Exception:  # noqa: BLE001 - unreadable secrets mean no SSO
        return False


def render(svc: Services) -> User | None:
    """Show the sign-in form; returns the user once signed in (else None)."""
    try:
        store = svc.users()
    except AuthError as exc:
        st.error(f"The users file cannot be used: {exc}")
        return None
    if store is None:
        session.sign_in(LOCAL_OWNER)
        st.toast("No users file: signed in as the local owner. See the README to add users.")
        return LOCAL_OWNER
    st.title("Sign in to Acuity")
    if _sso_configured():
        if getattr(st.user, "is_logged_in", False):
            user = store.sso_user(getattr(st.user, "email", None))
            if user is None:
                st.error("Your account is not in Acuity's users file; ask the practice owner to add you.")
                st.button("Sign out", on_click=st.logout)
                return None
            session.sign_in(user)
            st.rerun()
        st.button("Sign in with your organisation", type="primary", on_click=st.login)
    with st.form("sign_in"):
        username = st.text_input("User name")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        user = store.authenticate(username, password)
        if user is None:
            st.error("That user name and password do not match.")
        else:
            session.sign_in(user)
            st.rerun()
    if store.demo:
        st.info("Demo accounts: " + ", ".join(f"`{u.username}` / `{pw}` ({u.label})" for u, pw in DEMO_USERS))
    return None
