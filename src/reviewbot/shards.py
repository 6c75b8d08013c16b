"""Which of Discord's shards a process runs, and so which servers' work is its own."""

from __future__ import annotations

from dataclasses import dataclass

# A server's shard is read from the creation time in its id, as Discord assigns them.
SHARD_SHIFT = 22


def shard_of(guild_id: int, count: int) -> int:
    """The shard that carries a server's events; the catalogue's (0) is shard 0's."""
    return (guild_id >> SHARD_SHIFT) % count


@dataclass(frozen=True, slots=True)
class Shards:
    """`ids` of `count` shards in all: the servers on them are this process's to post in and
    poll feeds for. Every shard of one (the default) is every server."""

    count: int = 1
    ids: tuple[int, ...] = (0,)

    def __post_init__(self) -> None:
        if self.count < 1 or not self.ids or any(not 0 <= i < self.count for i in self.ids):
            raise ValueError(f"shards {self.ids} are not shards of {self.count}")
        if len(set(self.ids)) != len(self.ids):
            raise ValueError(f"shards {self.ids} name a shard twice")

    @classmethod
    def every(cls, count: int = 1) -> Shards:
        return cls(count, tuple(range(count)))

    @property
    def everything(self) -> bool:
        """True when no server belongs to another process."""
        return len(self.ids) == self.count

    def owns(self, guild_id: int | None) -> bool:
        """Whether a server's work is this process's (None: the catalogue, shard 0's)."""
        return shard_of(guild_id or 0, self.count) in self.ids

    def describe(self) -> str:
        """'shards 0–3 of 8', 'shard 5 of 8', 'shards 0, 2 of 4', 'all 4 shards', 'one shard'."""
        if self.everything:
            return "one shard" if self.count == 1 else f"all {self.count} shards"
        ordered = sorted(self.ids)
        if len(ordered) == 1:
            return f"shard {ordered[0]} of {self.count}"
        if ordered == list(range(ordered[0], ordered[-1] + 1)):
            return f"shards {ordered[0]}–{ordered[-1]} of {self.count}"
        return f"shards {', '.join(map(str, ordered))} of {self.count}"


ALL_SHARDS = Shards()  # one process with every shard: every server is its own
