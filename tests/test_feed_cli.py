"""`reviewbot feed …` and `reviewbot import` of feeds and exports, as real subprocesses."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import zipfile
from contextlib import closing
from pathlib import Path

from .feed_server import FeedServer, item, rss
from .test_cli import one_line, reviewbot

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "feeds"
ALLOW = {"REVIEWBOT_FEEDS_ALLOW_PRIVATE": "true"}


async def run(*args: str | Path, db: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The command in a thread, so the feed server in this loop keeps answering."""
    return await asyncio.to_thread(reviewbot, *args, db=db, **{**ALLOW, **env})


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as raw:
        return [tuple(row) for row in raw.execute(sql)]


async def test_feed_add_list_check_remove(feed_server: FeedServer, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    feed_server.serve("/feed", (FIXTURES / "squarespace.xml").read_bytes())
    added = await run("feed", "add", feed_server.url(), "--category", "film", db=db)
    assert added.returncode == 0, added.stderr
    assert "Following" in added.stdout and "2 review(s) joined quietly" in added.stdout
    assert rows(db, "SELECT title, guild_id FROM reviews WHERE title = 'Her'") == [("Her", 0)]
    again = await run("feed", "add", feed_server.url(), db=db)
    assert again.returncode == 3 and "already followed here" in one_line(again)

    listed = await run("feed", "list", db=db)
    assert listed.returncode == 0 and feed_server.url() in listed.stdout
    assert "3 entries seen" in listed.stdout and "(HTTP 200)" in listed.stdout

    feed_server.serve("/feed", rss([item("new", "Alien ★★★★★")]))
    checked = await run("feed", "check", feed_server.url(), db=db)
    assert checked.returncode == 0, checked.stderr
    assert "1 new review(s)" in checked.stdout
    assert rows(db, "SELECT count(*) FROM outbox") == [(0,)]  # the catalogue announces nowhere

    feed_server.fail("/feed", 500)
    failed = await run("feed", "check", feed_server.url(), db=db)
    assert failed.returncode == 3 and "answered 500" in one_line(failed)

    removed = await run("feed", "remove", feed_server.url(), db=db)
    assert removed.returncode == 0 and "its reviews stay" in removed.stdout
    gone = await run("feed", "remove", feed_server.url(), db=db)
    assert gone.returncode == 1 and "No feed with that address" in one_line(gone)
    assert rows(db, "SELECT count(*) FROM reviews WHERE title IN ('Her', 'Alien')") == [(2,)]


async def test_a_servers_feed_from_the_shell_announces_in_its_channel(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    db = tmp_path / "r.db"
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    usage = await run("feed", "add", feed_server.url(), "--channel", "55", db=db)
    assert usage.returncode == 2 and "--channel needs --guild" in one_line(usage)
    added = await run("feed", "add", feed_server.url(), "--guild", "77", "--channel", "55", db=db)
    assert added.returncode == 0, added.stderr
    feed_server.serve("/feed", rss([item("b", "Heat 5/5"), item("a", "Her 4/5")]))
    assert (await run("feed", "check", feed_server.url(), "--guild", "77", db=db)).returncode == 0
    assert rows(db, "SELECT guild_id, action, channel_id FROM outbox") == [(77, "post", 55)]
    assert rows(db, "SELECT guild_id FROM reviews WHERE title = 'Heat'") == [(77,)]


async def test_private_addresses_are_refused_unless_allowed(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    db = tmp_path / "r.db"
    feed_server.serve("/feed", rss([item("a", "Her 4/5")]))
    refused = await run(
        "feed", "add", feed_server.url(), db=db, REVIEWBOT_FEEDS_ALLOW_PRIVATE="false"
    )
    assert refused.returncode == 3
    assert "is a loopback address" in one_line(refused)
    assert feed_server.requests == []
    bad = await run("feed", "list", db=db, REVIEWBOT_FEED_INTERVAL="0")
    assert bad.returncode == 2 and "REVIEWBOT_FEED_INTERVAL must be" in one_line(bad)


async def test_import_of_a_feed_url_with_all_pages(feed_server: FeedServer, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    generator = "<generator>https://wordpress.org/?v=6.5</generator>"
    feed_server.serve("/feed", rss([item("p2", "Two 2/5")], extra=generator))
    feed_server.serve("/feed?paged=2", rss([item("p1", "One 1/5", days_ago=4)], extra=generator))
    once = await run("import", feed_server.url(), "--guild", "9", db=db)
    assert once.returncode == 0, once.stderr
    assert "1 added" in once.stdout and rows(db, "SELECT count(*) FROM feeds") == [(0,)]
    walked = await run("import", feed_server.url(), "--all", "--guild", "9", db=db)
    assert "1 added, 0 updated, 1 unchanged" in walked.stdout and "2 page(s)" in walked.stdout
    feed_server.serve("/page", "<html>not a feed</html>", content_type="text/html")
    bad = await run("import", feed_server.url("/page"), db=db)
    assert bad.returncode == 3 and "not an RSS or Atom feed" in one_line(bad)


async def test_letterboxd_and_goodreads_exports(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    archive = tmp_path / "letterboxd-fen-2024.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(FIXTURES / "letterboxd-reviews.csv", "reviews.csv")
        out.writestr("diary.csv", "Date,Name\n")
    goodreads = FIXTURES / "goodreads_library_export.csv"
    first = await run("import", archive, goodreads, db=db)
    assert first.returncode == 0, first.stderr
    assert "(Letterboxd): 3 added, 0 updated, 0 unchanged, 1 skipped" in first.stdout
    assert "(Goodreads): 2 added, 0 updated, 0 unchanged, 2 skipped" in first.stdout
    got = rows(
        db,
        "SELECT r.title, r.creator, r.category, r.rating, substr(r.published_at, 1, 10), r.url,"
        " r.spoiler, b.body FROM reviews r JOIN review_bodies b ON b.review_id = r.id"
        " WHERE r.title IN ('Fallen Leaves', 'Tomorrow and Tomorrow and Tomorrow',"
        " 'The Left Hand of Darkness') ORDER BY r.title",
    )
    assert got == [
        ("Fallen Leaves", None, "film", 9, "2024-04-13", "https://boxd.example/eF2gH", 0,
         "Deadpan love at a karaoke night. *Ninety minutes* of grace."),
        ("The Left Hand of Darkness", "Ursula K. Le Guin", "book", 10, "2024-02-11",
         "https://www.goodreads.com/book/show/11111", 0,
         "Cold planet, warm book.\n\nThe sledge journey is the best chapter I read this year."),
        ("Tomorrow and Tomorrow and Tomorrow", "Gabrielle Zevin", "book", 8, "2024-03-30",
         "https://www.goodreads.com/book/show/22222", 1,
         "Friendship as a game you keep restarting."),
    ]  # fmt: skip
    changed = tmp_path / "reviews.csv"
    text = (FIXTURES / "letterboxd-reviews.csv").read_text().replace(",4.5,", ",5,")
    changed.write_text(text)
    again = await run("import", changed, goodreads, db=db)
    assert "(Letterboxd): 0 added, 1 updated, 2 unchanged" in again.stdout
    assert "(Goodreads): 0 added, 0 updated, 2 unchanged" in again.stdout


async def test_a_bad_export_is_one_line_and_stores_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    wrong = tmp_path / "other.csv"
    wrong.write_text("a,b\n1,2\n")
    bad_rating = tmp_path / "reviews.csv"
    shutil.copy(FIXTURES / "letterboxd-reviews.csv", bad_rating)
    bad_rating.write_text(bad_rating.read_text().replace(",4.5,", ",eleven,"))
    not_zip = tmp_path / "fake.zip"
    not_zip.write_text("hello")
    for path, message in [
        (wrong, "not a Letterboxd or Goodreads export"),
        (bad_rating, "line 3: rating:"),
        (not_zip, "not a ZIP archive"),
        (tmp_path / "missing.csv", "no such file"),
    ]:
        result = await run("import", path, db=db)
        assert result.returncode == 3 and message in one_line(result), result.stderr
    assert rows(db, "SELECT count(*) FROM reviews WHERE category = 'film'") == [(0,)]
