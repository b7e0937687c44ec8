"""Acuity's Streamlit entry point: ``streamlit run app.py``. Pages live in ``assistant/ui/``."""

from assistant.ui.main import run

run()
