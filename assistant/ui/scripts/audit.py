"""Streamlit page script: renders the audit page (see assistant/ui/pages/audit.py)."""

from assistant.ui.pages.audit import render

render()
