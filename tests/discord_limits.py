"""Discord's embed limits as a checker, for tests that hold the renderer's embeds against them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reviewbot.limits import EMBED_DESCRIPTION, EMBED_TITLE, EMBED_TOTAL

EMBED_FIELDS = 25
EMBED_FIELD_NAME = 256
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_AUTHOR_NAME = 256


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def embed_length(embed: Mapping[str, Any]) -> int:
    """The characters Discord counts towards the 6,000 total, from an embed's dict form."""
    total = len(_text(embed.get("title"))) + len(_text(embed.get("description")))
    total += len(_text((embed.get("footer") or {}).get("text")))
    total += len(_text((embed.get("author") or {}).get("name")))
    for field in embed.get("fields") or []:
        total += len(_text(field.get("name"))) + len(_text(field.get("value")))
    return total


def embed_problems(embed: Mapping[str, Any]) -> list[str]:
    """Every limit the embed (as from `Embed.to_dict()`) breaks; empty when it is fine."""
    problems: list[str] = []

    def check(label: str, value: Any, limit: int) -> None:
        if len(_text(value)) > limit:
            problems.append(f"{label} is {len(_text(value))} characters; the limit is {limit}")

    check("title", embed.get("title"), EMBED_TITLE)
    check("description", embed.get("description"), EMBED_DESCRIPTION)
    check("footer", (embed.get("footer") or {}).get("text"), EMBED_FOOTER)
    check("author name", (embed.get("author") or {}).get("name"), EMBED_AUTHOR_NAME)
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS:
        problems.append(f"{len(fields)} fields; the limit is {EMBED_FIELDS}")
    for number, field in enumerate(fields, start=1):
        name, value = _text(field.get("name")), _text(field.get("value"))
        if not name.strip() or not value.strip():
            problems.append(f"field {number} has an empty name or value")
        check(f"field {number} name", name, EMBED_FIELD_NAME)
        check(f"field {number} value", value, EMBED_FIELD_VALUE)
    if (length := embed_length(embed)) > EMBED_TOTAL:
        problems.append(f"the embed totals {length} characters; the limit is {EMBED_TOTAL}")
    return problems


def embed_within_limits(embed: Mapping[str, Any]) -> bool:
    """True when the embed (as from `Embed.to_dict()`) breaks none of Discord's limits."""
    return not embed_problems(embed)
