"""Export then import: every field of a review comes back as it was, links and author id too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reviewbot.catalogue import export_catalogue, import_paths
from reviewbot.review import Review
from reviewbot.store import ReviewStore

from .store_fixtures import make_review

GUILD = 987654321098765432

LINKED: list[dict[str, Any]] = [
    dict(
        title="Her",
        creator="Spike Jonze",
        author_name="Ana",
        author_id=123456789012345678,  # a snowflake: more digits than a float keeps exactly
        url="https://example.com/reviews/her?ref=feed&lang=en#top",
        image_url="https://img.example.com/covers/her.jpg?w=600&h=900",
        day=1,
    ),
    dict(
        title="Yes: No # maybe",  # YAML would read an unquoted value like this as something else
        author_name="Bo",
        author_id=1,
        url="https://example.com/a:b/'quoted'/\"twice\"",
        image_url="http://example.com/%20cover.png",
        day=2,
    ),
    dict(title="Unlinked", author_name="Cy", day=3),  # no links, no author id: still none
]


def _fields(review: Review) -> tuple[object, ...]:
    return (review.title, review.url, review.image_url, review.author_id, review.author_name)


@pytest.mark.parametrize("guild_id", [None, GUILD])
async def test_links_and_author_id_survive_export_then_import(
    tmp_path: Path, guild_id: int | None
) -> None:
    folder = tmp_path / "exported"
    async with ReviewStore.open(tmp_path / "before.db") as store:
        for fields in LINKED:
            await store.reviews.add(make_review(**fields, guild_id=guild_id))
        before = [review async for review in store.reviews.all(guild_id)]
        assert await export_catalogue(store, folder, guild_id) == len(LINKED)
    async with ReviewStore.open(tmp_path / "after.db") as store:
        report = await import_paths(store, [folder], guild_id)
        assert not report.failures
        after = [review async for review in store.reviews.all(guild_id)]
    assert [_fields(r) for r in after] == [_fields(r) for r in before]
    assert [_fields(r) for r in after] == [_fields(make_review(**fields)) for fields in LINKED]
