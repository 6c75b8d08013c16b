"""How a work is named in one line wherever reviews are listed: “Title — creator”."""

from __future__ import annotations


def with_creator(text: str, creator: str | None) -> str:
    """`text — creator`, or `text` alone when the creator is unknown."""
    return f"{text} — {creator}" if creator else text
