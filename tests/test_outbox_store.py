"""The post queue's bookkeeping in the store: order, retries, blocking, and remembered posts."""

from datetime import timedelta

from reviewbot.review import Draft, utc_now
from reviewbot.store import OutboxAction, OutboxState, ReviewStore

from .store_fixtures import make_review

GUILD = 42


async def test_a_published_review_is_stored_and_queued_together(store: ReviewStore) -> None:
    review, item_id = await store.reviews.publish(make_review("Her", guild_id=GUILD))
    [due] = await store.posts.due()
    assert (due.id, due.review_id, due.action) == (item_id, review.id, OutboxAction.POST)


async def test_rows_go_out_in_order_per_server(store: ReviewStore) -> None:
    first, one = await store.reviews.publish(make_review("One", guild_id=GUILD))
    _, two = await store.reviews.publish(make_review("Two", guild_id=GUILD))
    _, other = await store.reviews.publish(make_review("Elsewhere", guild_id=7))
    assert [i.id for i in await store.posts.due()] == [one, other]
    row = next(i for i in await store.posts.due() if i.id == one)
    await store.posts.retry_later(row, "Discord did not answer", utc_now() + timedelta(minutes=5))
    # The server's second row waits behind its first; the other server is not held up.
    assert [i.id for i in await store.posts.due()] == [other]
    await store.posts.retry_later(row, "again", utc_now() - timedelta(seconds=1))
    await store.posts.delivered(row, channel_id=5, message_id=6)
    assert [i.id for i in await store.posts.due()] == [two, other]
    shown = await store.reviews.context(first.id, GUILD)  # type: ignore[arg-type]
    assert shown is not None
    assert shown.post_url == f"https://discord.com/channels/{GUILD}/5/6"


async def test_blocked_rows_wait_for_a_change_then_retry(store: ReviewStore) -> None:
    _, item_id = await store.reviews.publish(make_review("Her", guild_id=GUILD))
    [row] = await store.posts.due()
    await store.posts.block(row, "No review channel is set.")
    assert await store.posts.due() == []
    status = await store.posts.status(GUILD)
    blocked = [(i.id, i.last_error) for i in status.blocked]
    assert blocked == [(item_id, "No review channel is set.")]
    assert await store.posts.unblock(GUILD) == 1
    [again] = await store.posts.due()
    assert again.id == item_id and again.state is OutboxState.WAITING and again.attempts == 1


async def test_a_change_made_while_a_row_is_tried_is_not_lost(store: ReviewStore) -> None:
    # The queue reads the old settings and fails; meanwhile a manager sets a new channel and
    # the server's blocked rows are retried. The row's failure, recorded after that, must not
    # leave it blocked: what stopped it may be fixed already.
    _, item_id = await store.reviews.publish(make_review("Her", guild_id=GUILD))
    [row] = await store.posts.due()
    tried_with = store.posts.unblocks
    await store.guilds.set_review_channel(GUILD, 5)
    await store.posts.unblock(GUILD)
    await store.posts.block(row, "No review channel is set.", unblocks=tried_with)
    [again] = await store.posts.due()
    assert (again.id, again.state, again.last_error) == (
        item_id,
        OutboxState.WAITING,
        "No review channel is set.",
    )
    assert (await store.posts.status(GUILD)).blocked == []
    # Without a change in between, the same failure blocks the row.
    await store.posts.block(again, "No review channel is set.", unblocks=store.posts.unblocks)
    assert await store.posts.due() == []


async def test_editing_or_deleting_a_posted_review_queues_the_change(store: ReviewStore) -> None:
    review, _ = await store.reviews.publish(make_review("Her", guild_id=GUILD))
    [row] = await store.posts.due()
    await store.posts.delivered(row, channel_id=5, message_id=6)
    from dataclasses import replace

    await store.reviews.update(replace(review, body="Changed."))
    [edit] = await store.posts.due()
    assert (edit.action, edit.channel_id, edit.message_id) == (OutboxAction.EDIT, 5, 6)
    await store.posts.delivered(edit)
    await store.reviews.delete(review.id)  # type: ignore[arg-type]
    [removal] = await store.posts.due()
    assert (removal.action, removal.review_id, removal.message_id) == (OutboxAction.DELETE, None, 6)


async def test_re_importing_a_changed_posted_review_queues_an_edit(store: ReviewStore) -> None:
    [(_, review)] = await store.imports.add_or_update([(make_review("Her", guild_id=GUILD), True)])
    await store.posts.queue(GUILD, [review.id])  # type: ignore[list-item]
    [row] = await store.posts.due()
    await store.posts.delivered(row, channel_id=5, message_id=6)
    await store.imports.add_or_update([(make_review("Her", guild_id=GUILD, rating="1"), True)])
    [edit] = await store.posts.due()
    assert edit.action is OutboxAction.EDIT


async def test_drafts_belong_to_their_writer(store: ReviewStore) -> None:
    draft = await store.drafts.save(Draft(guild_id=GUILD, user_id=1, title="Half"))
    assert draft.id is not None
    assert await store.drafts.get(draft.id, user_id=2) is None
    kept = await store.drafts.get(draft.id, user_id=1)
    assert kept is not None and kept.title == "Half"
    from dataclasses import replace

    await store.drafts.save(replace(kept, body="Done now"))
    again = await store.drafts.get(draft.id, user_id=1)
    assert again is not None and again.body == "Done now" and again.title == "Half"
    await store.drafts.discard(draft.id)
    assert await store.drafts.get(draft.id, user_id=1) is None
