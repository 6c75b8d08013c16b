import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from reviewbot.catalogue import export_catalogue, import_paths
from reviewbot.files import FileError, read_review_file
from reviewbot.review import BODY_MAX, Category, Rating
from reviewbot.store import ImportResult, ReviewStore
from reviewbot.store.connect import CACHE_KIB

from .store_fixtures import integrity_check, make_review
from .test_search import SAMPLE

ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_header_values_stay_text_whatever_they_look_like(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.md",
        "---\ntitle: 1984\ncreator: Yes\nauthor: No\nrating: ★★★★½\ndate: 2015-03-01\n"
        "spoiler: true\n---\nBody *here*.\n\nSecond ||secret|| paragraph.\n",
    )
    [item] = read_review_file(path)
    review = item.review
    assert (review.title, review.creator, review.author_name) == ("1984", "Yes", "No")
    assert review.rating == Rating.parse("4.5") and review.spoiler and item.dated
    assert review.body == "Body *here*.\n\nSecond ||secret|| paragraph."
    assert review.published_at.isoformat() == "2015-03-01T00:00:00+00:00"


def test_quoted_titles_and_zoned_dates(tmp_path: Path) -> None:
    path = write(
        tmp_path / "q.md",
        "---\ntitle: '\"AND\" (NOT) *'\nrating: 3\ndate: 2024-02-14T20:30:00+01:00\n---\nx\n",
    )
    [item] = read_review_file(path)
    assert item.review.title == '"AND" (NOT) *'
    assert item.review.published_at.isoformat() == "2024-02-14T19:30:00+00:00"


def test_json_lists_take_numbers_or_text_for_ratings(tmp_path: Path) -> None:
    entries = [
        {"title": 1984, "rating": 4.5, "body": "x", "category": "book"},
        {"title": "Rumours", "rating": "4/5", "body": "y", "category": "album"},
    ]
    path = write(tmp_path / "r.json", json.dumps(entries))
    reviews = [item.review for item in read_review_file(path)]
    assert [(r.title, str(r.rating), r.category) for r in reviews] == [
        ("1984", "★★★★½", Category.BOOK),
        ("Rumours", "★★★★☆", Category.ALBUM),
    ]
    assert not any(item.dated for item in read_review_file(path))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no header\n", "starts with a '---' line"),
        ("---\ntitle: x\nrating: 4\n", "no closing '---'"),
        ("---\ntitle: [x\n---\nb\n", "not valid YAML"),
        ("---\nrating: 4\n---\nb\n", "title is required"),
        ("---\ntitle: x\n---\nb\n", "rating is required"),
        ("---\ntitle: x\nrating: 7\n---\nb\n", "rating: “7” is not a rating"),
        ("---\ntitle: x\nrating: 4\nratng: 4\n---\nb\n", "unknown key 'ratng'"),
        ("---\ntitle: x\nrating: 4\ndate: yesterday\n---\nb\n", "not an ISO 8601 date"),
        ("---\ntitle: x\nrating: 4\n---\n\n", "review text is required"),
        ("---\ntitle: x\nrating: 4\nspoiler: maybe\n---\nb\n", "spoiler must be true or false"),
    ],
)
def test_a_bad_file_says_what_is_wrong_and_where(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "bad.md", text)
    with pytest.raises(FileError) as caught:
        read_review_file(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


async def test_sample_catalogue_imports_cleanly_and_idempotently(tmp_path: Path) -> None:
    async with ReviewStore.open(tmp_path / "db.sqlite3") as store:
        first = await import_paths(store, [SAMPLE])
        assert not first.failures and first.counts["added"] >= 15
        again = await import_paths(store, [SAMPLE])
        assert again.counts["added"] == again.counts["updated"] == 0
        assert again.counts["unchanged"] == first.counts["added"]


async def test_a_bad_file_is_reported_while_the_rest_import(tmp_path: Path) -> None:
    write(tmp_path / "in" / "good.md", "---\ntitle: Good\nrating: 4\n---\nfine\n")
    write(tmp_path / "in" / "bad.md", "---\ntitle: Bad\nrating: eleven\n---\nno\n")
    write(tmp_path / "in" / "sub" / "twin.md", "---\ntitle: GOOD\nrating: 2\n---\ndup\n")
    async with ReviewStore.open(tmp_path / "db.sqlite3") as store:
        report = await import_paths(store, [tmp_path / "in"])
        assert report.counts["added"] == 1
        assert len(report.failures) == 2
        assert any("bad.md" in f and "rating" in f for f in report.failures)
        assert any("twin.md" in f and "already in" in f for f in report.failures)
        assert [h.title for h in await store.search("bad")] == []


async def test_changed_files_update_and_export_round_trips(tmp_path: Path) -> None:
    async with ReviewStore.open(tmp_path / "a.db") as store:
        await import_paths(store, [SAMPLE])
        await export_catalogue(store, tmp_path / "out")
        originals = [r async for r in store.reviews.all()]
    async with ReviewStore.open(tmp_path / "b.db") as copy:
        report = await import_paths(copy, [tmp_path / "out"])
        assert not report.failures
        copied = [r async for r in copy.reviews.all()]
    assert [r.with_id(0) for r in copied] == [r.with_id(0) for r in originals]

    [edited] = (tmp_path / "out").glob("*-her.md")
    edited.write_text(edited.read_text().replace("rating: 4", "rating: 2.5"))
    async with ReviewStore.open(tmp_path / "b.db") as copy:
        report = await import_paths(copy, [tmp_path / "out"])
        assert (report.counts["updated"], report.counts["added"]) == (1, 0)
        [her] = await copy.search("her", limit=1)
        assert her.rating == Rating.parse("2.5")


def run_cli(*args: str, db: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REVIEWBOT_DB": str(db), "REVIEWBOT_CATALOGUE": str(SAMPLE)}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "reviewbot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=60,
    )


def test_cli_search_and_show_load_the_sample_and_use_exit_statuses(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    found = run_cli("search", "teh", "godfater", db=db)
    assert found.returncode == 0, found.stderr
    assert "The Godfather" in found.stdout.splitlines()[0]
    assert "Loaded the sample catalogue" in found.stderr
    shown = run_cli("show", "amelie", db=db)
    assert shown.returncode == 0 and shown.stdout.startswith("Amélie — Jean-Pierre Jeunet")
    assert "★★★★☆" in shown.stdout
    missing = run_cli("show", "godfathr", db=db)
    assert missing.returncode == 1
    assert "No review titled “godfathr”. Did you mean “The Godfather”" in missing.stdout
    assert run_cli("search", "zzzzqqq", db=db).returncode == 1
    assert run_cli("search", db=db).returncode == 2
    assert run_cli("frobnicate", db=db).returncode == 2


def test_cli_import_fails_loudly_on_any_bad_file(tmp_path: Path) -> None:
    write(tmp_path / "in" / "good.md", "---\ntitle: Good\nrating: 4\n---\nfine\n")
    write(tmp_path / "in" / "bad.md", "---\ntitle: Bad\n---\nno rating\n")
    result = run_cli("import", str(tmp_path / "in"), db=tmp_path / "x.db")
    assert result.returncode != 0
    assert "bad.md: rating: the rating is required" in result.stderr
    assert "1 added" in result.stdout


def test_cli_backup_and_export(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    assert run_cli("import", str(SAMPLE), db=db).returncode == 0
    assert run_cli("backup", str(tmp_path / "copy.db"), db=db).returncode == 0
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("SELECT count(*) FROM reviews").fetchone()[0] >= 15
    assert run_cli("export", str(tmp_path / "out"), db=db).returncode == 0
    assert len(list((tmp_path / "out").glob("*.md"))) >= 15


def test_a_killed_import_leaves_a_sound_database_of_whole_files(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    paragraph = "Words that make the full-text index work for its living. " * 30
    for i in range(4000):
        (folder / f"r{i:05d}.md").write_text(
            f"---\ntitle: Review number {i}\nrating: 3\n---\n{paragraph}\n\nEnd of {i}.\n"
        )
    db = tmp_path / "killed.db"
    # At least one batch committed, more under way.
    kill_import_when(db, [str(folder)], lambda: _count(db) >= 500)
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        raw.execute("INSERT INTO body_fts (body_fts) VALUES ('integrity-check')")
        raw.execute("INSERT INTO title_fts (title_fts) VALUES ('integrity-check')")
        rows = raw.execute(
            "SELECT r.title, b.body FROM reviews r JOIN review_bodies b ON b.review_id = r.id"
        ).fetchall()
        assert raw.execute("SELECT count(*) FROM reviews").fetchone()[0] == len(rows)
    assert 0 < len(rows) < 4000, "the import should be killed part-way"
    for title, body in rows:
        number = int(title.rsplit(" ", 1)[1])
        assert body == f"{paragraph}\n\nEnd of {number}."


async def test_a_bulk_import_rebuilds_the_indexes_and_keeps_them_in_step(tmp_path: Path) -> None:
    async with ReviewStore.open(tmp_path / "bulk.db") as store:
        await store.reviews.add(make_review("Already here", body="lighthouse keeper"))
        report = await import_paths(store, [SAMPLE], bulk=True)
        assert not report.failures
        assert [h.title for h in await store.search("teh godfater")][:1] == ["The Godfather"]
        assert [h.title for h in await store.search("lighthouse keeper")] == ["Already here"]
        await store.reviews.add(make_review("Added after", body="submarine"))  # triggers are back
        assert [h.title for h in await store.search("submarine")] == ["Added after"]
        assert await integrity_check(store) == ["ok"]
    with sqlite3.connect(tmp_path / "bulk.db") as raw:  # the bulk settings were put back
        config = dict(raw.execute("SELECT k, v FROM body_fts_config WHERE k <> 'version'"))
        assert config == {"hashsize": 1024 * 1024, "automerge": 4, "crisismerge": 16}
    async with ReviewStore.open(tmp_path / "bulk.db") as store:
        stored = sorted(
            [r async for r in store.reviews.all(None)], key=lambda r: (r.published_at, r.id)
        )
        assert await store.reviews.count() == len(stored) == report.counts[ImportResult.ADDED] + 2
        for number, review in enumerate(stored, start=1):  # the counts were rebuilt, then kept
            shown = await store.reviews.context(review.id, None)  # type: ignore[arg-type]
            assert shown is not None and (shown.position, shown.total) == (number, len(stored))


def test_a_killed_bulk_import_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    # More text than the importer's page cache holds, so its one transaction spills pages to
    # the log long before it commits (a smaller load stays in memory until the commit).
    files, sentence = 4000, "Text for the index. "
    repeat = 2 * CACHE_KIB * 1024 // (files * len(sentence)) + 1
    assert len(sentence) * repeat <= BODY_MAX
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(files):
        (folder / f"r{i:05d}.md").write_text(
            f"---\ntitle: Bulk {i}\nrating: 3\n---\n{sentence * repeat}\n"
        )
    db = tmp_path / "bulk-killed.db"
    assert run_cli("import", str(SAMPLE), db=db).returncode == 0
    before = _count(db)
    wal = Path(f"{db}-wal")

    def mid_transaction() -> bool:  # the log holds pages that no reader sees yet
        return wal.exists() and wal.stat().st_size > 1e6 and _count(db) == before

    kill_import_when(db, ["--bulk", str(folder)], mid_transaction)
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        raw.execute("INSERT INTO body_fts (body_fts) VALUES ('integrity-check')")
        triggers = raw.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE '%fts_%'")
        assert triggers.fetchone()[0] >= 8  # the set-aside triggers are all back
    assert _count(db) == before


def kill_import_when(db: Path, args: list[str], ready: Callable[[], bool]) -> None:
    """Run `reviewbot import ARGS` and SIGKILL it as soon as `ready()`; the kill must land
    while the import still runs, or the test proves nothing."""
    env = {**os.environ, "REVIEWBOT_DB": str(db)}
    command = [sys.executable, "-m", "reviewbot", "import", *args]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    fired = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if ready():
                fired = True
                break
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert fired, "the moment to kill the import never came"
    assert process.returncode == -signal.SIGKILL, "the import ended before the kill"


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1) as raw:
            return raw.execute("SELECT count(*) FROM reviews").fetchone()[0]
    except sqlite3.Error:
        return 0
