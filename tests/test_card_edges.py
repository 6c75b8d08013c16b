"""A card and a notice at their edges: exact limits, a second page, a host in another zone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from discord import ui

from reviewbot.limits import LAYOUT_TEXT, LINK_URL
from reviewbot.render import Reply, link_row, notice, page_room, render_review, truncate
from reviewbot.review import Review, ReviewContext

from .loopback.model import walk_components

JSON = dict[str, Any]


def review(**fields: Any) -> Review:
    values: dict[str, Any] = {
        "title": "Her",
        "rating": "4",
        "body": "Tender.",
        "author_name": "Ana",
    }
    values.update(fields)
    return Review.create(**values).with_id(3)


def shown(of: Review) -> ReviewContext:
    return ReviewContext(of, None, None, 1, 1)


def texts(view: ui.LayoutView) -> list[str]:
    return [c["content"] for c in walk_components(view.to_components()) if c["type"] == 10]


def test_truncate_keeps_a_text_that_fits_exactly() -> None:
    assert truncate("abc", 3) == "abc"
    assert truncate("abcd", 3) == "ab…"
    assert truncate("abc", 0) == ""


def test_a_notice_is_one_text_within_a_message_s_limit_then_its_items() -> None:
    button = ui.Button[Any](label="Fix it", custom_id="reviewbot:draft:1:edit")
    reply = notice("x" * (LAYOUT_TEXT + 10), ui.ActionRow(button))
    assert isinstance(reply.view, ui.LayoutView)
    components = reply.view.to_components()
    assert [c["type"] for c in components] == [10, 1]
    assert components[0]["content"] == "x" * (LAYOUT_TEXT - 1) + "…"
    assert components[1]["components"][0]["label"] == "Fix it"


def test_a_layout_reply_is_sent_and_edited_as_its_view_alone() -> None:
    reply = notice("Kept.")
    assert reply.send_kwargs() == {"view": reply.view}
    # An edit empties what an older message showed: Discord refuses a layout beside either.
    assert reply.edit_kwargs() == {"content": None, "embed": None, "view": reply.view}


def test_an_embed_reply_is_sent_and_edited_with_its_text_and_embed() -> None:
    view = ui.View(timeout=None)
    reply = Reply(view, embed=None, content="Results")
    wanted = {"content": "Results", "embed": None, "view": view}
    assert reply.send_kwargs() == wanted and reply.edit_kwargs() == wanted


def test_a_link_as_long_as_a_button_holds_still_gets_its_button() -> None:
    address = "https://example.com/" + "x" * (LINK_URL - len("https://example.com/"))
    assert len(address) == LINK_URL
    row = link_row(review(url=address), post_url=address)
    assert row is not None
    assert [(b.label, b.url) for b in row.children] == [  # type: ignore[attr-defined]
        ("Original post", address),
        ("Open post", address),
    ]
    assert link_row(review(url=address + "y"), post_url=address + "y") is None


@pytest.fixture
def host_in_tokyo() -> Iterator[None]:
    """The machine's own time zone set nine hours ahead of UTC (a POSIX zone: no tz database)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", "JST-9")
        time.tzset()
        assert time.timezone == -9 * 3600
        yield
    time.tzset()


def test_the_date_is_the_utc_day_whatever_the_host_s_zone(host_in_tokyo: None) -> None:
    late_evening = datetime(2024, 2, 29, 22, 30, tzinfo=UTC)  # already 1 March in Tokyo
    card = render_review(shown(review(published_at=late_evening))).card
    assert "29 February 2024" in card.to_component_dict()["components"][-1]["content"]
    written_in_paris = datetime(2024, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    card = render_review(shown(review(published_at=written_in_paris))).card
    assert "29 February 2024" in card.to_component_dict()["components"][-1]["content"]


def test_a_review_of_two_pages_says_which_page_is_shown() -> None:
    long = review(body="word " * (page_room(review()) // 5 + 10))
    first = render_review(shown(long))  # the first page unless told otherwise
    assert (first.page, first.page_count) == (0, 2)
    quiet = first.card.to_component_dict()["components"][-1]["content"]
    assert quiet.endswith(" · 1 of 1 · page 1 of 2")
