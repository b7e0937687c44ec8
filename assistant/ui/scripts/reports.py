"""Streamlit page script: renders the reports page (see assistant/ui/pages/reports.py)."""

from assistant.ui.pages.reports import render

render()
