"""Adapters: turn a foreign export (another system's own table) into Acuity's source export.

Each adapter maps one known foreign format onto the data contract (``ingest.contract``)
and writes a folder that ``ingest.sync.sync_export`` reads; rows it cannot map are
written, with reasons, to ``adapter_rejects.csv`` in that folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.adapters.export import AdapterError, write_export
from ingest.adapters.noshow import AdaptReport, adapt_noshow

Adapter = Callable[[Path | str, Path | str], AdaptReport]
ADAPTERS: dict[str, Adapter] = {"noshow": adapt_noshow}

__all__ = ["ADAPTERS", "AdaptReport", "AdapterError", "adapt_noshow", "write_export"]
