"""SQL mode for analysts: any SELECT, run through the guard and the safe executor."""

from __future__ import annotations

import streamlit as st

from assistant import services as svc_mod
from assistant.ui import session


def render() -> None:
    """The SQL page."""
    svc = session.services()
    user = session.current_user()
    st.title("SQL")
    st.caption(
        "Read-only SELECT over the de-identified warehouse. Every statement passes the guard; your role's row filters apply."
    )
    text = st.text_area("Query", height=160, key="sql_text")
    if st.button("Run", type="primary", key="sql_run") and text.strip():
        result = svc.run_sql(user, text)
        if result.get("error"):
            st.error(result["error"])
            return
        if result.get("truncated"):
            st.warning(f"Showing the first {len(result['rows'])} rows: the result was truncated.")
        st.dataframe(svc_mod.rows_table(result["columns"], result["rows"]), hide_index=True)
        with st.expander("Statement as run"):
            st.code(result.get("sql", ""), language="sql")
