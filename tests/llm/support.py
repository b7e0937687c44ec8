"""Helpers shared by the LLM tests."""

from __future__ import annotations

from pathlib import Path

import duckdb

from semantic_layer.execute import connection_config


def open_warehouse(db_path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection configured like the pipeline's executor.

    DuckDB refuses a second connection to a file with a different configuration within
    one process, and the pipeline's shared engine may hold one open.
    """
    return duckdb.connect(str(db_path), read_only=True, config=connection_config(10))
