"""Reports: the printed briefing and its map, the evaluation's exports, PDF text."""
