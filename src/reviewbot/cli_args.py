"""The `reviewbot` command line: its commands, their options, and what each option accepts."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import __version__
from .config import GUILD_ID_MAX, guild_id, whole_number
from .errors import ValidationError
from .review import Category

LIMIT_MAX = 1000  # search results printed at most
WAIT_DEFAULT, WAIT_MAX = 300, 7 * 24 * 3600  # seconds an import waits for another writer
# Commands that only read: an existing database is opened read-only, so they work on a file
# this user may not write. Those that create and fill a new database when there is none:
READING = {"search", "show", "export", "backup", "migrate-to"}
CREATING = {"search", "show"}


def _guild_id(text: str) -> int:
    try:
        return guild_id(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a server id is a whole number from 1 to {GUILD_ID_MAX}"
        ) from None


def _limit(text: str) -> int:
    try:
        return whole_number(text, 1, LIMIT_MAX)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give a whole number from 1 to {LIMIT_MAX}") from None


def _seconds(text: str) -> int:
    try:
        return whole_number(text, 0, WAIT_MAX)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"give a whole number of seconds from 0 (do not wait) to {WAIT_MAX}"
        ) from None


def _category(text: str) -> Category:
    try:
        return Category.parse(text)
    except ValidationError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _text(text: str) -> str:
    """An argument that is matched against stored text, so it must be text."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise argparse.ArgumentTypeError(
            "holds bytes that are not UTF-8 text: check the terminal's encoding"
        ) from None
    return text


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reviewbot", description="A Discord bot that shares reviews, and its catalogue."
    )
    parser.add_argument("--version", action="version", version=f"reviewbot {__version__}")
    parser.add_argument(
        "--db",
        metavar="FILE|URL",
        help="database file, or a postgresql:// URL (default: REVIEWBOT_DATABASE_URL, else"
        " REVIEWBOT_DB)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("run", help="connect to Discord and answer commands")
    sync = commands.add_parser("sync", help="register the slash commands with Discord")
    sync.add_argument("--guild", type=_guild_id, help="only this server (instant)")

    imp = commands.add_parser(
        "import",
        help="load review files (.md, .json, folders), a feed's URL, or a Letterboxd or"
        " Goodreads export (.zip, .csv)",
    )
    imp.add_argument("paths", nargs="+", metavar="PATH|URL")
    imp.add_argument("--guild", type=_guild_id, help="store them as this server's reviews")
    imp.add_argument(
        "--bulk",
        action=argparse.BooleanOptionalAction,
        help="one transaction, full-text indexes rebuilt at the end (default: for large loads)",
    )
    imp.add_argument(
        "--announce",
        action="store_true",
        help="queue newly added reviews to be posted in the server (needs --guild)",
    )
    imp.add_argument(
        "--all",
        action="store_true",
        dest="all_pages",
        help="for a feed's URL: walk back through its older pages too",
    )
    imp.add_argument("--category", type=_category, help="for a feed: the kind of work it reviews")
    imp.add_argument(
        "--wait",
        type=_seconds,
        default=WAIT_DEFAULT,
        metavar="SECONDS",
        help=f"while another import or the bot writes, wait this long (default {WAIT_DEFAULT})",
    )

    exp = commands.add_parser("export", help="write the catalogue out as Markdown files")
    exp.add_argument("folder", type=Path, metavar="DIR")
    exp.add_argument("--guild", type=_guild_id, help="this server's reviews instead")
    exp.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that holds other files (an earlier export's are replaced)",
    )

    find = commands.add_parser("search", help="search reviews by title and text")
    find.add_argument("query", nargs="+", type=_text, metavar="QUERY")
    find.add_argument("--guild", type=_guild_id, help="search as this server sees the catalogue")
    find.add_argument(
        "--limit", type=_limit, default=10, help=f"at most this many, 1 to {LIMIT_MAX} (default 10)"
    )

    show = commands.add_parser("show", help="print one review")
    show.add_argument("title", nargs="+", type=_text, metavar="TITLE")
    show.add_argument("--guild", type=_guild_id, help="as this server sees the catalogue")

    feed = commands.add_parser("feed", help="follow blogs' feeds (see `reviewbot feed -h`)")
    actions = feed.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="follow a feed: its entries join quietly, new ones later")
    add.add_argument("url", metavar="URL")
    add.add_argument("--category", type=_category, help="the kind of work the blog reviews")
    add.add_argument("--guild", type=_guild_id, help="follow it for this server (its reviews)")
    add.add_argument("--channel", type=_guild_id, help="announce in this channel (needs --guild)")
    listed = actions.add_parser("list", help="the feeds followed, with their health")
    listed.add_argument("--guild", type=_guild_id, help="this server's feeds")
    for name, text in (("remove", "stop following a feed"), ("check", "poll a feed now")):
        action = actions.add_parser(name, help=text)
        action.add_argument("url", metavar="URL")
        action.add_argument("--guild", type=_guild_id, help="a feed of this server")

    backup = commands.add_parser("backup", help="copy the database safely, even while it runs")
    backup.add_argument("destination", type=Path, metavar="DEST")

    move = commands.add_parser(
        "migrate-to",
        help="copy the whole catalogue into a new database: a postgresql:// URL, or an SQLite"
        " file (stop the bot first)",
    )
    move.add_argument("target", metavar="URL|FILE")
    return parser
