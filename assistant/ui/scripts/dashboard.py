"""Streamlit page script: renders the dashboard page (see assistant/ui/pages/dashboard.py)."""

from assistant.ui.pages.dashboard import render

render()
