"""VIS, Veiligheidsinformatiesysteem: daily briefings for municipal street enforcement."""

__version__ = "0.1.0"
