"""The review value, its rating and category, and the rules every field must follow."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple
from urllib.parse import urlsplit

from .errors import ValidationError

TITLE_MAX = 200
CREATOR_MAX = 200
AUTHOR_MAX = 100
BODY_MAX = 20_000
URL_MAX = 2_000
AUTHOR_ID_MAX = 2**63 - 1  # Discord ids are 64-bit snowflakes, and SQLite integers are signed
AUTHOR_ID_RULE = "The author id must be a Discord user id: digits only, like 80351110224678912."

FULL_STAR, HALF_STAR, EMPTY_STAR = "★", "½", "☆"
RATING_FORMS = (
    "a number from 0 to 5 in half steps (4 or 4.5), 4/5, 9/10, or stars like ★★★★☆ or ★★★★½"
)


class Category(StrEnum):
    FILM = "film"
    ALBUM = "album"
    BOOK = "book"
    GAME = "game"
    SHOW = "show"
    OTHER = "other"

    @classmethod
    def parse(cls, text: str | None) -> Category:
        cleaned = (text or "").strip().lower()
        if not cleaned:
            return cls.OTHER
        try:
            return cls(cleaned)
        except ValueError:
            names = ", ".join(c.value for c in cls)
            raise ValidationError("category", f"Category must be one of: {names}.") from None


_NUMBER = r"(\d{1,3}(?:[.,]\d+)?)"
_OUT_OF = re.compile(rf"^{_NUMBER}\s*/\s*(5|10)$")
_PLAIN = re.compile(rf"^{_NUMBER}$")
_STARS = re.compile(rf"^({FULL_STAR}*)({HALF_STAR}?)({EMPTY_STAR}*)$")


@dataclass(frozen=True, order=True, slots=True)
class Rating:
    """A score from 0 to 5 stars in half steps, kept as a whole number of half stars."""

    halves: int

    def __post_init__(self) -> None:
        if not 0 <= self.halves <= 10:
            raise ValidationError("rating", f"A rating is {RATING_FORMS}.")

    @classmethod
    def parse(cls, text: str | float | int) -> Rating:
        """Read `4`, `4.5`, `4/5`, `9/10`, `★★★★☆` or `★★★★½`; anything else is refused."""
        if isinstance(text, bool):
            raise ValidationError("rating", f"A rating is {RATING_FORMS}.")
        if isinstance(text, int) and not -100 <= text <= 100:
            # Not converted to a float or to text: either fails for very large numbers.
            raise ValidationError("rating", f"That number is not a rating. Use {RATING_FORMS}.")
        if isinstance(text, int | float):
            return cls._from_stars(float(text), str(text))
        cleaned = "".join(text.split())
        if not cleaned:
            raise ValidationError("rating", f"The rating is required: {RATING_FORMS}.")
        if stars := _STARS.match(cleaned):
            full, half, empty = (len(g) for g in stars.groups())
            if full + half + empty <= 5:
                return cls(full * 2 + half)
        elif out_of := _OUT_OF.match(cleaned):
            value = float(out_of.group(1).replace(",", "."))
            return cls._from_stars(value * 5 / int(out_of.group(2)), text)
        elif plain := _PLAIN.match(cleaned):
            return cls._from_stars(float(plain.group(1).replace(",", ".")), text)
        raise ValidationError(
            "rating", f"“{shown(text)}” is not a rating I understand. Use {RATING_FORMS}."
        )

    @classmethod
    def _from_stars(cls, stars: float, original: str) -> Rating:
        halves = stars * 2
        if not 0 <= halves <= 10 or abs(halves - round(halves)) > 1e-9:
            raise ValidationError(
                "rating",
                f"“{shown(original)}” is not a rating from 0 to 5 stars in half steps. "
                f"Use {RATING_FORMS}.",
            )
        return cls(round(halves))

    @property
    def stars(self) -> float:
        return self.halves / 2

    def __str__(self) -> str:
        full, half = divmod(self.halves, 2)
        return FULL_STAR * full + HALF_STAR * half + EMPTY_STAR * (5 - full - half)

    def as_number(self) -> str:
        """`4.5`, or `4` when whole: the form review files use."""
        return f"{self.stars:g}"


def normalise(text: str) -> str:
    """Fold case, accents, width and spacing so `AMÉLIE` and `amelie` compare equal."""
    if text.isascii() and text.isprintable():  # most titles: nothing to decompose or drop
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        ch for ch in decomposed if unicodedata.category(ch) not in {"Mn", "Me", "Cf", "Cc"}
    )
    return " ".join(unicodedata.normalize("NFC", kept).casefold().split())


# Unicode's control characters (category Cc) other than tab and line feed.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Half of a UTF-16 pair on its own: Python strings can hold one, UTF-8 (and so SQLite) cannot.
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str | None) -> str:
    """Trim a field and drop control characters other than line breaks and tabs."""
    if text is None:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROLS.sub("", text).strip()


def printable(text: str) -> str:
    """`text` with each line break, control or invisible character written as an escape."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def shown(text: str, limit: int = 40) -> str:
    """Text fit to quote in a one-line message: trimmed, shortened, invisible characters escaped."""
    text = text.strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return printable(text)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _check_length(field_name: str, label: str, value: str, low: int, high: int) -> None:
    if len(value) < low:
        raise ValidationError(field_name, f"The {label} is required.")
    if len(value) > high:
        raise ValidationError(
            field_name,
            f"The {label} is {len(value):,} characters long; the limit is {high:,}.",
        )


def _check_encodable(field_name: str, label: str, value: str) -> None:
    if not value.isascii() and (found := _SURROGATE.search(value)):
        raise ValidationError(
            field_name,
            f"The {label} holds a broken character (U+{ord(found.group()):04X}, half of a "
            "UTF-16 pair); remove it.",
        )


def _check_url(field_name: str, label: str, value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if len(value) > URL_MAX:
        raise ValidationError(field_name, f"The {label} is longer than {URL_MAX:,} characters.")
    try:
        parts = urlsplit(value)
    except ValueError:  # a malformed address, such as an unclosed [IPv6] host
        parts = None
    # Printable and without spaces: no whitespace, control, invisible or broken characters.
    if (
        parts is None
        or parts.scheme not in {"http", "https"}
        or not parts.netloc
        or not value.isprintable()
        or " " in value
    ):
        raise ValidationError(
            field_name, f"The {label} must be a full http(s) address, like https://example.com/…"
        )
    return value


@dataclass(frozen=True, slots=True)
class Review:
    """One review: of a film, an album, a book, a game, a show or anything else."""

    title: str
    rating: Rating
    body: str
    category: Category = Category.OTHER
    creator: str | None = None
    author_name: str = ""
    author_id: int | None = None
    published_at: datetime = field(default_factory=utc_now)
    url: str | None = None
    image_url: str | None = None
    spoiler: bool = False
    guild_id: int | None = None
    id: int | None = None

    @classmethod
    def create(
        cls,
        *,
        title: str,
        rating: Rating | str | float,
        body: str,
        category: Category | str | None = None,
        creator: str | None = None,
        author_name: str | None = None,
        author_id: int | None = None,
        published_at: datetime | None = None,
        url: str | None = None,
        image_url: str | None = None,
        spoiler: bool = False,
        guild_id: int | None = None,
    ) -> Review:
        """Build a review from untrusted input, cleaning and checking every field."""
        title = " ".join(clean_text(title).split())
        _check_length("title", "title", title, 1, TITLE_MAX)
        _check_encodable("title", "title", title)
        if not normalise(title):  # only invisible or combining marks: nothing to search for
            raise ValidationError(
                "title", "The title has no visible characters; give it letters, digits or symbols."
            )
        creator = " ".join(clean_text(creator).split()) or None
        _check_length("creator", "creator", creator or "", 0, CREATOR_MAX)
        _check_encodable("creator", "creator", creator or "")
        body = clean_text(body)
        _check_length("body", "review text", body, 1, BODY_MAX)
        _check_encodable("body", "review text", body)
        author = " ".join(clean_text(author_name).split())
        _check_length("author", "author name", author, 0, AUTHOR_MAX)
        _check_encodable("author", "author name", author)
        if author_id is not None and not 1 <= author_id <= AUTHOR_ID_MAX:
            raise ValidationError("author_id", AUTHOR_ID_RULE)
        if published_at is None:
            published_at = utc_now()
        elif published_at.tzinfo is None:
            published_at = published_at.replace(tzinfo=UTC)
        try:
            published_at = published_at.astimezone(UTC)
        except OverflowError:
            raise ValidationError(
                "published_at",
                "The date falls outside the years 1 to 9999 once converted to UTC; "
                "give a date within them.",
            ) from None
        return cls(
            title=title,
            creator=creator,
            category=category if isinstance(category, Category) else Category.parse(category),
            rating=rating if isinstance(rating, Rating) else Rating.parse(rating),
            body=body,
            author_name=author,
            author_id=author_id,
            published_at=published_at,
            url=_check_url("url", "link", url),
            image_url=_check_url("image_url", "image link", image_url),
            spoiler=spoiler,
            guild_id=guild_id,
        )

    @property
    def stored_id(self) -> int:
        """The id the store gave this review; only a stored review has one."""
        if self.id is None:
            raise ValueError(f"the review “{self.title}” has not been stored")
        return self.id

    @property
    def identity(self) -> tuple[int | None, str, str]:
        """What makes two reviews the same review: scope, normalised title and creator."""
        return (self.guild_id, normalise(self.title), normalise(self.creator or ""))

    def with_id(self, review_id: int) -> Review:
        # Not dataclasses.replace, which reads the fields anew on every call: an import of a
        # million reviews calls this a million times.
        return Review(
            title=self.title,
            rating=self.rating,
            body=self.body,
            category=self.category,
            creator=self.creator,
            author_name=self.author_name,
            author_id=self.author_id,
            published_at=self.published_at,
            url=self.url,
            image_url=self.image_url,
            spoiler=self.spoiler,
            guild_id=self.guild_id,
            id=review_id,
        )


class ReviewSummary(NamedTuple):
    """What a list of reviews shows: everything but the body.

    A named tuple rather than a dataclass: a search builds up to 25 per keystroke, and a
    tuple is much cheaper to make (bench/README.md).
    """

    id: int
    title: str
    creator: str | None
    category: Category
    rating: Rating
    published_at: datetime
    guild_id: int | None
    spoiler: bool = False


@dataclass(frozen=True, slots=True)
class ReviewContext:
    """A review as one server sees it: its neighbours in publication order and its place."""

    review: Review
    previous_id: int | None
    next_id: int | None
    position: int  # 1-based, in (published_at, id) order among the reviews this server sees
    total: int
    post_url: str | None = None  # where the review was published in Discord, if it was
    previous_title: str | None = None  # the neighbours' titles, for buttons that name them
    next_title: str | None = None


@dataclass(frozen=True, slots=True)
class Draft:
    """A review being written in Discord: the form's fields as typed, checked only on publish."""

    guild_id: int
    user_id: int
    category: Category = Category.OTHER
    title: str = ""
    creator: str = ""
    rating: str = ""
    body: str = ""
    url: str = ""
    spoiler: bool = False
    review_id: int | None = None  # the review being edited, if any
    id: int | None = None

    def to_review(self, author_name: str) -> Review:
        """The review this draft describes; `ValidationError` names the first field that's wrong."""
        return Review.create(
            title=self.title,
            creator=self.creator,
            category=self.category,
            rating=self.rating,
            body=self.body,
            url=self.url or None,
            author_name=author_name,
            author_id=self.user_id,
            spoiler=self.spoiler,
            guild_id=self.guild_id,
        )


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    """The link Discord opens a message with."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"
