"""The code's defaults are the shipped behaviour: every section of ``config/rules.toml`` holds
exactly the defaults of its parameter class, so tests built on ``Rules()`` run the production
path."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from briefing.params import Rules, load_rules

RULES_FILE = Path(__file__).resolve().parents[2] / "config" / "rules.toml"


def test_every_rules_section_default_equals_the_shipped_file() -> None:
    shipped = load_rules(RULES_FILE)
    code = Rules()
    for section in ("scoring", "near_repeat", "selection", "briefing", "backtest"):
        ours, theirs = getattr(code, section), getattr(shipped, section)
        differ = {
            f.name: (getattr(ours, f.name), getattr(theirs, f.name))
            for f in dataclasses.fields(ours)
            if getattr(ours, f.name) != getattr(theirs, f.name)
        }
        assert differ == {}, f"[{section}] code default != rules.toml: {differ}"
    assert code.excluded == shipped.excluded


def test_the_rules_that_once_differed_are_the_shipped_ones() -> None:
    s, nr = Rules().scoring, Rules().near_repeat
    assert (s.recent_share, s.adaptive_smoothing, nr.weight) == (0.0, True, 0.1)


def test_rules_version_covers_every_module_that_shapes_a_hotspot_and_the_grid() -> None:
    import inspect

    import briefing.history
    import briefing.scoring
    import briefing.selection
    from briefing.params import fingerprint_sources

    sources = set(fingerprint_sources())
    for module in (briefing.scoring, briefing.selection, briefing.history):
        assert Path(inspect.getfile(module)).resolve() in sources
    grid_file = inspect.getsourcefile(briefing.history.Grid)
    assert grid_file is not None and Path(grid_file).resolve() in sources


def test_the_generated_rules_doc_is_current_and_every_key_has_help() -> None:
    from briefing.rules_doc import DOC_PATH, key_help, render

    text = RULES_FILE.read_text(encoding="utf-8")
    assert DOC_PATH.read_text(encoding="utf-8") == render(text), (
        "docs/rules.md is stale: run python -m briefing.rules_doc"
    )
    helps = key_help(text)
    code_keys = {
        f"{section}.{f.name}"
        for section in ("scoring", "near_repeat", "selection", "briefing", "backtest")
        for f in dataclasses.fields(getattr(Rules(), section))
    }
    assert code_keys == set(helps)
    assert all(helps[k] for k in code_keys)
