"""Reading a review card as a reader sees it: its heading, byline, text, quiet line, buttons."""

from __future__ import annotations

from typing import Any

from .loopback.interactions import Reply
from .loopback.model import Message, walk_components

JSON = dict[str, Any]
CONTAINER, SECTION, TEXT_DISPLAY, THUMBNAIL = 17, 9, 10, 11


def components(shown: Message | Reply) -> list[JSON]:
    """The message's components now (a `Reply`'s as they were when the call returned)."""
    return shown.components


def card(shown: Message | Reply) -> JSON:
    """The card: the one container of the message."""
    [found] = [c for c in components(shown) if c.get("type") == CONTAINER]
    return found


def note(shown: Message | Reply) -> str | None:
    """The line above the card, if any."""
    above = [c["content"] for c in components(shown) if c.get("type") == TEXT_DISPLAY]
    return above[0] if above else None


def card_texts(shown: Message | Reply) -> list[str]:
    """The card's text displays: heading, byline, body page and quiet line."""
    return [c["content"] for c in walk_components([card(shown)]) if c.get("type") == TEXT_DISPLAY]


def heading(shown: Message | Reply) -> str:
    """The heading without its Markdown, as "Her ★★★★☆"."""
    text = card_texts(shown)[0]
    assert text.startswith("## ")
    return text[3:]


def title(shown: Message | Reply) -> str:
    """The title as the heading shows it (still escaped), without the stars."""
    shown_title, _, stars = heading(shown).rpartition(" ")
    assert len(stars) == 5 and set(stars) <= set("★½☆")
    return shown_title


def stars(shown: Message | Reply) -> str:
    return heading(shown).rpartition(" ")[2]


def byline(shown: Message | Reply) -> str:
    return card_texts(shown)[1]


def body(shown: Message | Reply) -> str:
    return card_texts(shown)[2]


def quiet_line(shown: Message | Reply) -> str:
    """The quiet line without its Markdown, as "Ana · 14 March 2014 · 7 of 20"."""
    text = card_texts(shown)[3]
    assert text.startswith("-# ")
    return text[3:]


def cover(shown: Message | Reply) -> str | None:
    """The cover's address, when the heading has one beside it."""
    for component in walk_components([card(shown)]):
        if component.get("type") == SECTION:
            accessory = component["accessory"]
            assert accessory["type"] == THUMBNAIL
            return str(accessory["media"]["url"])
    return None


def buttons(shown: Message | Reply) -> dict[str, JSON]:
    """Every button of the message by its label."""
    return {c.get("label", ""): c for c in walk_components(components(shown)) if c["type"] == 2}


def nav(shown: Message | Reply, forward: bool) -> JSON:
    """The ◀ or ▶ button, whatever neighbour it names."""
    way = ("n", "N") if forward else ("p", "P")
    [found] = [
        b
        for b in buttons(shown).values()
        if str(b.get("custom_id", "")).startswith("reviewbot:nav:") and b["custom_id"].endswith(way)
    ]
    return found


def text_length(shown: Message | Reply) -> int:
    """All the text displays of the message together, as Discord counts them."""
    return sum(
        len(c["content"]) for c in walk_components(components(shown)) if c["type"] == TEXT_DISPLAY
    )


def component_count(shown: Message | Reply) -> int:
    return len(list(walk_components(components(shown))))
