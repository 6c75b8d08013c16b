"""A post queue row as the store keeps it: read back whole, dropped, delivered, reposted."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from reviewbot.review import utc_now
from reviewbot.store import OutboxAction, OutboxState, ReviewStore

from .store_fixtures import make_review

GUILD = 42


async def test_a_row_is_read_back_whole_and_a_missing_one_is_none(store: ReviewStore) -> None:
    before = utc_now().replace(microsecond=0)
    review, item_id = await store.reviews.publish(make_review("Her", guild_id=GUILD))
    row = await store.posts.item(item_id)
    assert row is not None
    assert (row.id, row.guild_id, row.review_id, row.action, row.state) == (
        item_id,
        GUILD,
        review.id,
        OutboxAction.POST,
        OutboxState.WAITING,
    )
    assert (row.channel_id, row.message_id, row.attempts, row.last_error, row.done_at) == (
        None,
        None,
        0,
        None,
        None,
    )
    assert before <= row.created_at <= utc_now()
    assert await store.posts.item(item_id + 1) is None


async def test_a_dropped_row_is_finished_with_its_reason(store: ReviewStore) -> None:
    _, item_id = await store.reviews.publish(make_review("Her", guild_id=GUILD))
    [row] = await store.posts.due()
    await store.posts.drop(row, "The review was deleted before it was posted.")
    dropped = await store.posts.item(item_id)
    assert dropped is not None
    assert (dropped.state, dropped.last_error, dropped.attempts) == (
        OutboxState.DROPPED,
        "The review was deleted before it was posted.",
        1,
    )
    assert dropped.done_at is not None
    assert await store.posts.due() == []


async def test_a_delivered_post_is_remembered_with_its_channel(store: ReviewStore) -> None:
    review, item_id = await store.reviews.publish(make_review("Her", guild_id=GUILD))
    assert review.id is not None
    assert await store.posts.has_post(review.id) is False
    [row] = await store.posts.due()
    await store.posts.delivered(row, channel_id=5, message_id=6)
    done = await store.posts.item(item_id)
    assert done is not None
    assert (done.state, done.channel_id, done.message_id, done.attempts) == (
        OutboxState.DONE,
        5,
        6,
        1,
    )
    assert await store.posts.has_post(review.id) is True
    assert (await store.posts.status(GUILD)).last_delivered == done


async def test_an_edit_of_a_vanished_message_becomes_a_fresh_post(store: ReviewStore) -> None:
    review, _ = await store.reviews.publish(make_review("Her", guild_id=GUILD))
    assert review.id is not None
    [row] = await store.posts.due()
    await store.posts.delivered(row, channel_id=5, message_id=6)
    await store.reviews.update(replace(review, body="Changed."))
    [edit] = await store.posts.due()
    await store.posts.repost(edit)
    assert await store.posts.has_post(review.id) is False
    [post] = await store.posts.due()
    assert (post.id, post.action, post.channel_id, post.message_id) == (
        edit.id,
        OutboxAction.POST,
        None,
        None,
    )
    shown = await store.reviews.context(review.id, GUILD)
    assert shown is not None and shown.post_url is None


async def test_the_next_retry_is_the_soonest_waiting_row(store: ReviewStore) -> None:
    assert await store.posts.next_retry() is None
    await store.reviews.publish(make_review("Her", guild_id=GUILD))
    await store.reviews.publish(make_review("Elsewhere", guild_id=7))
    first, second = await store.posts.due()
    later = (utc_now() + timedelta(minutes=5)).replace(microsecond=0)
    sooner = (utc_now() + timedelta(minutes=2)).replace(microsecond=0)
    await store.posts.retry_later(first, "Discord did not answer", later)
    await store.posts.retry_later(second, "Discord did not answer", sooner)
    assert await store.posts.next_retry() == sooner
    await store.posts.delivered(second, channel_id=5, message_id=6)
    assert await store.posts.next_retry() == later
    await store.posts.drop(first, "gone")
    assert await store.posts.next_retry() is None
