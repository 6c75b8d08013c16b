"""The statements search runs on SQLite, built once when the module is loaded: a title's
tiers, typos and review text, each with and without filters and a server's own scope."""

from __future__ import annotations

from ..search import Tier
from .rows import FILTERS, SUMMARY, VISIBLE


def _titles(filtered: bool, server: bool) -> str:
    """Titles equal to the text, then titles starting with it: in each scope the first few in
    the title index's order (the exact title comes first). The normalised title follows the
    summary's columns."""
    filters = FILTERS if filtered else "1"
    scopes = ["r.guild_id = 0"] + (["r.guild_id = :guild"] if server else [])
    return "\nUNION ALL\n".join(
        f"SELECT * FROM (SELECT {SUMMARY}, r.title_norm, length(r.title_norm) FROM reviews r"
        f" WHERE {scope} AND r.title_norm >= :text AND r.title_norm < :prefix_end"
        f" AND {filters} ORDER BY r.title_norm LIMIT :limit)"
        for scope in scopes
    )


def _exact_titles(filtered: bool) -> str:
    """The newest reviews (by id) titled exactly as typed: for a title so crowded that its
    reviews fill the answer, where the title index's order would pick them by creator."""
    filters = FILTERS if filtered else "1"
    return f"""
SELECT {SUMMARY}, r.title_norm, length(r.title_norm) FROM (
    SELECT r.id FROM reviews r WHERE {VISIBLE} AND r.title_norm = :text AND {filters}
    ORDER BY r.id DESC LIMIT :limit
) h CROSS JOIN reviews r ON r.id = h.id
ORDER BY r.published_at DESC, r.id DESC
"""


def _title_words(filtered: bool) -> str:
    """The newest titles holding every word, outside the range the prefix tier covers (so no
    review is found twice)."""
    filters = FILTERS if filtered else "1"
    return f"""
SELECT {SUMMARY}, r.title_norm, length(r.title_norm) FROM title_fts f
JOIN reviews r ON r.id = f.rowid
WHERE title_fts MATCH :title_match AND {VISIBLE} AND {filters}
  AND NOT (r.title_norm >= :text AND r.title_norm < :prefix_end)
ORDER BY f.rowid DESC LIMIT :room
"""


TITLES = {(f, s): _titles(f, s) for f in (False, True) for s in (False, True)}
EXACT_TITLES = {filtered: _exact_titles(filtered) for filtered in (False, True)}
TITLE_WORDS = {filtered: _title_words(filtered) for filtered in (False, True)}
# Every hit row holds the summary's columns, then its normalised title, then (title hits) its
# length or (typo and text hits) what ranking them needs.
TITLE_NORM_AT = len(SUMMARY.split(","))
HIT = "r.title_norm, {tier}, {score}"
HIT_TIER_AT, SCORE_AT = TITLE_NORM_AT + 1, TITLE_NORM_AT + 2


# Typo hits: titles holding a spelling of every word, newest first; ranked in Python.
def _typo_hits(order: str) -> str:
    return f"""
SELECT {SUMMARY}, {HIT.format(tier=int(Tier.TYPO), score=0)}
FROM title_fts f JOIN reviews r ON r.id = f.rowid
WHERE title_fts MATCH :match AND {VISIBLE} AND {FILTERS}
{order.format(rowid="f.rowid")}
"""


# Titles starting with the text as the closest spellings of its words read it, in that order:
# the first few for each reading.
CORRECTED_STARTS = {
    server: f"""
SELECT {SUMMARY}, {HIT.format(tier=int(Tier.TYPO), score=0)}
FROM json_each(:texts) t CROSS JOIN reviews r ON r.id IN (
"""
    + "\n    UNION ALL ".join(
        "SELECT * FROM (SELECT s.id FROM reviews s"
        f" WHERE {scope} AND s.title_norm >= t.value AND s.title_norm < t.value || char(1114111)"
        " ORDER BY s.title_norm LIMIT :per_reading)"
        for scope in ["s.guild_id = 0"] + (["s.guild_id = :guild"] if server else [])
    )
    + f"""
) WHERE {FILTERS} LIMIT :many
"""
    for server in (False, True)
}


# Every hit holds every word and the index keeps no word counts (detail = 'none'), so bm25
# would rank hits by little but their length: shortest first picks the same first hit almost
# always, without bm25's per-query count of every word's documents.
def _text_hits(order: str) -> str:
    return f"""
SELECT {SUMMARY}, {HIT.format(tier=int(Tier.BODY), score="length(b.body)")} FROM body_fts
JOIN reviews r ON r.id = body_fts.rowid JOIN review_bodies b ON b.review_id = body_fts.rowid
WHERE body_fts MATCH :body_match AND {VISIBLE} AND {FILTERS}
{order.format(rowid="body_fts.rowid")}
"""


# Typo and text hits are first read oldest first, one more than wanted: a full-text index
# reads each word's whole list of reviews before it can go newest first, and in its own order
# only as far as it must (nowhere, when a word is in no review, as a typo's word mostly is).
# Only when there are more hits than wanted are they read again, newest first.
NEWEST, OLDEST = "ORDER BY {rowid} DESC LIMIT :many", "ORDER BY {rowid} LIMIT :many + 1"
TYPO_HITS, TYPO_HITS_OLDEST = _typo_hits(NEWEST), _typo_hits(OLDEST)
TEXT_HITS, TEXT_HITS_OLDEST = _text_hits(NEWEST), _text_hits(OLDEST)
