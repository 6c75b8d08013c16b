"""End to end: the reading commands and their buttons, through the loopback Discord."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from reviewbot.bot import ReviewBot
from reviewbot.funnel import APOLOGY
from reviewbot.render import escape, page_room, truncate

from .bot_fixtures import running_bot
from .cards import (
    body,
    buttons,
    byline,
    card,
    component_count,
    nav,
    note,
    quiet_line,
    stars,
    text_length,
    title,
)
from .cards import cover as cover_of
from .loopback.interactions import Reply
from .loopback.model import Guild, Member, Message
from .loopback.server import LoopbackDiscord
from .store_fixtures import make_review

SAMPLE_SIZE = 20


async def step(
    loopback: LoopbackDiscord, message: Reply | Message, member: Member, forward: bool
) -> Reply:
    """Press ▶ (or ◀), whichever neighbour it names."""
    return await loopback.click(message, member, custom_id=nav(message, forward)["custom_id"])


async def test_show_answers_publicly_with_the_review_card_and_both_neighbours(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reply = await loopback.slash(guild, guild.add_member("reader"), "review show", title="Her")
    assert reply.type == 4 and not reply.ephemeral
    assert reply.allowed_mentions == {"parse": []}
    assert reply.content == "" and reply.embeds == []  # a card: all of it is components
    assert (title(reply), stars(reply)) == ("Her", "★★★★☆")
    assert byline(reply) == "by Spike Jonze · 🎬 Film"
    assert card(reply)["accent_color"] == 0xE4572E
    assert body(reply).startswith("Spike Jonze has made a love story")
    assert quiet_line(reply) == f"reviewbot editors · 21 March 2014 · 7 of {SAMPLE_SIZE}"
    previous, following = nav(reply, forward=False), nav(reply, forward=True)
    assert previous["label"] == "◀ Random Access Memories"
    assert following["label"] == "Mad Max: Fury Road ▶"
    assert not previous.get("disabled") and not following.get("disabled")
    assert previous["custom_id"].startswith("reviewbot:nav:")


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
    assert nav(message, forward=False).get("disabled") is True
    assert nav(message, forward=False)["label"] == "◀ Previous"  # nothing before it to name
    titles = [title(message)]
    named = [nav(message, forward=True)["label"]]
    for position in range(2, SAMPLE_SIZE + 1):
        clicked = await step(loopback, message, reader, forward=True)
        assert clicked.type == 7  # the message is edited in place
        assert f"· {position} of {SAMPLE_SIZE}" in quiet_line(message)
        assert nav(message, forward=False)["label"] == f"◀ {titles[-1]}"
        titles.append(title(message))
        named.append(nav(message, forward=True)["label"])
    assert titles[-1] == "Fleabag"
    assert named == [f"{t} ▶" for t in titles[1:]] + ["Next ▶"]  # each ▶ named what came next
    assert nav(message, forward=True).get("disabled") is True  # disabled, not hidden
    for position in range(SAMPLE_SIZE - 1, 0, -1):
        await step(loopback, message, reader, forward=False)
        assert f"· {position} of {SAMPLE_SIZE}" in quiet_line(message)
    assert title(message) == "Close to the Edge"
    assert titles == [escape(review.title) async for review in bot.app.store.reviews.all()]


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
            name = f"{server.name} own {n}"
            await bot.app.store.reviews.add(
                make_review(name, guild_id=server.id, published_at=at, author_name="member")
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
    assert nav(message, forward=False).get("disabled") is True
    walked = [title(message)]
    while not nav(message, forward=True).get("disabled"):
        await step(loopback, message, reader, forward=True)
        walked.append(title(message))
        assert f"· {len(walked)} of {len(visible)}" in quiet_line(message)
    assert walked == expected
    back = [title(message)]
    while not nav(message, forward=False).get("disabled"):
        await step(loopback, message, reader, forward=False)
        back.append(title(message))
    assert back == expected[::-1]
    assert "Beta" not in str(message.components)  # not even a neighbour's name


async def test_buttons_keep_working_after_a_restart(
    loopback: LoopbackDiscord, guild: Guild, sample_db: Any
) -> None:
    reader = guild.add_member("reader")
    async with running_bot(loopback, sample_db):
        reply = await loopback.slash(guild, reader, "review show", title="Her")
    async with running_bot(loopback, sample_db):
        await step(loopback, reply, reader, forward=True)
    assert reply.message is not None
    assert title(reply.message) == "Mad Max: Fury Road"


async def test_a_long_review_pages_in_place_within_discords_limits(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    reply = await loopback.slash(guild, reader, "review show", title="The Wire")
    message = reply.message
    assert message is not None and not reply.ephemeral, reply.content
    seen = []
    while True:
        seen.append(body(message))
        assert text_length(message) <= 4000
        if buttons(message)["Page ›"].get("disabled"):
            break
        # The stand-in refuses an edit beyond a limit; the reader would get the apology.
        turned = await loopback.click(message, reader, label="Page ›")
        assert turned.type == 7, turned.content
    assert len(seen) >= 3
    assert quiet_line(message).endswith(f"page {len(seen)} of {len(seen)}")
    assert {"‹ Page", "Page ›", "◀ Mad Max: Fury Road", "1984 ▶"} <= set(buttons(message))
    whole = (await bot.app.store.reviews.resolve_title("The Wire", None)).review.body
    assert "".join(seen).replace("\n", "") == whole.replace("\n", "")
    await loopback.click(message, reader, label="‹ Page")
    assert body(message) == seen[-2]
    assert buttons(message)[f"{len(seen) - 1}/{len(seen)}"].get("disabled")
    # Every component carries its state in its custom id: discord.py keeps no view per message.
    assert bot.persistent_views == []


async def test_worst_case_reviews_never_exceed_a_limit(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    longest = max(
        [review async for review in bot.app.store.reviews.all()], key=lambda r: len(r.body)
    )
    cover = "https://example.com/" + "c" * 1900
    link = "https://example.com/" + "u" * 480  # a link button holds 512
    nasty = [
        make_review(
            "*_" * 100,
            creator="C*" * 100,
            author_name="@everyone" * 11,
            body="x" * 20_000,
            url=link,
            image_url=cover,
            day=400,
        ),
        make_review("Emoji 🎬" * 25, body=("👩‍👩‍👧‍👦🇫🇷 " * 900) + "e\u0301" * 4000, day=401),
        make_review("e\u0301" * 100, body="Intro. " + "w" * 5000 + " and after.", day=402),
        make_review("RTL", body="\n\n".join(["שלום עולם " * 409] * 4), spoiler=True, day=403),
        make_review("Bars", body="||" + "hidden " * 2000 + "||", day=404),
        make_review("T" * 200, creator="🎬" * 200, body=longest.body, day=405),
    ]
    stored = [await bot.app.store.reviews.add(review) for review in nasty]
    for review in stored:
        reply = await loopback.slash(guild, reader, "review show", title=f"review:{review.id}")
        message = reply.message
        # The stand-in refuses a message beyond a limit, and the reader gets the apology.
        assert message is not None and not reply.ephemeral, reply.content
        pages = 1
        while True:
            assert text_length(message) <= 4000 and component_count(message) <= 40
            assert all(len(label) <= 80 for label in buttons(message))
            if buttons(message).get("Page ›", {"disabled": True}).get("disabled"):
                break
            turned = await loopback.click(message, reader, label="Page ›")
            assert turned.type == 7, turned.content
            pages += 1
        assert pages > 1 and quiet_line(message).endswith(f"page {pages} of {pages}")
    # The neighbours' 200-character titles, shortened to fit a button, never inside a letter.
    for after_long in stored[1:4]:
        reply = await loopback.slash(guild, reader, "review show", title=f"review:{after_long.id}")
        label = nav(reply, forward=False)["label"]
        assert 70 < len(label) <= 80 and label.endswith("…") and label[-2] != "e"
    first = await loopback.slash(guild, reader, "review show", title=f"review:{stored[0].id}")
    assert cover_of(first) == cover and buttons(first)["Original post"]["url"] == link


async def test_a_whole_review_spoiler_is_behind_bars(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reply = await loopback.slash(
        guild, guild.add_member("reader"), "review show", title="The Sixth Sense"
    )
    assert body(reply).startswith("||") and body(reply).endswith("||")


async def test_inline_spoilers_are_kept(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reply = await loopback.slash(
        guild, guild.add_member("reader"), "review show", title="outer wilds"
    )
    assert body(reply).count("||") >= 8


async def test_latest_and_random(loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot) -> None:
    reader = guild.add_member("reader")
    latest = await loopback.slash(guild, reader, "review latest")
    assert title(latest) == "Fleabag"
    assert nav(latest, forward=True).get("disabled") is True
    assert nav(latest, forward=True)["label"] == "Next ▶"
    for _ in range(5):
        game = await loopback.slash(guild, reader, "review random", category="game")
        assert byline(game).endswith("🎮 Game")
    picked = await loopback.slash(guild, reader, "review random")
    assert not picked.ephemeral and picked.message is not None and picked.message.layout


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
    assert byline(shown) == "by Stanisław Lem · 📖 Book"


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
    for long_title in long_titles:
        await bot.app.store.reviews.add(make_review(long_title, creator="C" * 200))
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
    assert opened.type == 4 and title(opened) == "The Godfather Part II"
    assert nav(opened, forward=True)["label"].endswith(" ▶")


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
        name = f"Lighthouse {i:02d} " + (MARKDOWN * 40)[: 200 - 14]
        creator = (MARKDOWN[::-1] * 40)[:200]
        await bot.app.store.reviews.add(make_review(name, creator=creator, day=i))
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
    # The card has room for the whole title, every mark escaped so that it shows as typed.
    assert title(opened) == escape("Lighthouse 11 " + (MARKDOWN * 40)[: 200 - 14])


@pytest.mark.parametrize("before_end", [6, 5])
async def test_a_whole_review_spoiler_filling_its_pages_keeps_its_bars_within_the_limit(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot, before_end: int
) -> None:
    # A bar where a full page ends: the page ends with the bar and a zero-width space (so no
    # bar pair forms with the closing bars) exactly at the limit, or just before the bar.
    reader = guild.add_member("reader")
    room = page_room(make_review("Full pages", body="x", spoiler=True))
    body_text = "x" * (room - before_end) + "|" + "x" * 6000
    review = make_review("Full pages", body=body_text, spoiler=True)
    stored = await bot.app.store.reviews.add(review)
    reply = await loopback.slash(guild, reader, "review show", title=f"review:{stored.id}")
    assert reply.type == 4 and not reply.ephemeral, reply.content
    message = reply.message
    assert message is not None
    pages = [body(message)]
    while not buttons(message)["Page ›"].get("disabled"):
        turned = await loopback.click(message, reader, label="Page ›")
        assert turned.type == 7, turned.content
        pages.append(body(message))
    assert len(pages) == 3 and len(pages[0]) >= room - 1  # a full first page
    for page in pages:
        assert len(page) <= room
        assert page.startswith("||") and page.endswith("||")
        inside = page[2:-2]  # no bar pair in it, none formed with the closing bars
        assert "||" not in inside and not inside.endswith("|")
    assert "".join(page[2:-2] for page in pages).replace("\u200b", "") == body_text


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
        assert title(opened).startswith("Lighthouse")


async def test_a_page_button_of_a_deleted_review_offers_the_nearest_privately(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    reader = guild.add_member("reader")
    reply = await loopback.slash(guild, reader, "review show", title="The Wire")
    wire = await bot.app.store.reviews.resolve_title("The Wire", None)
    await bot.app.store.reviews.delete(wire.review.id)  # type: ignore[arg-type]
    answer = await loopback.click(reply, reader, label="Page ›")
    assert answer.ephemeral
    assert note(answer) == "That review has been deleted. This is the nearest one:"
    assert title(answer) == "1984"
    # Previous/next from the deleted review still step from where it was.
    after = await loopback.click(reply, reader, label="1984 ▶")
    assert after.message is not None and title(after.message) == "1984"


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
        assert title(a_latest) == "Alpha Secret Diary"
        assert quiet_line(a_latest).endswith(f"{SAMPLE_SIZE + 1} of {SAMPLE_SIZE + 1}")

        b_latest = await loopback.slash(beta, b_reader, "review latest")
        assert title(b_latest) == "Fleabag"
        hidden = await loopback.slash(beta, b_reader, "review show", title="Alpha Secret Diary")
        assert hidden.ephemeral and "No review titled" in (hidden.content or "")
        by_id = await loopback.slash(beta, b_reader, "review show", title=f"review:{secret.id}")
        assert by_id.ephemeral
        assert await loopback.autocomplete(beta, b_reader, "review show", "title", "secret") == []
        searched = await loopback.slash(beta, b_reader, "review search", query="secret diary hush")
        assert searched.ephemeral
        for _ in range(20):
            picked = await loopback.slash(beta, b_reader, "review random")
            assert title(picked) != "Alpha Secret Diary"

        # A button copied from Alpha's message, pressed in Beta: Beta's neighbour, not Alpha's.
        a_fleabag = await loopback.slash(guild, a_reader, "review show", title="Fleabag")
        assert nav(a_fleabag, forward=True)["label"] == "Alpha Secret Diary ▶"
        next_id = nav(a_fleabag, forward=True)["custom_id"]
        b_fleabag = await loopback.slash(beta, b_reader, "review show", title="Fleabag")
        assert nav(b_fleabag, forward=True)["custom_id"] == next_id
        assert nav(b_fleabag, forward=True).get("disabled") is True
        assert "Alpha Secret Diary" not in str(b_fleabag.components)  # not even named
        page_id = f"reviewbot:page:{secret.id}:0:0"
        forged_row = {
            "type": 1,
            "components": [{"type": 2, "style": 1, "label": "forged", "custom_id": page_id}],
        }
        assert b_fleabag.message is not None
        card(b_fleabag.message)["components"].append(forged_row)
        forged = await loopback.click(b_fleabag, b_reader, label="forged")
        assert "Alpha Secret Diary" not in str(forged.components) + str(forged.content)


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
    assert "Lighthouse Secret" not in str(opened.components) + str(opened.content)


async def test_review_text_that_mentions_people_pings_no_one(
    loopback: LoopbackDiscord, guild: Guild, bot: ReviewBot
) -> None:
    member = guild.add_member("reader")
    role = guild.add_role("Fans", mentionable=True)
    text = f"@everyone @here <@{member.id}> <@!{member.id}> <@&{role.id}> go and see it."
    stored = await bot.app.store.reviews.add(
        make_review(f"Ping <@&{role.id}> @everyone", body=text)
    )
    reply = await loopback.slash(guild, member, "review show", title=f"review:{stored.id}")
    assert reply.allowed_mentions == {"parse": []}
    assert body(reply).endswith("go and see it.")
    assert f"<@{member.id}>" in body(reply)  # shown as written, pinging no one
    assert "@everyone" not in title(reply) + body(reply)  # not even looking like a ping
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
