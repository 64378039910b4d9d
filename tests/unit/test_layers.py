"""The layers of the house: the import-linter contracts in pyproject.toml hold, and they name every
module of ``vis/`` either as core or as the rest (so a new module cannot slip past them)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import vis

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"


def _contracts() -> dict[str, dict[str, list[str]]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {c["id"]: c for c in config["contracts"]}


def test_import_linter_contracts_are_kept() -> None:
    # In its own process: import-linter's command configures logging with dictConfig, which
    # disables every logger that exists already (in this test process: ingest's and vis's).
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("lint-imports")),
            "--no-cache",
            "--config",
            str(PYPROJECT),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


def test_every_vis_module_is_either_core_or_the_rest() -> None:
    contracts = _contracts()
    core = {m.removeprefix("vis.") for m in contracts["core-stands-alone"]["source_modules"]}
    rest = {m.removeprefix("vis.") for m in contracts["ingest-uses-the-core"]["forbidden_modules"]}
    also_rest = contracts["core-stands-alone"]["forbidden_modules"]
    assert set(also_rest) == {"ingest"} | {f"vis.{m}" for m in rest}
    modules = {m.name for m in pkgutil.iter_modules(vis.__path__)}
    assert not core & rest
    assert modules == core | rest, "name each new module of vis/ in pyproject's contracts"


def test_briefing_is_forbidden_both_other_packages() -> None:
    contract = _contracts()["briefing-is-pure"]
    assert contract["source_modules"] == ["briefing"]
    assert set(contract["forbidden_modules"]) == {"vis", "ingest"}
