"""Operations: backup and restore (and their checks), retention, the system's status."""
