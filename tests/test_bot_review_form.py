"""End to end: the review form and the link-and-spoiler form as the writer sees them: each
input's label, hint, limit and whether it may be left empty; and an empty creator stays empty."""

from __future__ import annotations

from reviewbot.bot import ReviewBot
from reviewbot.limits import TEXT_INPUT_VALUE
from reviewbot.review import CREATOR_MAX, TITLE_MAX, URL_MAX

from . import cards
from .loopback.interactions import ModalInput
from .loopback.server import LoopbackDiscord
from .test_bot_publishing import Server, configured

__all__ = ["configured"]  # a fixture of the publishing tests, used here

RATING_LABELS = [
    "★★★★★  5 stars",
    "★★★★½  4.5 stars",
    "★★★★☆  4 stars",
    "★★★½☆  3.5 stars",
    "★★★☆☆  3 stars",
    "★★½☆☆  2.5 stars",
    "★★☆☆☆  2 stars",
    "★½☆☆☆  1.5 stars",
    "★☆☆☆☆  1 star",
    "½☆☆☆☆  0.5 stars",
    "☆☆☆☆☆  0 stars",
]


def shape(field: ModalInput) -> tuple[object, ...]:
    return (
        field.label,
        field.description,
        field.required,
        field.max_length,
        field.placeholder,
    )


async def test_the_forms_inputs_as_the_writer_sees_them(
    loopback: LoopbackDiscord, configured: Server, bot: ReviewBot
) -> None:
    form = await loopback.slash(configured.guild, configured.reviewer, "review post")
    assert form.modal is not None and form.modal.title == "New review"
    fields = {field.custom_id: field for field in form.modal.inputs}
    assert {name: shape(field) for name, field in fields.items()} == {
        "title": ("Title", None, True, TITLE_MAX, None),
        "creator": ("Creator", "Director, artist, author, studio…", False, CREATOR_MAX, None),
        "category": ("Kind of work", None, True, None, "Film, album, book…"),
        "rating": ("Rating", None, True, None, "0 to 5 stars"),
        "body": ("Review", None, True, TEXT_INPUT_VALUE, None),
    }
    assert [o["label"] for o in fields["rating"].options] == RATING_LABELS

    preview = await loopback.submit_modal(
        form,
        configured.reviewer,
        {"title": "Past Lives", "category": "film", "rating": "4.5", "body": "Quietly huge."},
    )
    assert cards.byline(preview) == "🎬 Film"  # no creator given: none shown
    extras = await loopback.click(preview, configured.reviewer, label="Link and spoiler")
    assert extras.modal is not None and extras.modal.title == "Link and spoiler"
    link, spoiler = extras.modal.inputs
    assert shape(link) == (
        "Link to the original post",
        "Where the review first appeared, if anywhere",
        False,
        URL_MAX,
        "https://…",
    )
    assert (spoiler.label, spoiler.description) == (
        "Spoiler",
        "Hide the whole review behind spoiler bars",
    )
