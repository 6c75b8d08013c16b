"""The publication time a button's custom id carries: base 36 microseconds, exact at its edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reviewbot.review import utc_now
from reviewbot.store import ReviewStore
from reviewbot.views import decode_time, encode_time

from .bot_fixtures import running_bot
from .cards import nav, note, title
from .loopback.model import Guild
from .loopback.server import LoopbackDiscord
from .store_fixtures import make_review

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("moment", "encoded"),
    [
        (EPOCH, "0"),
        (EPOCH + MICRO, "1"),
        (EPOCH + 35 * MICRO, "z"),
        (EPOCH + 36 * MICRO, "10"),
        (EPOCH + 36**2 * MICRO, "100"),
        (EPOCH - MICRO, "-1"),
        (EPOCH - 36 * MICRO, "-10"),
    ],
)
def test_a_time_is_written_in_base_36_microseconds(moment: datetime, encoded: str) -> None:
    assert encode_time(moment) == encoded
    assert decode_time(encoded) == moment


@pytest.mark.parametrize(
    "moment",
    [
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 0, 0, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_a_time_comes_back_to_the_microsecond(moment: datetime) -> None:
    encoded = encode_time(moment)
    assert set(encoded.lstrip("-")) <= set("0123456789abcdefghijklmnopqrstuvwxyz")
    assert decode_time(encoded) == moment


async def test_buttons_step_across_1970_one_microsecond_apart(
    loopback: LoopbackDiscord, guild: Guild, tmp_path: Path
) -> None:
    reader = guild.add_member("reader")
    database = tmp_path / "reviews.db"
    async with ReviewStore.open(database) as store:
        for name, at in (("Before", EPOCH - MICRO), ("At", EPOCH), ("After", EPOCH + MICRO)):
            await store.reviews.publish(make_review(name, guild_id=guild.id, published_at=at))
        # A review published later, deleted below: its old message's buttons remain.
        gone, _ = await store.reviews.publish(
            make_review("Gone", guild_id=guild.id, published_at=utc_now())
        )
    assert gone.id is not None
    async with running_bot(loopback, database) as bot:
        shown = await loopback.slash(guild, reader, "review show", title="Before")
        assert shown.message is not None
        card = shown.message
        assert nav(card, forward=True)["custom_id"] == "reviewbot:nav:1:-1:n"
        for expected in ("At", "After", "Gone"):
            await loopback.click(card, reader, custom_id=nav(card, forward=True)["custom_id"])
            assert title(card) == expected
        await bot.app.store.reviews.delete(gone.id)
        # Its ◀ still steps back from its place, though it is gone.
        await loopback.click(card, reader, label="◀ After")
        assert (title(card), note(card)) == ("After", None)
        assert nav(card, forward=False)["custom_id"] == "reviewbot:nav:3:1:p"
        await loopback.click(card, reader, label="◀ At")
        assert (title(card), note(card)) == ("At", None)
        assert nav(card, forward=True)["custom_id"] == "reviewbot:nav:2:0:n"
