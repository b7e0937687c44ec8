"""The app shell: page setup, first start, sign-in, and the pages each role may open."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant.auth import AuthError
from assistant.services import Services, build_demo_practice, warehouse_ready
from assistant.settings import load_settings
from assistant.ui import session
from assistant.ui.pages import signin

SCRIPTS = Path(__file__).parent / "scripts"
PAGES = {
    # page script, title, icon, roles that see it
    "chat": ("chat.py", "Ask", ":material/chat:", ("owner", "manager", "staff")),
    "dashboard": ("dashboard.py", "Dashboard", ":material/dashboard:", ("owner", "manager")),
    "reports": ("reports.py", "Reports", ":material/search:", ("owner", "manager", "staff")),
    "sql": ("sql.py", "SQL", ":material/code:", ("owner", "manager")),
    "audit": ("audit.py", "Audit", ":material/policy:", ("owner",)),
}


@st.cache_resource(show_spinner=False)
def _services(settings_key: tuple) -> Services:
    return Services.create(load_settings())


def services() -> Services:
    """The process-wide services for the current settings."""
    settings = load_settings()
    return _services(tuple(sorted(settings.describe().items())))


def _first_start(svc: Services) -> bool:
    """Build the demo practice with a progress bar; True once it is ready.

    A new user expects to start asking at once: when the build wrote the demo users file,
    this session is signed in as the demo owner (other sessions get the sign-in page, which
    lists the demo accounts). A real users file is never bypassed.
    """
    box = st.container()
    note = box.empty()
    note.markdown(
        "# Welcome to Acuity\n\n"
        "No warehouse yet: building the demo practice so you can start asking right away."
    )
    bar = box.progress(0.0, text="Starting…")
    try:
        build_demo_practice(svc.settings, lambda frac, msg: bar.progress(min(max(frac, 0.0), 1.0), text=msg))
    except Exception as exc:  # noqa: BLE001 - shown to the user with its reason
        box.error(f"Could not build the demo practice: {exc}")
        return False
    try:
        store = svc.users()
    except AuthError:  # the sign-in page explains what is wrong with the users file
        store = None
    owner = store.demo_owner() if store is not None else None
    if owner is not None:
        session.sign_in(owner)
        done = f"The demo practice is ready. You are signed in as {owner.label}; sign out to try the other demo roles."
    else:
        done = "The demo practice is ready."
    note.empty()
    bar.progress(1.0, text=done)
    return True


def run() -> None:
    """Render the app for the current session."""
    st.set_page_config(page_title="Acuity", page_icon=":material/visibility:", layout="wide")
    svc = services()
    session.set_services(svc)
    if not warehouse_ready(svc.settings) and not _first_start(svc):
        return
    user = session.current_user()
    if user is None:
        user = signin.render(svc)
        if user is None:
            return
    pages = [
        st.Page(SCRIPTS / script, title=title, icon=icon, url_path=key, default=(key == "chat"))
        for key, (script, title, icon, roles) in PAGES.items()
        if user.role in roles
    ]
    with st.sidebar:
        st.caption(f"Signed in as **{user.label}** · {user.role}")
        if st.button("Sign out", key="sign_out"):
            session.sign_out()
            st.rerun()
    st.navigation(pages).run()
