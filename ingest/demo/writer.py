"""Column encodings and the CSV writer of the demo export.

Generators keep columns compact (integer codes and ids, money in cents) and describe how
each is rendered; this module turns them into Arrow arrays and writes one CSV per table
through DuckDB, in the column order of ``ingest.contract``.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest.contract import TABLES, TABLES_BY_NAME
from ingest.demo.config import DemoError

log = logging.getLogger(__name__)

STR = np.dtypes.StringDType(na_object=None)


@dataclass(frozen=True)
class Ids:
    """Integer ids rendered as ``prefix`` + zero-padded number; -1 is NULL."""

    nums: np.ndarray
    prefix: str
    width: int


@dataclass(frozen=True)
class Codes:
    """Integer codes into ``vocab``; -1 is NULL."""

    codes: np.ndarray
    vocab: Sequence[str]


@dataclass(frozen=True)
class Money:
    """Amounts in integer cents, written as DECIMAL(12,2)."""

    cents: np.ndarray


Column = np.ndarray | Ids | Codes | Money | pa.Array
Table = dict[str, Column]
PatientIds = Callable[[np.ndarray], Ids]  # patient indices -> their MRNs


def _rendered(name: str, col: Column) -> duckdb.Expression:
    """The expression that writes ``col``: ids are formatted by DuckDB (fast, multi-threaded)."""
    if isinstance(col, Ids):
        fmt = duckdb.ConstantExpression(col.prefix + "%0" + str(col.width) + "d")
        return duckdb.FunctionExpression("printf", fmt, duckdb.ColumnExpression(name)).alias(name)
    return duckdb.ColumnExpression(name)


def to_arrow(col: Column) -> pa.Array:
    """One column in its Arrow form."""
    if isinstance(col, pa.Array | pa.ChunkedArray):
        return col
    if isinstance(col, Ids):
        nums = np.asarray(col.nums, dtype=np.int64)
        return pa.array(nums, mask=nums < 0)
    if isinstance(col, Codes):
        codes = np.asarray(col.codes, dtype=np.int64)
        return pc.take(pa.array(list(col.vocab), pa.string()), pa.array(codes, mask=codes < 0))
    if isinstance(col, Money):
        cents = np.asarray(col.cents, dtype=np.int64)
        limbs = np.empty((len(cents), 2), dtype=np.int64)  # 128-bit little-endian, sign-extended
        limbs[:, 0] = cents
        limbs[:, 1] = np.where(cents < 0, -1, 0)
        return pa.Array.from_buffers(pa.decimal128(12, 2), len(cents), [None, pa.py_buffer(limbs.tobytes())])
    if col.dtype.kind == "M":
        return pa.array(col, from_pandas=True)
    return pa.array(col)


def write_table(con: duckdb.DuckDBPyConnection, name: str, table: Table, folder: Path, keep: bool) -> int:
    """Write ``table`` as ``folder/<name>.csv`` with the contract's source columns; rows written.

    With ``keep`` the table also stays in ``con`` (as a DuckDB table of that name).
    """
    expected = TABLES_BY_NAME[name].source_column_names
    if tuple(table) != expected:
        raise DemoError(f"demo table {name}: columns {tuple(table)} differ from the contract {expected}")
    arrow = pa.table({k: to_arrow(v) for k, v in table.items()})
    rel = con.from_arrow(arrow).select(*(_rendered(k, v) for k, v in table.items()))
    if keep:
        rel.create(name)
        rel = con.table(name)
    rel.write_csv(str(folder / f"{name}.csv"), header=True)
    return arrow.num_rows


def write_tables(
    tables: Iterable[tuple[str, Table]], folder: Path, con: duckdb.DuckDBPyConnection, keep: set[str]
) -> dict[str, int]:
    """Write every table (keeping those named in ``keep`` in ``con``); returns rows per table."""
    rows = {}
    for name, table in tables:
        rows[name] = write_table(con, name, table, folder, name in keep)
        del table
    if tuple(rows) != tuple(t.name for t in TABLES):
        raise DemoError(f"demo tables {tuple(rows)} differ from the contract's")
    return rows


def prepare_out_dir(out_dir: Path) -> Path:
    """Check ``out_dir`` may be written and return a fresh temporary sibling to build in."""
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise DemoError(f"output folder {out_dir} already exists and is not empty; choose a new folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f".{out_dir.name}.building-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return tmp


def publish(tmp: Path, out_dir: Path) -> None:
    """Move the finished build into place (an empty existing folder is replaced)."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        out_dir.rmdir()  # empty, checked before the build
    os.rename(tmp, out_dir)
    log.info("demo export written to %s", out_dir)
