"""Places in publication order: neighbours, and "n of total" from calendar counts.

`review_counts` holds how many reviews each scope has per year, month, day and hour (kept by
triggers, or recounted after a bulk load), so a review's place is a few short sums and a count
within one hour instead of a count over the catalogue.
"""

from __future__ import annotations

# (span, start, end): a period is `substr(published_at, start + 1 .. end)` of a stored time.
_CALENDAR = (("year", 0, 4), ("month", 4, 7), ("day", 7, 10), ("hour", 10, 13))


def _before(scope: str) -> str:
    """Reviews of one scope before `r`: sums down the calendar (years before its year, months
    before its month within that year, and so on to its hour), then a count within its hour."""
    sums = [
        f"""(SELECT coalesce(sum(n), 0) FROM review_counts
        WHERE guild_id = {scope} AND span = '{span}'
          AND period >= substr(r.published_at, 1, {start})
          AND period < substr(r.published_at, 1, {end}))"""
        for span, start, end in _CALENDAR
    ]
    within_hour = f"""(SELECT count(*) FROM reviews x
        WHERE x.guild_id = {scope} AND x.published_at >= substr(r.published_at, 1, 13)
          AND (x.published_at, x.id) < (r.published_at, r.id))"""
    return "\n    + ".join([*sums, within_hour])


def _in_server(expression: str) -> str:
    """`expression` for the server's own scope: 0 for the catalogue (counted already) and for
    a server with no reviews of its own (most), found with one index probe instead of six."""
    has_own = "EXISTS (SELECT 1 FROM reviews s WHERE s.guild_id = :guild)"
    return f"CASE WHEN :guild <> 0 AND {has_own} THEN {expression} ELSE 0 END"


# Each scope is its own equality rather than `guild_id IN (0, :guild)`, which builds a
# temporary table for every subquery.
BEFORE = f"{_before('0')}\n    + {_in_server(_before(':guild'))}"
_YEARS = "(SELECT coalesce(sum(n), 0) FROM review_counts WHERE guild_id = {} AND span = 'year')"
TOTAL = f"{_YEARS.format('0')} + {_in_server(_YEARS.format(':guild'))}"

# The counts from scratch: hours from the reviews, then each coarser span from the finer one.
RECOUNT = [
    "DELETE FROM review_counts",
    """INSERT INTO review_counts (guild_id, span, period, n)
    SELECT guild_id, 'hour', substr(published_at, 1, 13), count(*) FROM reviews GROUP BY 1, 3""",
    *(
        f"""INSERT INTO review_counts (guild_id, span, period, n)
        SELECT guild_id, '{span}', substr(period, 1, {end}), sum(n) FROM review_counts
        WHERE span = '{finer}' GROUP BY 1, 3"""
        for (span, _, end), (finer, _, _) in zip(_CALENDAR[2::-1], _CALENDAR[:0:-1], strict=True)
    ),
]


def neighbour(op: str, place: str) -> str:
    """The id of the review just before (`op` "<") or after (">") `place`, a row value
    `(published_at, id)`, among what the server sees.

    One index probe per scope (the catalogue, then the server's own unless only the catalogue
    is asked for). The two candidates are compared as text, published_at (fixed width, 27
    characters) then the id padded to 19 digits, so that max() or min() picks one without
    sorting the two (a sort made the whole context statement markedly slower).
    """
    return f"CAST(substr({_nearest(op, place, '')}, {KEY_ID + 1}) AS INTEGER)"


def neighbour_key(op: str, place: str) -> str:
    """As `neighbour`, but the whole key, the neighbour's title after its place: its id and
    title in one value, for a button that names it (see `split_key`)."""
    return _nearest(op, place, " || title")


KEY_ID = 27  # where the id starts in a key: after published_at
_KEY_TITLE = KEY_ID + 19


def split_key(key: str | None) -> tuple[int | None, str | None]:
    """The id and title held in a key made by `neighbour_key` (None, None for no neighbour)."""
    if key is None:
        return None, None
    return int(key[KEY_ID:_KEY_TITLE]), key[_KEY_TITLE:]


def _nearest(op: str, place: str, more: str) -> str:
    order, pick = ("DESC", "max") if op == "<" else ("ASC", "min")

    def probe(scope: str) -> str:
        return f"""(SELECT published_at || printf('%019d', id){more} FROM reviews
            WHERE guild_id = {scope} AND (published_at, id) {op} {place}
            ORDER BY published_at {order}, id {order} LIMIT 1)"""

    return f"""(SELECT {pick}(k) FROM (
        SELECT {probe("0")} AS k UNION ALL SELECT {probe(":guild")} WHERE :guild <> 0))"""
