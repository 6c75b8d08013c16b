"""How a process names the shards it runs, in its start-up line and `/review status`, for the
cases the shards' own tests leave out: a run that does not start at shard 0, and the default."""

from __future__ import annotations

import pytest

from reviewbot.shards import Shards


@pytest.mark.parametrize(
    ("shards", "described"),
    [
        (Shards(8, (4, 5, 6)), "shards 4–6 of 8"),
        (Shards(8, (6, 4)), "shards 4, 6 of 8"),
        (Shards.every(), "one shard"),
    ],
)
def test_shards_are_named_as_a_run_a_list_or_one(shards: Shards, described: str) -> None:
    assert shards.describe() == described
