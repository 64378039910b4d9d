"""Pilot evaluation statistics: pure functions on DataFrames and frozen parameters.

Nothing here reads a database or a file except :mod:`briefing.evaluation.config` (the pilot
definitions). :func:`briefing.evaluation.report.evaluate_pilot` assembles every statistic for one
pilot; the modules can also be used one by one.
"""
