"""Write a source export (one CSV per contract table) from DuckDB relations.

Adapters build each table they can fill as a relation whose columns are exactly that
table's *source* columns (``ingest.contract``); :func:`write_export` writes those, and a
header-only file for every other table, in the formats the contract names (timestamps
``YYYY-MM-DD HH:MM:SS``, dates ``YYYY-MM-DD``, booleans ``true``/``false``, NULL as an
empty field). Each file is written to a temporary name and renamed, so a reader never
sees half a file.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Mapping
from pathlib import Path

import duckdb

from ingest.contract import TABLES, TABLES_BY_NAME

log = logging.getLogger(__name__)

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
DATE_FORMAT = "%Y-%m-%d"


class AdapterError(Exception):
    """A foreign file that an adapter cannot turn into a source export (names the file)."""

    def __init__(self, file: Path | str, problem: str) -> None:
        self.file = Path(file)
        self.problem = problem
        super().__init__(f"{self.file.name}: {problem}")


def write_header(path: Path, columns: tuple[str, ...] | list[str]) -> None:
    """Write a CSV file holding only ``columns`` as its header row."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerow(columns)
    os.replace(tmp, path)


def write_relation(rel: duckdb.DuckDBPyRelation, path: Path) -> int:
    """Write ``rel`` as a contract CSV file at ``path``; returns the number of rows."""
    tmp = path.with_name(path.name + ".tmp")
    rel.write_csv(
        str(tmp),
        sep=",",
        header=True,
        quotechar='"',
        escapechar='"',
        na_rep="",
        date_format=DATE_FORMAT,
        timestamp_format=TIMESTAMP_FORMAT,
        overwrite=True,
    )
    os.replace(tmp, path)
    return int(rel.aggregate("count(*)").fetchall()[0][0])


def write_export(out_dir: Path | str, relations: Mapping[str, duckdb.DuckDBPyRelation]) -> dict[str, int]:
    """Write every contract table into ``out_dir``: ``relations`` filled, the rest header-only.

    Returns the rows written per table. Raises :class:`AdapterError` when a relation names
    an unknown table or its columns differ from the table's source columns.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    unknown = sorted(set(relations) - set(TABLES_BY_NAME))
    if unknown:
        raise AdapterError(folder / f"{unknown[0]}.csv", "not a table of the data contract")
    for name, rel in relations.items():
        expected = list(TABLES_BY_NAME[name].source_column_names)
        if list(rel.columns) != expected:
            raise AdapterError(
                folder / f"{name}.csv", f"columns {list(rel.columns)} differ from the contract's {expected}"
            )
    counts: dict[str, int] = {}
    for t in TABLES:
        path = folder / f"{t.name}.csv"
        if t.name in relations:
            counts[t.name] = write_relation(relations[t.name], path)
        else:
            write_header(path, t.source_column_names)
            counts[t.name] = 0
        log.debug("wrote %s: %d rows", path.name, counts[t.name])
    return counts
