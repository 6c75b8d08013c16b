"""reviewbot: a catalogue of reviews in SQLite, shared in Discord servers."""

__version__ = "0.1.0"
