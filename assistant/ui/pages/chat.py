"""Ask: the chat page. History, follow-ups in context, and each answer fully shown."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from assistant import services as svc_mod
from assistant.explain import describe_query
from assistant.ui import session

SUGGESTIONS = (
    "What was our no-show rate last month?",
    "Revenue by location this year",
    "Which provider had the highest no-show rate last quarter?",
    "Average wait time at Northside by month this year",
    "Optical capture rate by provider this year",
    "Find the procedure for reordering contact lenses",
)


def _ask(question: str) -> None:
    history = session.history()
    context = [turn["question"] for turn in history]
    user = session.current_user()
    try:
        answer = session.services().ask(question, context=context, user=user)
    except Exception as exc:  # noqa: BLE001 - the chat never crashes; the reason is shown
        answer = {"kind": "error", "question": question, "narrative": f"Something went wrong: {exc}"}
    history.append({"question": question, "answer": answer})


def _feedback(turn_id: str, key: str) -> None:
    score = st.session_state.get(key)
    if score is not None:
        user = session.current_user()
        session.services().store.record_feedback(turn_id, user.username, int(score))


def _render_choices(ans: dict[str, Any], idx: int) -> None:
    cols = st.columns(max(len(ans.get("choices") or []), 1))
    for j, choice in enumerate(ans.get("choices") or []):
        label = choice if isinstance(choice, str) else choice.get("label", "")
        follow = choice if isinstance(choice, str) else choice.get("question", label)
        if cols[j].button(label, key=f"choice_{idx}_{j}"):
            st.session_state["pending_question"] = follow
            st.rerun()


def _render_citations(ans: dict[str, Any]) -> None:
    for c in ans.get("citations") or []:
        where = ", ".join(
            str(x) for x in (c.get("date"), c.get("page") and f"p. {c['page']}", c.get("section")) if x
        )
        with st.container(border=True):
            st.markdown(f"**{c.get('title') or c.get('source')}** · {where}")
            st.markdown(c.get("snippet_markdown") or c.get("snippet") or "")


NUMBER_FORMATS = {
    "percent": "percent",
    "currency": "dollar",
    "minutes": "%.1f min",
    "hours": "%.1f h",
    "count": "localized",
}


def _column_config(ans: dict[str, Any]) -> dict[str, Any]:
    formats = session.services().column_formats(ans)
    return {
        col: st.column_config.NumberColumn(col.replace("_", " "), format=NUMBER_FORMATS[fmt])
        for col, fmt in formats.items()
        if fmt in NUMBER_FORMATS
    }


def _render_data(ans: dict[str, Any], idx: int) -> None:
    for fig in session.services().kpi_figures(ans):
        st.metric(**fig)
    if ans.get("chart"):
        st.plotly_chart(go.Figure(ans["chart"]), key=f"chart_{idx}")
    if ans.get("rows"):
        st.dataframe(svc_mod.answer_table(ans), hide_index=True, column_config=_column_config(ans))
        st.download_button(
            "Download CSV",
            svc_mod.answer_csv(ans),
            file_name="acuity-answer.csv",
            mime="text/csv",
            key=f"csv_{idx}",
        )
    with st.expander("How I got this"):
        st.markdown(describe_query(ans.get("semantic_query")) or "Not a semantic query.")
        if ans.get("sql"):
            st.code(ans["sql"], language="sql")
        st.caption(f"Interpreter: {ans.get('interpreter', 'builtin')} · {ans.get('elapsed_ms', 0):.0f} ms")


def _render_answer(ans: dict[str, Any], idx: int) -> None:
    kind = ans.get("kind")
    if kind in ("refuse", "error"):
        st.warning(ans.get("narrative") or "I can't answer that.")
        return
    stream = session.services().polish_stream(ans) if ans.pop("_polish", False) else None
    if stream is not None:
        slot = st.empty()
        slot.write_stream(stream)
        if stream.polished:
            ans["narrative"] = stream.text
        else:
            slot.markdown(ans.get("narrative") or "")
            if stream.note:
                st.caption(stream.note)
    else:
        st.markdown(ans.get("narrative") or "")
    if kind == "clarify":
        _render_choices(ans, idx)
        return
    if kind == "answer":
        _render_data(ans, idx)
    _render_citations(ans)
    turn_id = ans.get("turn_id")
    if turn_id:
        key = f"fb_{turn_id}"
        left, right = st.columns([1, 5])
        with left:
            st.feedback("thumbs", key=key, on_change=_feedback, args=(turn_id, key))
        user = session.current_user()
        if (
            kind == "answer"
            and st.session_state.get(key) == 1
            and user.role in ("owner", "manager")
            and right.button("Save as verified query", key=f"verify_{idx}")
        ):
            st.toast(session.services().promote_to_verified(turn_id, user))
        if (
            kind == "answer"
            and ans.get("semantic_query")
            and right.button("Pin to dashboard", key=f"pin_{idx}")
        ):
            session.services().store.add_pin(
                user.username, ans["question"], ans["question"], ans["semantic_query"]
            )
            st.toast("Pinned to the dashboard.")


def render() -> None:
    """The chat page."""
    st.title("Ask Acuity")
    history = session.history()
    intro = st.empty()
    if not history:
        with intro.container():
            st.caption(
                "Ask about visits, no-shows, revenue, wait times, marketing, recalls, inventory or NPS."
            )
            cols = st.columns(3)
            for i, q in enumerate(SUGGESTIONS):
                if cols[i % 3].button(q, key=f"suggest_{i}"):
                    st.session_state["pending_question"] = q
    pending = st.session_state.pop("pending_question", None)
    typed = st.chat_input("Ask a question about your practice")
    question = typed or pending
    if question:
        intro.empty()
        with st.spinner("Working it out…"):
            _ask(question)
    for idx, turn in enumerate(history):
        with st.chat_message("user"):
            st.markdown(turn["question"])
        with st.chat_message("assistant"):
            _render_answer(turn["answer"], idx)
