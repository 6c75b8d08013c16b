"""The search results embed, line by line: numbering, how a long hit is shortened, the footer."""

from __future__ import annotations

from datetime import UTC, datetime

from reviewbot.limits import EMBED_DESCRIPTION
from reviewbot.render import SEARCH_COLOUR, render_search_results
from reviewbot.review import Category, Rating, ReviewSummary

WHEN = datetime(2024, 2, 14, tzinfo=UTC)


def hit(title: str, creator: str | None = None, number: int = 1) -> ReviewSummary:
    return ReviewSummary(number, title, creator, Category.FILM, Rating(8), WHEN, None)


def lines(query: str, hits: list[ReviewSummary]) -> list[str]:
    description = render_search_results(query, hits, 0, 1, len(hits)).description
    assert description is not None
    return description.split("\n")


def test_the_query_is_shown_with_its_spaces_collapsed() -> None:
    embed = render_search_results("  the   third  man ", [hit("The Third Man")], 0, 1, 1)
    assert embed.title == "Reviews matching “the third man”"
    assert embed.colour == SEARCH_COLOUR


def test_a_blank_query_is_titled_plainly() -> None:
    assert render_search_results("   ", [hit("Her")], 0, 1, 1).title == "Reviews"


def test_a_long_query_is_shortened_to_a_hundred_characters() -> None:
    embed = render_search_results("q" * 150, [], 0, 1, 0)
    assert embed.title == "Reviews matching “" + "q" * 99 + "…”"
    assert embed.description == f"No reviews match “{'q' * 99}…”. Try fewer or other words."


def test_a_shortened_query_never_ends_in_half_an_escape() -> None:
    # "*" shows as "\*": a cut right after the backslash would escape the ellipsis instead.
    stars = render_search_results("*" * 99, [], 0, 1, 0).title
    assert stars == "Reviews matching “" + "\\*" * 49 + "…”"
    # A typed backslash shows as two: a cut between a pair keeps the pair.
    slashes = render_search_results("a" + "\\" * 60, [], 0, 1, 0).title
    assert slashes == "Reviews matching “a" + "\\" * 98 + "…”"


def test_the_footer_names_the_page_only_when_there_are_several() -> None:
    assert render_search_results("her", [hit("Her")], 0, 1, 1).footer.text == "1 match"
    two_pages = render_search_results("her", [hit("Her")], 1, 2, 12)
    assert two_pages.footer.text == "page 2 of 2 · 12 matches"
    assert render_search_results("her", [hit("Her")], 0, 1, 2).footer.text == "2 matches"
    assert render_search_results("her", [hit("Her")], 0, 1, None).footer.text is None


def test_each_line_of_a_full_page_uses_all_its_room() -> None:
    # Twenty-five of the longest hits: each line gets an equal share of the description.
    hits = [hit("T" * 200, "C" * 200, n) for n in range(1, 26)]
    shown = lines("t", hits)
    room = EMBED_DESCRIPTION // 25 - 1  # its line break is the other character
    assert [len(line) for line in shown] == [room] * 25


def test_a_long_title_gets_two_thirds_of_a_line_and_the_creator_the_rest() -> None:
    hits = [hit("T" * 200, "C" * 200, n) for n in range(1, 26)]
    first = lines("t", hits)[0]
    prefix, suffix = "**1.** ", " · ★★★★☆ · 🎬 Film"
    assert first.startswith(prefix) and first.endswith(suffix)
    title, creator = first[len(prefix) : -len(suffix)].split(" — ")
    left = EMBED_DESCRIPTION // 25 - 1 - len(prefix) - len(suffix)
    assert title == "T" * (left * 2 // 3 - 1) + "…"
    assert creator == "C" * (left - len(title) - 3 - 1) + "…"


def test_a_hit_without_a_creator_gives_its_title_the_whole_line() -> None:
    hits = [hit("T" * 200, None, n) for n in range(1, 26)]
    first = lines("t", hits)[0]
    assert first == "**1.** " + "T" * 137 + "… · ★★★★☆ · 🎬 Film"
