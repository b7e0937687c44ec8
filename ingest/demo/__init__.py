"""The demo practice generator: a realistic, seeded source export for Acuity."""

from ingest.demo.config import DemoError
from ingest.demo.generate import DemoSummary, generate_demo

__all__ = ["DemoError", "DemoSummary", "generate_demo"]
