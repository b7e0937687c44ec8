"""House rules that are cheap to check mechanically (style.md): imports point one way,
the UI stays thin, settings are documented, docstring examples run, ruff is clean."""

from __future__ import annotations

import ast
import doctest
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import SETTINGS_HELP

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "ingest", "semantic_layer")


def _py_files(*dirs: str) -> list[Path]:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", ["ingest", "semantic_layer"])
def test_core_packages_import_no_ui_llm_or_assistant(package):
    bad = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & {"streamlit", "openai", "assistant"})
        for p in _py_files(package)
    }
    assert {k: v for k, v in bad.items() if v} == {}


def test_semantic_layer_and_ingest_do_not_know_each_other():
    assert not [p for p in _py_files("semantic_layer") if "ingest" in _imports(p)]
    assert not [p for p in _py_files("ingest") if "semantic_layer" in _imports(p)]


def test_ui_only_arranges_calls():
    files = (
        [ROOT / "app.py", *_py_files("assistant/ui")]
        if (ROOT / "app.py").exists()
        else _py_files("assistant/ui")
    )
    for p in files:
        assert not (_imports(p) & {"duckdb", "openai", "sqlglot"}), p
        assert not re.search(r"\bSELECT\s+.+\s+FROM\b", p.read_text(), re.I), f"SQL text in {p}"


def test_no_exec_or_eval():
    for p in _py_files(*PACKAGES):
        tree = ast.parse(p.read_text(), str(p))
        calls = [
            n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        ]
        assert not {"exec", "eval"} & set(calls), p


def test_every_setting_is_documented_in_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in SETTINGS_HELP if f"`{name}`" not in readme]
    assert missing == []


def _modules() -> list[str]:
    mods = []
    for p in _py_files(*PACKAGES):
        rel = p.relative_to(ROOT).with_suffix("")
        if rel.name == "__main__" or "ui" in rel.parts:
            continue
        mods.append(".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts))
    return mods


def test_docstring_examples_run():
    failures = []
    for name in _modules():
        module = importlib.import_module(name)
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        if result.failed:
            failures.append(name)
    assert failures == []


def test_ruff_is_clean():
    out = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout[-3000:]


def test_data_contract_doc_is_current():
    from ingest.contract_doc import contract_markdown

    assert (ROOT / "docs" / "data-contract.md").read_text() == contract_markdown()
