"""Audit (owners): every turn, who asked what, how it was answered, and feedback."""

from __future__ import annotations

import streamlit as st

from assistant import services as svc_mod
from assistant.ui import session


def render() -> None:
    """The audit page."""
    svc = session.services()
    st.title("Audit log")
    limit = st.number_input(
        "Show the newest", min_value=10, max_value=10000, value=200, step=50, key="audit_limit"
    )
    columns, rows = svc.store.audit_rows(limit=int(limit))
    if not rows:
        st.info("No questions asked yet.")
        return
    st.dataframe(svc_mod.rows_table(columns, rows), hide_index=True)
    st.download_button(
        "Export CSV", svc_mod.rows_csv(columns, rows), file_name="acuity-audit.csv", mime="text/csv"
    )
