import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewbot.errors import ValidationError
from reviewbot.review import Category, Rating, Review, clean_text, normalise, shown


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("4", "★★★★☆"),
        ("4.5", "★★★★½"),
        ("4/5", "★★★★☆"),
        ("9/10", "★★★★½"),
        ("★★★★☆", "★★★★☆"),
        ("★★★★½", "★★★★½"),
        ("★★★½", "★★★½☆"),
        ("0", "☆☆☆☆☆"),
        ("5", "★★★★★"),
        (" 3,5 ", "★★★½☆"),
        ("10/10", "★★★★★"),
    ],
)
def test_rating_accepts_the_documented_forms(typed: str, shown: str) -> None:
    assert str(Rating.parse(typed)) == shown


@pytest.mark.parametrize("typed", ["6", "4.3", "-1", "abc", "★★★★★★", "11/10", "4/6", "½★", "nan"])
def test_rating_refuses_anything_else_and_lists_the_accepted_forms(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Rating.parse(typed)
    assert caught.value.field == "rating"
    assert "4/5" in str(caught.value) and "★★★★½" in str(caught.value)


def test_an_empty_rating_is_called_required() -> None:
    with pytest.raises(ValidationError, match="required"):
        Rating.parse("  ")


@given(st.integers(min_value=0, max_value=10))
def test_every_rating_round_trips_through_its_display_and_number(halves: int) -> None:
    rating = Rating(halves)
    assert Rating.parse(str(rating)) == rating
    assert Rating.parse(rating.as_number()) == rating
    assert len(str(rating)) == 5


@given(st.text(max_size=30))
def test_rating_parse_never_fails_except_with_a_validation_error(text: str) -> None:
    try:
        rating = Rating.parse(text)
    except ValidationError:
        return
    assert 0 <= rating.halves <= 10


def test_normalise_folds_case_accents_width_and_spacing() -> None:
    assert normalise("  AMÉLIE ") == normalise("amelie") == "amelie"
    assert normalise("Ｈｅｒ") == "her"
    assert normalise("the\u200b  godfather") == "the godfather"


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"title": "   "}, "title", "required"),
        ({"title": "x" * 201}, "title", "201 characters long; the limit is 200"),
        ({"creator": "c" * 201}, "creator", "limit is 200"),
        ({"body": ""}, "body", "required"),
        ({"body": "b" * 20_001}, "body", "20,001 characters long; the limit is 20,000"),
        ({"url": "ftp://example.com"}, "url", "http(s)"),
        ({"image_url": "not a link"}, "image_url", "http(s)"),
        ({"category": "poem"}, "category", "film, album, book, game, show, other"),
    ],
)
def test_each_field_is_checked_with_a_message_naming_it(
    fields: dict[str, str], field: str, words: str
) -> None:
    base = {"title": "Her", "rating": "4", "body": "Fine."}
    with pytest.raises(ValidationError) as caught:
        Review.create(**(base | fields))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert words in str(caught.value)


def test_create_trims_and_keeps_any_script() -> None:
    review = Review.create(
        title="  千と千尋の神隠し  ",
        rating="5",
        body="\n\nFirst.\r\n\r\nSecond.\n",
        category="FILM",
        published_at=datetime(2022, 8, 20),
    )
    assert review.title == "千と千尋の神隠し"
    assert review.body == "First.\n\nSecond."
    assert review.category is Category.FILM
    assert review.published_at.tzinfo is UTC


def test_only_a_stored_review_has_a_stored_id() -> None:
    review = Review.create(title="Her", rating="4", body="Tender.")
    assert review.with_id(7).stored_id == 7
    with pytest.raises(ValueError, match="has not been stored"):
        _ = review.stored_id


@pytest.mark.parametrize(
    "title", ["\u200b", "\u0301\u0301", "\u2060", "\u00ad \ufe0f", "\u200d\u200b"]
)
def test_a_title_with_no_visible_characters_is_refused(title: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Review.create(title=title, rating="4", body="Fine.")
    assert caught.value.field == "title"
    assert "no visible characters" in str(caught.value)


def test_a_title_with_marks_on_letters_is_kept() -> None:
    review = Review.create(title="e\u0301te\u0301\u200b", rating="4", body="Fine.")
    assert review.title == "e\u0301te\u0301\u200b" and normalise(review.title) == "ete"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "Her\ud800"}, "title"),
        ({"creator": "\udfffSpike"}, "creator"),
        ({"body": "Good.\n\ud83d"}, "body"),
        ({"author_name": "A\udc80"}, "author"),
    ],
)
def test_a_lone_surrogate_is_refused_naming_the_field(fields: dict[str, str], field: str) -> None:
    base = {"title": "Her", "rating": "4", "body": "Fine."}
    with pytest.raises(ValidationError) as caught:
        Review.create(**(base | fields))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert "broken character (U+D" in str(caught.value)


@pytest.mark.parametrize("author_id", [0, -1, 2**63, 10**22])
def test_an_author_id_outside_discord_ids_is_refused(author_id: int) -> None:
    with pytest.raises(ValidationError) as caught:
        Review.create(title="Her", rating="4", body="Fine.", author_id=author_id)
    assert caught.value.field == "author_id"
    assert "Discord user id" in str(caught.value)


def test_the_largest_discord_id_is_kept() -> None:
    review = Review.create(title="Her", rating="4", body="Fine.", author_id=2**63 - 1)
    assert review.author_id == 2**63 - 1


@pytest.mark.parametrize(
    "moment",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5))),
        datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=5))),
    ],
)
def test_a_date_outside_the_calendar_in_utc_is_refused(moment: datetime) -> None:
    with pytest.raises(ValidationError) as caught:
        Review.create(title="Her", rating="4", body="Fine.", published_at=moment)
    assert caught.value.field == "published_at"
    assert "years 1 to 9999" in str(caught.value)


def test_dates_at_the_edge_of_the_calendar_in_utc_are_kept() -> None:
    last = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    first = datetime(1, 1, 1, 5, 0, tzinfo=timezone(timedelta(hours=5)))
    assert Review.create(title="a", rating="4", body="b", published_at=last).published_at == last
    kept = Review.create(title="a", rating="4", body="b", published_at=first).published_at
    assert kept == datetime(1, 1, 1, tzinfo=UTC) and kept.tzinfo is UTC


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "https://[example.com/",
        "https://example.com/\x00",
        "https://example.com/\u200b",
        "https://example.com/a\ufffe",
        "https://example.com/\ud800",
        "https://exa mple.com/",
    ],
)
def test_a_malformed_or_unprintable_link_is_refused(url: str) -> None:
    for field in ("url", "image_url"):
        with pytest.raises(ValidationError) as caught:
            Review.create(title="Her", rating="4", body="Fine.", **{field: url})  # type: ignore[arg-type]
        assert caught.value.field == field
        assert "full http(s) address" in str(caught.value)


@pytest.mark.parametrize(
    "number", [10**5000, -(10**400), 10**400, 101], ids=["5001 digits", "-401", "401", "101"]
)
def test_a_rating_of_a_huge_number_is_refused(number: int) -> None:
    with pytest.raises(ValidationError) as caught:
        Rating.parse(number)
    assert caught.value.field == "rating" and "4/5" in str(caught.value)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize("number", [float("nan"), float("inf"), -float("inf"), 1e308])
def test_a_rating_of_a_float_beyond_the_scale_is_refused(number: float) -> None:
    with pytest.raises(ValidationError, match="not a rating"):
        Rating.parse(number)


def test_a_refused_rating_is_quoted_on_one_line() -> None:
    with pytest.raises(ValidationError) as caught:
        Rating.parse("four\nstars\u200b" + "!" * 100)
    message = str(caught.value)
    assert "“four\\nstars\\u200b!!!" in message and "\n" not in message
    assert "!" * 40 not in message


def reference_clean_text(text: str) -> str:
    """clean_text as first written, one character at a time."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()


@given(st.text(alphabet=st.characters(codec=None, exclude_categories=())))
def test_clean_text_drops_exactly_the_control_characters(text: str) -> None:
    assert clean_text(text) == reference_clean_text(text)


@given(st.text(alphabet=st.characters(exclude_categories=())), st.integers(2, 80))
def test_shown_text_is_one_printable_line_of_bounded_length(text: str, limit: int) -> None:
    quoted = shown(text, limit)
    assert quoted.isprintable()
    assert len(quoted) <= limit * 10  # each kept character escapes to at most \U0010ffff


# What a refused field says, and which field it names ------------------------------------------

FORMS = "a number from 0 to 5 in half steps (4 or 4.5), 4/5, 9/10, or stars like ★★★★☆ or ★★★★½"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (100, f"“100” is not a rating from 0 to 5 stars in half steps. Use {FORMS}."),
        (-100, f"“-100” is not a rating from 0 to 5 stars in half steps. Use {FORMS}."),
        (101, f"That number is not a rating. Use {FORMS}."),
        (-101, f"That number is not a rating. Use {FORMS}."),
        (True, f"A rating is {FORMS}."),
        ("  ", f"The rating is required: {FORMS}."),
        ("good", f"“good” is not a rating I understand. Use {FORMS}."),
    ],
)
def test_a_refused_rating_says_why_in_full(given: str | int, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Rating.parse(given)
    assert (refused.value.field, str(refused.value)) == ("rating", message)


def test_a_rating_out_of_half_stars_is_refused_when_made() -> None:
    with pytest.raises(ValidationError) as refused:
        Rating(11)
    assert (refused.value.field, str(refused.value)) == ("rating", f"A rating is {FORMS}.")
    assert Rating(10).stars == 5 and Rating(0).stars == 0


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": ""}, "title", "The title is required."),
        (
            {"title": "A\ud800"},
            "title",
            "The title holds a broken character (U+D800, half of a UTF-16 pair); remove it.",
        ),
        ({"title": "t" * 201}, "title", "The title is 201 characters long; the limit is 200."),
        (
            {"author_name": "a" * 101},
            "author",
            "The author name is 101 characters long; the limit is 100.",
        ),
        (
            {"url": "https://e.com/" + "x" * 1987},
            "url",
            "The link is longer than 2,000 characters.",
        ),
        (
            {"image_url": "ftp://e.com/a.png"},
            "image_url",
            "The image link must be a full http(s) address, like https://example.com/…",
        ),
    ],
)
def test_a_refused_field_is_named_and_explained(
    fields: dict[str, str], field: str, message: str
) -> None:
    values: dict[str, object] = {"title": "Her", "rating": "4", "body": "Fine.", **fields}
    with pytest.raises(ValidationError) as refused:
        Review.create(**values)  # type: ignore[arg-type]
    assert (refused.value.field, str(refused.value)) == (field, message)


def test_plain_http_links_are_kept() -> None:
    review = Review.create(
        title="Her",
        rating="4",
        body="Fine.",
        url="http://e.com/her",
        image_url="HTTP://e.com/h.png",
    )
    assert (review.url, review.image_url) == ("http://e.com/her", "HTTP://e.com/h.png")


def test_control_characters_fold_away_with_the_accents() -> None:
    assert normalise("Am\u00e9lie\u0007") == "amelie"
    assert normalise("Ame\u0301lie\u200b") == "amelie"
