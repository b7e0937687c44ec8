"""The app shell: page setup, first start, sign-in, and the pages each role may open."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

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


def _first_start(svc: Services) -> None:
    st.title("Welcome to Acuity")
    st.write("No warehouse yet: building the demo practice so you can start asking right away.")
    bar = st.progress(0.0, text="Starting…")
    try:
        build_demo_practice(svc.settings, lambda frac, msg: bar.progress(min(max(frac, 0.0), 1.0), text=msg))
    except Exception as exc:  # noqa: BLE001 - shown to the user with its reason
        st.error(f"Could not build the demo practice: {exc}")
        st.stop()
    st.success("The demo practice is ready.")
    st.rerun()


def run() -> None:
    """Render the app for the current session."""
    st.set_page_config(page_title="Acuity", page_icon=":material/visibility:", layout="wide")
    svc = services()
    session.set_services(svc)
    if not warehouse_ready(svc.settings):
        _first_start(svc)
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
