"""Streamlit page script: renders the sql page (see assistant/ui/pages/sql.py)."""

from assistant.ui.pages.sql import render

render()
