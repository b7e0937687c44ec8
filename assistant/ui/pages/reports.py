"""Reports (everyone): search past reports, notes, SOPs and vendor notices."""

from __future__ import annotations

import streamlit as st

from assistant.ui import session


def render() -> None:
    """The document search page."""
    svc = session.services()
    user = session.current_user()
    st.title("Search reports and notes")
    query = st.text_input("What are you looking for?", key="reports_query")
    c1, c2, c3 = st.columns(3)
    doc_types = c1.multiselect("Document type", svc.document_types(), key="reports_types")
    since = c2.date_input("From", value=None, key="reports_from")
    until = c3.date_input("To", value=None, key="reports_to")
    if not query:
        st.caption("Try: “frame supplier delay”, “no-show follow-up calls”, “reordering contact lenses”.")
        return
    result = svc.search_documents(user, query, doc_types=doc_types, since=since, until=until)
    if result.get("error"):
        st.error(result["error"])
        return
    hits = result.get("hits") or []
    if not hits:
        st.info("No document matches that search.")
        return
    for i, hit in enumerate(hits):
        with st.container(border=True):
            where = " · ".join(
                str(x)
                for x in (
                    hit.get("doc_type"),
                    hit.get("date"),
                    hit.get("page") and f"p. {hit['page']}",
                    hit.get("section"),
                )
                if x
            )
            st.markdown(f"**{hit.get('title') or hit.get('source')}**  \n{where}")
            st.markdown(hit.get("snippet_markdown") or hit.get("snippet") or "")
            with st.expander("Show the document (scrubbed)"):
                st.text(svc.document_text(user, hit.get("source")) or "")
            st.caption(f"{hit.get('source')} · score {hit.get('score', 0):.3f} · result {i + 1}")
