"""Briefing: pure hotspot and shift rules, briefings, backtests and evaluation statistics."""
