"""End to end: the reading commands and their buttons, through the loopback Discord."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from reviewbot.bot import ReviewBot
from reviewbot.funnel import APOLOGY
from reviewbot.limits import EMBED_DESCRIPTION
from reviewbot.render import truncate

from .bot_fixtures import running_bot
from .loopback.interactions import Reply
from .loopback.model import Guild, Message
from .loopback.server import LoopbackDiscord
from .store_fixtures import make_review

SAMPLE_SIZE = 20


def buttons(message: Reply | Message) -> dict[str, dict[str, Any]]:
    found = message.message.buttons() if isinstance(message, Reply) else message.buttons()  # type: ignore[union-attr]
    return {b.get("label", ""): b for b in found}


def footer(reply: Reply | Message) -> str:
    embed = reply.embed
    assert embed is not None
    return embed["footer"]["text"]


def field(reply: Reply | Message, name: str) -> str:
    embed = reply.embed
    assert embed is not None
    return next(f["value"] for f in embed["fields"] if f["name"] == name)


async def test_show_answers_publicly_with_the_review_and_both_buttons(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reply = await loopback.slash(guild, guild.add_member("reader"), "review show", title="Her")
    assert reply.type == 4 and not reply.ephemeral
    assert reply.allowed_mentions == {"parse": []}
    embed = reply.embed
    assert embed is not None
    assert embed["title"] == "Her"
    assert field(reply, "Rating") == "★★★★☆"
    assert "Spike Jonze" in str(embed["fields"])
    assert embed["description"].startswith("Spike Jonze has made a love story")
    assert footer(reply) == f"reviewbot editors · 7 of {SAMPLE_SIZE}"
    assert embed["timestamp"].startswith("2014-03-21")
    nav = buttons(reply)
    assert set(nav) == {"◀ Previous", "Next ▶"}
    assert not nav["◀ Previous"].get("disabled") and not nav["Next ▶"].get("disabled")


async def test_an_unknown_title_gets_a_private_hint_with_close_titles(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reply = await loopback.slash(guild, guild.add_member("reader"), "review show", title="godfathr")
    assert reply.ephemeral
    assert reply.content is not None
    assert reply.content.startswith("No review titled “godfathr”. Did you mean “The Godfather”")


async def test_previous_and_next_walk_the_whole_catalogue_and_back(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    loopback.settle_time = 0.0  # in process a click is over when its handler is; dozens here
    reply = await loopback.slash(guild, reader, "review show", title="Close to the Edge")
    message = reply.message
    assert message is not None
    assert buttons(message)["◀ Previous"].get("disabled") is True
    titles = [message.embed["title"]]  # type: ignore[index]
    for position in range(2, SAMPLE_SIZE + 1):
        clicked = await loopback.click(message, reader, label="Next ▶")
        assert clicked.type == 7  # the message is edited in place
        assert f"· {position} of {SAMPLE_SIZE}" in footer(message)
        titles.append(message.embed["title"])  # type: ignore[index]
    assert titles[-1] == "Fleabag"
    assert buttons(message)["Next ▶"].get("disabled") is True
    assert "Next ▶" in buttons(message)  # disabled, not hidden
    for position in range(SAMPLE_SIZE - 1, 0, -1):
        await loopback.click(message, reader, label="◀ Previous")
        assert f"· {position} of {SAMPLE_SIZE}" in footer(message)
    assert message.embed["title"] == "Close to the Edge"  # type: ignore[index]
    assert titles == [review.title async for review in bot.app.store.reviews.all()]


async def test_previous_and_next_walk_a_server_whose_reviews_interleave_the_catalogue(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    beta = loopback.add_guild("Beta")
    catalogue = [review async for review in bot.app.store.reviews.all()]
    hour = timedelta(hours=1)
    # A tie is broken by id, 9 before 21 (though "9" > "21" as text): share the moment of a
    # catalogue review with a one-digit id.
    tied = max((r for r in catalogue[1:-1] if (r.id or 0) < 10), key=lambda r: r.id or 0)
    # Alpha's own reviews go before the first, between two neighbours (two in a row), at the
    # very moment of a catalogue review, and after the last. Beta's reviews take the same
    # moments and must never be stepped on.
    moments = [
        catalogue[0].published_at - hour,
        catalogue[4].published_at + hour,
        catalogue[4].published_at + 2 * hour,
        tied.published_at,
        catalogue[12].published_at + hour,
        catalogue[-1].published_at + hour,
    ]
    for n, at in enumerate(moments):
        first, second = (guild, beta) if n % 2 else (beta, guild)
        for server in (first, second):
            title = f"{server.name} own {n}"
            await bot.app.store.reviews.add(
                make_review(title, guild_id=server.id, published_at=at, author_name="member")
            )
    own = [review async for review in bot.app.store.reviews.all(guild.id)]
    visible = sorted(catalogue + own, key=lambda review: (review.published_at, review.id))
    expected = [review.title for review in visible]
    assert expected[0] == "Alpha own 0" and expected[-1] == "Alpha own 5"

    reader = guild.add_member("reader")
    loopback.settle_time = 0.0  # in process a click is over when its handler is; dozens here
    reply = await loopback.slash(guild, reader, "review show", title=f"review:{visible[0].id}")
    message = reply.message
    assert message is not None
    assert buttons(message)["◀ Previous"].get("disabled") is True
    walked = [message.embed["title"]]  # type: ignore[index]
    while not buttons(message)["Next ▶"].get("disabled"):
        await loopback.click(message, reader, label="Next ▶")
        walked.append(message.embed["title"])  # type: ignore[index]
        assert f"· {len(walked)} of {len(visible)}" in footer(message)
    assert walked == expected
    back = [message.embed["title"]]  # type: ignore[index]
    while not buttons(message)["◀ Previous"].get("disabled"):
        await loopback.click(message, reader, label="◀ Previous")
        back.append(message.embed["title"])  # type: ignore[index]
    assert back == expected[::-1]


async def test_buttons_keep_working_after_a_restart(
    loopback: LoopbackDiscord, guild: Guild, sample_db: Any
) -> None:
    reader = guild.add_member("reader")
    async with running_bot(loopback, sample_db):
        reply = await loopback.slash(guild, reader, "review show", title="Her")
    async with running_bot(loopback, sample_db):
        await loopback.click(reply, reader, label="Next ▶")
    assert reply.message is not None and reply.message.embed is not None
    assert reply.message.embed["title"] == "Mad Max: Fury Road"


async def test_a_long_review_pages_in_place_within_discords_limits(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    reply = await loopback.slash(guild, reader, "review show", title="The Wire")
    message = reply.message
    assert message is not None and not reply.ephemeral, reply.content
    seen = []
    while True:
        embed = message.embed
        assert embed is not None
        seen.append(embed["description"])
        if buttons(message)["Page ›"].get("disabled"):
            break
        # The stand-in refuses an edit beyond a limit; the reader would get the apology.
        turned = await loopback.click(message, reader, label="Page ›")
        assert turned.type == 7, turned.content
    assert len(seen) >= 3
    assert footer(message).endswith(f"page {len(seen)} of {len(seen)}")
    assert {"◀ Previous", "Next ▶", "‹ Page", "Page ›"} <= set(buttons(message))
    whole = (await bot.app.store.reviews.resolve_title("The Wire", None)).review.body
    assert "".join(seen).replace("\n", "") == whole.replace("\n", "")
    await loopback.click(message, reader, label="‹ Page")
    assert message.embed["description"] == seen[-2]  # type: ignore[index]
    assert buttons(message)[f"{len(seen) - 1}/{len(seen)}"].get("disabled")
    # Every component carries its state in its custom id: discord.py keeps no view per message.
    assert bot.persistent_views == []


async def test_worst_case_reviews_never_exceed_a_limit(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    nasty = [
        make_review("T" * 200, creator="C" * 200, author_name="A" * 100, body="x" * 20_000),
        make_review("Emoji 🎬" * 25, body=("👩‍👩‍👧‍👦🇫🇷 " * 900) + "e\u0301" * 4000),
        make_review("RTL", body="\n\n".join(["שלום עולם " * 409] * 4), spoiler=True),
        make_review("Bars", body="||" + "hidden " * 2000 + "||"),
    ]
    for review in nasty:
        stored = await bot.app.store.reviews.add(review)
        reply = await loopback.slash(guild, reader, "review show", title=f"review:{stored.id}")
        message = reply.message
        # The stand-in refuses a message beyond a limit, and the reader gets the apology.
        assert message is not None and not reply.ephemeral, reply.content
        pages = 1
        while not buttons(message).get("Page ›", {"disabled": True}).get("disabled"):
            turned = await loopback.click(message, reader, label="Page ›")
            assert turned.type == 7, turned.content
            pages += 1
        assert pages > 1 and footer(message).endswith(f"page {pages} of {pages}")


async def test_a_whole_review_spoiler_is_behind_bars(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reply = await loopback.slash(
        guild, guild.add_member("reader"), "review show", title="The Sixth Sense"
    )
    description = reply.embed["description"]  # type: ignore[index]
    assert description.startswith("||") and description.endswith("||")


async def test_inline_spoilers_are_kept(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reply = await loopback.slash(
        guild, guild.add_member("reader"), "review show", title="outer wilds"
    )
    assert reply.embed["description"].count("||") >= 8  # type: ignore[index]


async def test_latest_and_random(loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot) -> None:
    reader = guild.add_member("reader")
    latest = await loopback.slash(guild, reader, "review latest")
    assert latest.embed["title"] == "Fleabag"  # type: ignore[index]
    assert buttons(latest)["Next ▶"].get("disabled") is True
    for _ in range(5):
        game = await loopback.slash(guild, reader, "review random", category="game")
        assert field(game, "Category").endswith("Game")
    picked = await loopback.slash(guild, reader, "review random")
    assert not picked.ephemeral and picked.embed is not None


async def test_random_in_an_empty_category_says_so_privately(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async for review in bot.app.store.reviews.all():
        if review.category.value == "book":
            await bot.app.store.reviews.delete(review.id)  # type: ignore[arg-type]
    reply = await loopback.slash(
        guild, guild.add_member("reader"), "review random", category="book"
    )
    assert reply.ephemeral and reply.content == "There are no book reviews here yet."


async def test_autocomplete_offers_titles_typo_tolerant_and_latest_when_empty(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    empty = await loopback.autocomplete(guild, reader, "review show", "title", "")
    assert 0 < len(empty) <= 25
    assert empty[0]["name"].startswith("Fleabag")
    typo = await loopback.autocomplete(guild, reader, "review show", "title", "teh godfater")
    assert typo[0]["name"].startswith("The Godfather")
    solaris = await loopback.autocomplete(guild, reader, "review show", "title", "solaris")
    assert {c["name"] for c in solaris[:2]} == {
        "Solaris — Andrei Tarkovsky (2011)",
        "Solaris — Stanisław Lem (2010)",
    }
    lem = next(c for c in solaris if "Lem" in c["name"])
    shown = await loopback.slash(guild, reader, "review show", title=lem["value"])
    assert "Stanisław Lem" in str(shown.embed["fields"])  # type: ignore[index]


async def test_autocomplete_forgives_two_slips_and_one_in_the_word_being_typed(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")

    async def first(typed: str) -> str:
        choices = await loopback.autocomplete(guild, reader, "review show", "title", typed)
        return str(choices[0]["name"]) if choices else ""

    assert (await first("fleebeg")).startswith("Fleabag")
    assert (await first("the godfathr pa")).startswith("The Godfather Part II")
    assert (await first("gdofa")).startswith("The Godfather")
    assert (await first("solars")).startswith("Solaris")


@pytest.mark.parametrize(
    "typed",
    ['"', '"AND" (NOT) *', "NEAR(", "x" * 100, "🎬" * 50, "\u200b\u200d", "))", "*" * 99],
)
async def test_autocomplete_with_hostile_text_stays_within_limits(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot, typed: str
) -> None:
    # Titles as long as allowed, that some of the typed texts begin: their names must be cut.
    long_titles = ["x" * 200, "🎬" * 100, "*" * 200]
    for title in long_titles:
        await bot.app.store.reviews.add(make_review(title, creator="C" * 200))
    choices = await loopback.autocomplete(
        guild, guild.add_member("r"), "review show", "title", typed
    )
    [record] = [r for r in loopback.interactions.values() if r.choices is not None]
    assert record.response_type == 8 and not record.rejected  # the stand-in took the answer
    begun = [t for t in long_titles if t.startswith(typed)]
    if begun:
        assert choices[0]["name"] == truncate(f"{begun[0]} — {'C' * 200} (2020)", 100)
        assert len(choices[0]["name"]) == 100


async def test_search_lists_ranked_hits_and_the_menu_opens_one(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    reply = await loopback.slash(guild, reader, "review search", query="godfather")
    assert not reply.ephemeral
    description = reply.embed["description"]  # type: ignore[index]
    assert description.index("The Godfather") < description.index("Part II")
    [menu] = reply.message.selects()  # type: ignore[union-attr]
    assert [o["label"] for o in menu["options"]][:2] == [
        "1. The Godfather",
        "2. The Godfather Part II",
    ]
    opened = await loopback.select(reply, reader, [menu["options"][1]["value"]])
    assert opened.type == 4 and opened.embed["title"] == "The Godfather Part II"  # type: ignore[index]
    assert "Next ▶" in buttons(opened)


async def test_search_filters_and_hostile_queries(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    books = await loopback.slash(guild, reader, "review search", query="solaris", category="book")
    assert "Lem" in books.embed["description"] and "Tarkovsky" not in books.embed["description"]  # type: ignore[index]
    best = await loopback.slash(guild, reader, "review search", query="the", min_rating=10)
    assert "Cats" not in best.embed["description"]  # type: ignore[index]
    for query in ['"AND" (NOT) *', "NEAR(x)", "!!!", "title:her"]:
        reply = await loopback.slash(guild, reader, "review search", query=query)
        # Results, or a private "no reviews match": never the apology for an error.
        assert reply.embed is not None or (reply.content or "").startswith("No reviews match")


MARKDOWN = "*_~|`"  # each is escaped: a title of them shows twice as long


async def test_search_menus_of_long_markdown_titles_stay_within_discords_limits(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    # Titles and creators of 200 characters, most of them Markdown: 400 once escaped. A message
    # beyond a limit is refused by the stand-in, and the reader would get the apology instead.
    reader = guild.add_member("reader")
    for i in range(12):
        title = f"Lighthouse {i:02d} " + (MARKDOWN * 40)[: 200 - 14]
        creator = (MARKDOWN[::-1] * 40)[:200]
        await bot.app.store.reviews.add(make_review(title, creator=creator, day=i))
    reply = await loopback.slash(guild, reader, "review search", query="lighthouse")
    assert reply.type == 4 and not reply.ephemeral, reply.content
    message = reply.message
    assert message is not None
    for page, numbers in ((0, range(1, 11)), (1, range(11, 13))):
        description = message.embed["description"]  # type: ignore[index]
        lines = description.split("\n")
        assert [line.split(" ", 1)[0] for line in lines] == [f"**{n}.**" for n in numbers]
        assert all(line.endswith("· ★★★★☆ · ✨ Other") for line in lines)
        [menu] = message.selects()
        labels = [option["label"] for option in menu["options"]]
        assert [label.split(" ", 1)[0] for label in labels] == [f"{n}." for n in numbers]
        assert all(label.endswith("…") and len(label) <= 100 for label in labels)
        assert all(len(option["description"]) <= 100 for option in menu["options"])
        if page == 0:
            turned = await loopback.click(message, reader, label="Results ›")
            assert turned.type == 7, turned.content
    opened = await loopback.select(message, reader, [menu["options"][-1]["value"]])
    assert opened.type == 4 and not opened.ephemeral, opened.content
    shown = opened.embed["title"]  # type: ignore[index]
    assert shown.startswith("Lighthouse ") and shown.endswith("…") and len(shown) <= 256
    kept = shown[: -len("…")]
    assert (len(kept) - len(kept.rstrip("\\"))) % 2 == 0  # no escape left dangling


@pytest.mark.parametrize("before_bar", [4090, 4091])
async def test_a_whole_review_spoiler_filling_its_pages_keeps_its_bars_within_the_limit(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot, before_bar: int
) -> None:
    # A bar where a full page ends: the page ends with the bar and a zero-width space (so no
    # bar pair forms with the closing bars) exactly at the limit, or just before the bar.
    reader = guild.add_member("reader")
    body = "x" * before_bar + "|" + "x" * 6000
    stored = await bot.app.store.reviews.add(make_review("Full pages", body=body, spoiler=True))
    reply = await loopback.slash(guild, reader, "review show", title=f"review:{stored.id}")
    assert reply.type == 4 and not reply.ephemeral, reply.content
    message = reply.message
    assert message is not None
    pages = [message.embed["description"]]  # type: ignore[index]
    while not buttons(message)["Page ›"].get("disabled"):
        turned = await loopback.click(message, reader, label="Page ›")
        assert turned.type == 7, turned.content
        pages.append(message.embed["description"])  # type: ignore[index]
    assert len(pages) == 3 and len(pages[0]) >= EMBED_DESCRIPTION - 1  # a full first page
    for page in pages:
        assert len(page) <= EMBED_DESCRIPTION
        assert page.startswith("||") and page.endswith("||")
        inside = page[2:-2]  # no bar pair in it, none formed with the closing bars
        assert "||" not in inside and not inside.endswith("|")
    assert "".join(page[2:-2] for page in pages).replace("\u200b", "") == body


async def test_a_search_with_no_hits_suggests_titles_privately(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reply = await loopback.slash(
        guild, guild.add_member("reader"), "review search", query="godfxther qqqq"
    )
    assert reply.ephemeral
    assert (
        reply.content == "No reviews match “godfxther qqqq”."
        " Did you mean “The Godfather”, “The Godfather Part II”?"
    )


async def test_many_results_page_and_survive_a_restart(
    loopback: LoopbackDiscord, guild: Guild, sample_db: Any
) -> None:
    reader = guild.add_member("reader")
    async with running_bot(loopback, sample_db) as bot:
        for i in range(23):
            await bot.app.store.reviews.add(make_review(f"Lighthouse {i:02d}", day=i))
        reply = await loopback.slash(guild, reader, "review search", query="lighthouse")
        assert buttons(reply)["‹ Results"].get("disabled") is True
    async with running_bot(loopback, sample_db):
        await loopback.click(reply, reader, label="Results ›")
        message = reply.message
        assert message is not None and "11." in message.embed["description"]  # type: ignore[index]
        await loopback.click(reply, reader, label="Results ›")
        assert buttons(message)["Results ›"].get("disabled") is True
        [menu] = message.selects()
        assert len(menu["options"]) == 3
        opened = await loopback.select(message, reader, [menu["options"][0]["value"]])
        assert opened.embed["title"].startswith("Lighthouse")  # type: ignore[index]


async def test_a_page_button_of_a_deleted_review_offers_the_nearest_privately(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    reply = await loopback.slash(guild, reader, "review show", title="The Wire")
    wire = await bot.app.store.reviews.resolve_title("The Wire", None)
    await bot.app.store.reviews.delete(wire.review.id)  # type: ignore[arg-type]
    answer = await loopback.click(reply, reader, label="Page ›")
    assert answer.ephemeral
    assert answer.content == "That review has been deleted. This is the nearest one:"
    assert answer.embed["title"] == "1984"  # type: ignore[index]
    # Previous/next from the deleted review still step from where it was.
    after = await loopback.click(reply, reader, label="Next ▶")
    assert after.message.embed["title"] == "1984"  # type: ignore[union-attr,index]


async def test_servers_never_see_each_others_reviews(
    loopback: LoopbackDiscord, guild: Guild, sample_db: Any
) -> None:
    beta = loopback.add_guild("Beta")
    async with running_bot(loopback, sample_db) as bot:
        secret = await bot.app.store.reviews.add(
            make_review("Alpha Secret Diary", guild_id=guild.id, day=99999, body="hush")
        )
        a_reader, b_reader = guild.add_member("a"), beta.add_member("b")
        a_latest = await loopback.slash(guild, a_reader, "review latest")
        assert a_latest.embed["title"] == "Alpha Secret Diary"  # type: ignore[index]
        assert footer(a_latest).endswith(f"{SAMPLE_SIZE + 1} of {SAMPLE_SIZE + 1}")

        b_latest = await loopback.slash(beta, b_reader, "review latest")
        assert b_latest.embed["title"] == "Fleabag"  # type: ignore[index]
        hidden = await loopback.slash(beta, b_reader, "review show", title="Alpha Secret Diary")
        assert hidden.ephemeral and "No review titled" in (hidden.content or "")
        by_id = await loopback.slash(beta, b_reader, "review show", title=f"review:{secret.id}")
        assert by_id.ephemeral
        assert await loopback.autocomplete(beta, b_reader, "review show", "title", "secret") == []
        searched = await loopback.slash(beta, b_reader, "review search", query="secret diary hush")
        assert searched.ephemeral
        for _ in range(20):
            picked = await loopback.slash(beta, b_reader, "review random")
            assert picked.embed["title"] != "Alpha Secret Diary"  # type: ignore[index]

        # A button copied from Alpha's message, pressed in Beta: Beta's neighbour, not Alpha's.
        a_fleabag = await loopback.slash(guild, a_reader, "review show", title="Fleabag")
        next_id = buttons(a_fleabag)["Next ▶"]["custom_id"]
        b_fleabag = await loopback.slash(beta, b_reader, "review show", title="Fleabag")
        assert buttons(b_fleabag)["Next ▶"]["custom_id"] == next_id
        assert buttons(b_fleabag)["Next ▶"].get("disabled") is True
        page_id = f"reviewbot:page:{secret.id}:0:0"
        b_fleabag.message.components[0]["components"].append(  # type: ignore[union-attr]
            {"type": 2, "style": 1, "label": "forged", "custom_id": page_id}
        )
        forged = await loopback.click(b_fleabag, b_reader, label="forged")
        assert "Alpha Secret Diary" not in str(forged.embeds) + str(forged.content)


async def test_a_saved_search_from_one_server_shows_nothing_in_another(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    beta = loopback.add_guild("Beta")
    await loopback.wait_for(lambda: bot.get_guild(beta.id) is not None, 5, "Beta to connect")
    for i in range(12):
        await bot.app.store.reviews.add(make_review(f"Lighthouse in winter {i:02d}", day=i))
    secret = await bot.app.store.reviews.add(make_review("Lighthouse Secret", guild_id=guild.id))
    a_reader, b_reader = guild.add_member("a"), beta.add_member("b")
    a_results = await loopback.slash(guild, a_reader, "review search", query="lighthouse")
    [a_menu] = a_results.message.selects()  # type: ignore[union-attr]
    [secret_hit] = [o for o in a_menu["options"] if o["label"] == "1. Lighthouse Secret"]
    assert secret_hit["value"].startswith(f"{secret.id}:")
    a_next = buttons(a_results)["Results ›"]

    # Beta's own results message, carrying the components copied from Alpha's.
    b_results = await loopback.slash(beta, b_reader, "review search", query="lighthouse")
    message = b_results.message
    assert message is not None
    before = message.snapshot()
    message.components.append({"type": 1, "components": [{**a_next, "label": "forged"}]})
    message.components.append({"type": 1, "components": [{**a_menu, "placeholder": "forged"}]})

    paged = await loopback.click(message, b_reader, label="forged")
    assert paged.ephemeral
    assert paged.content == "These results are not available here. Run `/review search` again."
    assert message.snapshot()["embeds"] == before["embeds"]  # Beta's results left as they were
    opened = await loopback.select(message, b_reader, [secret_hit["value"]], placeholder="forged")
    assert opened.ephemeral  # the nearest review Beta sees, offered privately
    assert "Lighthouse Secret" not in str(opened.embeds) + str(opened.content)


async def test_review_text_that_mentions_people_pings_no_one(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    member = guild.add_member("reader")
    role = guild.add_role("Fans", mentionable=True)
    body = f"@everyone @here <@{member.id}> <@!{member.id}> <@&{role.id}> go and see it."
    stored = await bot.app.store.reviews.add(
        make_review(f"Ping <@&{role.id}> @everyone", body=body)
    )
    reply = await loopback.slash(guild, member, "review show", title=f"review:{stored.id}")
    assert reply.allowed_mentions == {"parse": []}
    assert "go and see it" in reply.embed["description"]  # type: ignore[index]
    missing = await loopback.slash(guild, member, "review show", title="@everyone <@&1>")
    assert missing.ephemeral and missing.allowed_mentions == {"parse": []}


async def test_an_unexpected_error_gets_an_apology_and_is_logged(
    loopback: LoopbackDiscord,
    guild: Guild,
    bot: ReviewBot,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bot.app.store.reviews, "latest", broken)
    reply = await loopback.slash(guild, guild.add_member("reader"), "review latest")
    assert reply.ephemeral and reply.content == APOLOGY
    assert "disk on fire" not in (reply.content or "")
    assert any("disk on fire" in str(r.exc_info) for r in caplog.records if r.exc_info)
