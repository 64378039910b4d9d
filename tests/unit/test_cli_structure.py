"""The command line's shape: `vis --help` answers without the heavy libraries, the command
modules do not import the command line back, and no private name crosses a module."""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from vis.settings import PROJECT_ROOT

HEAVY = ("pandas", "numpy", "scipy", "statsmodels", "sqlalchemy", "pydantic", "streamlit")
SOURCES = ("vis", "briefing", "ingest", "benchmarks")

PROBE = """
import sys
from vis.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("loaded:" + ",".join(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize(
    "args", [["--help"], ["briefing", "--help"], ["evaluate", "--help"], ["user", "add", "--help"]]
)
def test_help_imports_none_of_the_heavy_libraries(args: list[str]) -> None:
    probe = PROBE.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "usage: vis" in done.stdout
    assert done.stdout.splitlines()[-1] == "loaded:"


@cache
def _imports(path: Path) -> list[ast.ImportFrom]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]


def _sources() -> list[Path]:
    return [p for root in SOURCES for p in sorted((PROJECT_ROOT / root).rglob("*.py"))]


def test_command_modules_do_not_import_the_command_line_back() -> None:
    back = [
        str(p.relative_to(PROJECT_ROOT))
        for p in _sources()
        if p.name != "__main__.py" and any(n.module == "vis.cli" for n in _imports(p))
    ]
    assert back == []


def test_no_private_name_is_imported_from_another_module() -> None:
    private = [
        f"{p.relative_to(PROJECT_ROOT)}: {n.module}.{a.name}"
        for p in _sources()
        for n in _imports(p)
        for a in n.names
        if a.name.startswith("_") and not a.name.startswith("__")
    ]
    assert private == []
