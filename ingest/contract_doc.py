"""The source side of the data contract as Markdown (``docs/data-contract.md`` is this text)."""

from __future__ import annotations

from ingest.contract import PATIENT_IDENTIFIER_COLUMNS, PATIENTS, TABLES


def contract_markdown() -> str:
    """The source side of the contract as Markdown (``docs/data-contract.md`` is this text)."""
    out = [
        "# Data contract: the source export Acuity reads",
        "",
        "Generated from `ingest/contract.py` (a test keeps the two in step). One file per table,",
        "`<table>.csv` (header row, comma-separated, UTF-8) or `<table>.parquet`. Timestamps are",
        "local practice time (`YYYY-MM-DD HH:MM:SS`), dates `YYYY-MM-DD`, booleans `true`/`false`.",
        "Columns marked *identifier* never reach the warehouse; `patient_id` becomes `patient_key`",
        "(keyed hash). Values outside a listed vocabulary, unparseable values, missing or",
        "duplicate keys and orphan references are quarantined, not loaded.",
        "",
    ]
    for t in TABLES:
        out += [
            f"## {t.name}",
            "",
            t.description,
            "",
            "| column | type | required | values |",
            "| --- | --- | --- | --- |",
        ]
        for c in t.source_columns:
            note = ", ".join(f"`{v}`" for v in c.categories)
            if c.name == "patient_id" or (t is PATIENTS and c.name in PATIENT_IDENTIFIER_COLUMNS):
                note = (note + " " if note else "") + "*identifier*"
            out.append(f"| {c.name} | {c.type.value} | {'yes' if not c.nullable else ''} | {note} |")
        keys = ", ".join(t.primary_key)
        out += ["", f"Key: {keys if t.name != 'patients' else 'patient_id'}."]
        if t.foreign_keys:
            refs = "; ".join(f"{fk.column} -> {fk.ref_table}.{fk.ref_column}" for fk in t.foreign_keys)
            out.append(f"References: {refs}.")
        out.append("")
    return "\n".join(out)
