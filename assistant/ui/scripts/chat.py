"""Streamlit page script: renders the chat page (see assistant/ui/pages/chat.py)."""

from assistant.ui.pages.chat import render

render()
