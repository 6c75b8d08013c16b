"""Places in publication order in PostgreSQL: neighbours by keyset, "n of total" from the
calendar counts (`review_counts`, kept by statement triggers)."""

from __future__ import annotations

# (span, the span above it): a review's place sums each span's periods from the start of the
# span above it to the start of its own, down to its hour, then counts within that hour.
_CALENDAR = (("year", None), ("month", "year"), ("day", "month"), ("hour", "day"))
_GUILD = ":guild::bigint"


def _start(span: str, at: str) -> str:
    return f"date_trunc('{span}', {at} AT TIME ZONE 'UTC')"


def _before(scope: str, at: str, review_id: str) -> str:
    sums = []
    for span, above in _CALENDAR:
        since = f" AND period >= {_start(above, at)}" if above else ""
        sums.append(
            f"(SELECT coalesce(sum(n), 0) FROM review_counts WHERE guild_id = {scope}"
            f" AND span = '{span}'{since} AND period < {_start(span, at)})"
        )
    within_hour = (
        f"(SELECT count(*) FROM reviews x WHERE x.guild_id = {scope}"
        f" AND x.published_at >= {_start('hour', at)} AT TIME ZONE 'UTC'"
        f" AND (x.published_at, x.id) < ({at}, {review_id}))"
    )
    return "\n    + ".join([*sums, within_hour])


def _in_server(expression: str) -> str:
    """`expression` for the server's own scope: 0 for the catalogue (counted already) and for
    a server with no reviews of its own (most), found with one index probe."""
    has_own = f"EXISTS (SELECT 1 FROM reviews s WHERE s.guild_id = {_GUILD})"
    return f"CASE WHEN {_GUILD} <> 0 AND {has_own} THEN {expression} ELSE 0 END"


def before(at: str, review_id: str) -> str:
    """How many reviews the server sees before the place (`at`, `review_id`)."""
    return f"({_before('0', at, review_id)}\n    + {_in_server(_before(_GUILD, at, review_id))})"


_YEARS = "(SELECT coalesce(sum(n), 0) FROM review_counts WHERE guild_id = {} AND span = 'year')"
TOTAL = f"({_YEARS.format('0')} + {_in_server(_YEARS.format(_GUILD))})::bigint"

RECOUNT = [
    "DELETE FROM review_counts",
    """INSERT INTO review_counts (guild_id, span, period, n)
    SELECT r.guild_id, c.span, c.period, count(*)
    FROM reviews r CROSS JOIN LATERAL review_calendar(r.published_at) c GROUP BY 1, 2, 3""",
]


def nearest(op: str, at: str, review_id: str, columns: str = "id") -> str:
    """`columns` of the review just before (`op` "<") or after (">") the place (`at`,
    `review_id`) among what the server sees: one index probe per scope, the closer kept."""
    order = "DESC" if op == "<" else "ASC"

    def probe(scope: str, more: str = "") -> str:
        return (
            f"(SELECT id, title, published_at FROM reviews WHERE guild_id = {scope}{more}"
            f" AND (published_at, id) {op} ({at}, {review_id})"
            f" ORDER BY published_at {order}, id {order} LIMIT 1)"
        )

    return (
        f"SELECT {columns} FROM ({probe('0')} UNION ALL {probe(_GUILD, f' AND {_GUILD} <> 0')})"
        f" n ORDER BY published_at {order}, id {order} LIMIT 1"
    )
