"""Build or refresh a warehouse: a sync of the source and the semantic layer's daily rollups.

Ingestion (``ingest``) and the semantic layer do not import each other; this is where the
product joins them, so every way Acuity syncs (``acuity ingest``, the demo on first start,
the test fixtures) also rebuilds the rollups inside the same atomic swap
(docs/rollups.md).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

RollupBuilt = Callable[[Any, int, float], None]  # (rollup, rows, seconds), after each is built


def sync_warehouse(
    source: Path | str, db_path: Path | str, *, on_rollup: RollupBuilt | None = None, **kw: Any
) -> Any:
    """``ingest.sync.sync_export(source, db_path, **kw)`` with the rollups built before the swap.

    ``on_rollup(rollup, rows, seconds)`` is called after each rollup table is built (the
    command line's progress). A rollup definition that does not fit the semantic model
    raises ``semantic_layer.errors.ModelError`` and leaves the warehouse as it was.
    """
    from ingest.sync import sync_export
    from semantic_layer.rollup_build import build_rollups

    return sync_export(source, db_path, after_load=functools.partial(build_rollups, on_built=on_rollup), **kw)
