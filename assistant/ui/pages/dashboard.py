"""Dashboard (owners and managers): KPI tiles, call-outs, trends, breakdowns, pinned answers."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from assistant.dashboards import DASHBOARD_KPIS, PERIODS
from assistant.ui import session


def render() -> None:
    """The dashboard page."""
    svc = session.services()
    user = session.current_user()
    st.title("Practice dashboard")
    left, right = st.columns(2)
    period = left.selectbox("Period", list(PERIODS), format_func=PERIODS.get, key="dash_period")
    locations = svc.location_choices(user)
    location = right.selectbox(
        "Location", locations, key="dash_location", format_func=lambda x: x or "All locations"
    )
    view = svc.dashboard(user, period, location or None)
    if view.error:
        st.error(view.error)
        return
    cols = st.columns(4)
    for i, tile in enumerate(view.tiles):
        cols[i % 4].metric(**tile)
    for callout in view.callouts:
        st.warning(callout, icon=":material/insights:")
    if view.summary:
        st.caption(view.summary)
    st.subheader("Trends")
    metric = st.selectbox("Metric", DASHBOARD_KPIS, key="dash_metric", format_func=svc.metric_label)
    trend = svc.trend_chart(user, metric, location or None)
    if trend:
        st.plotly_chart(go.Figure(trend), key="dash_trend")
    c1, c2 = st.columns(2)
    for col, dim in ((c1, "location"), (c2, "provider")):
        chart = svc.breakdown_chart(user, metric, dim, period, location or None)
        if chart:
            col.plotly_chart(go.Figure(chart), key=f"dash_by_{dim}")
        else:
            col.info(f"No {svc.metric_label(metric).lower()} by {dim} for this period.")
    pins = svc.store.pins(user.username)
    if pins:
        st.subheader("Your pinned answers")
        for pin in pins:
            with st.container(border=True):
                st.markdown(f"**{pin['title']}**")
                chart = svc.pin_chart(user, pin)
                if chart:
                    st.plotly_chart(go.Figure(chart), key=f"pin_{pin['pin_id']}")
                if st.button("Unpin", key=f"unpin_{pin['pin_id']}"):
                    svc.store.remove_pin(pin["pin_id"], user.username)
                    st.rerun()
