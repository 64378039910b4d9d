"""Ingest: sources, parsing, normalisation, loading and the scheduler."""
