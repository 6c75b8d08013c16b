"""Letterboxd and Goodreads exports as reviews: what is kept, what is skipped, what is refused."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from reviewbot.feeds.exports import MAX_BYTES, is_export, read_export
from reviewbot.files import FileError
from reviewbot.review import Category

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "feeds"
LETTERBOXD = FIXTURES / "letterboxd-reviews.csv"
GOODREADS = FIXTURES / "goodreads_library_export.csv"
LETTERBOXD_HEAD = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n"
GOODREADS_HEAD = "Book Id,Title,Author,My Rating,My Review,Spoiler,Date Read,Date Added\n"


def summary(path: Path, guild_id: int | None = None) -> tuple[str, int, list[tuple[object, ...]]]:
    export = read_export(path, guild_id)
    return (
        export.kind,
        export.skipped,
        [
            (
                r.title,
                r.creator,
                r.category,
                r.rating.halves,
                r.published_at,
                r.url,
                r.spoiler,
                r.body,
                r.guild_id,
                dated,
            )
            for r, dated in export.reviews
        ],
    )


def day(year: int, month: int, date: int) -> datetime:
    return datetime(year, month, date, tzinfo=UTC)


LETTERBOXD_REVIEWS = [
    ("Dune: Part Two", None, Category.FILM, 8, day(2024, 3, 1), "https://boxd.example/aB1cD",
     False, "Sand, scale and a worm ride that earns its applause.", 7, True),
    ("Fallen Leaves", None, Category.FILM, 9, day(2024, 4, 13), "https://boxd.example/eF2gH",
     False, "Deadpan love at a karaoke night. *Ninety minutes* of grace.", 7, True),
    ("Anatomy of a Fall", None, Category.FILM, 7, day(2024, 4, 30), "https://boxd.example/mN4oP",
     False, "Second time through, I watched the dog.", 7, True),
]  # fmt: skip


def test_letterboxd_reviews_are_films_dated_when_watched(tmp_path: Path) -> None:
    # The film with no rating is skipped; each review is dated by its Watched Date.
    assert summary(LETTERBOXD, 7) == ("Letterboxd", 1, LETTERBOXD_REVIEWS)


@pytest.mark.parametrize(
    "member", ["reviews.csv", "letterboxd-fen-2024/reviews.csv", "data/letterboxd/reviews.csv"]
)
def test_letterboxd_zip_is_read_through_its_reviews_csv(tmp_path: Path, member: str) -> None:
    archive = tmp_path / "letterboxd-fen-2024.ZIP"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("diary.csv", "Date,Name\n")
        out.write(LETTERBOXD, member)
        out.writestr("likes/reviews.csv.bak", "nothing")
    assert summary(archive, 7) == ("Letterboxd", 1, LETTERBOXD_REVIEWS)


def test_goodreads_books_with_authors_links_and_spoilers(tmp_path: Path) -> None:
    kind, skipped, books = summary(GOODREADS)
    # Middlemarch is unrated (0), Piranesi has no review text.
    assert (kind, skipped) == ("Goodreads", 2)
    assert books == [
        ("The Left Hand of Darkness", "Ursula K. Le Guin", Category.BOOK, 10, day(2024, 2, 11),
         "https://www.goodreads.com/book/show/11111", False,
         "Cold planet, warm book.\n\nThe sledge journey is the best chapter I read this year.",
         None, True),
        ("Tomorrow and Tomorrow and Tomorrow", "Gabrielle Zevin", Category.BOOK, 8,
         day(2024, 3, 30), "https://www.goodreads.com/book/show/22222", True,
         "Friendship as a game you keep restarting.", None, True),
    ]  # fmt: skip


def test_goodreads_falls_back_to_the_date_added_and_keeps_what_is_missing_out(
    tmp_path: Path,
) -> None:
    path = tmp_path / "library.CSV"
    path.write_text(
        GOODREADS_HEAD
        + "x9,Added Only,,3,Fine.,TRUE,,2024/01/02\n"
        + "7,Undated,Ann Author,2,Meh.,false,,\n",
        encoding="utf-8-sig",  # with a BOM, as spreadsheets save it
    )
    _, skipped, books = summary(path, 3)
    assert skipped == 0
    assert [(b[0], b[1], b[4], b[5], b[6], b[9]) for b in books] == [
        ("Added Only", None, day(2024, 1, 2), None, True, True),
        (
            "Undated",
            "Ann Author",
            books[1][4],
            "https://www.goodreads.com/book/show/7",
            False,
            False,
        ),
    ]


def test_letterboxd_falls_back_to_the_logged_date(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(
        LETTERBOXD_HEAD
        + "2024-06-01,Logged,2024,,2,,Ok.,,\n"
        + "2024-06-02,Rated Zero,2024,,0,,Still a rating.,,\n"
    )
    _, skipped, films = summary(path)
    assert skipped == 0
    assert [(f[0], f[3], f[4], f[5], f[9]) for f in films] == [
        ("Logged", 4, day(2024, 6, 1), None, True),
        ("Rated Zero", 0, day(2024, 6, 2), None, True),
    ]


@pytest.mark.parametrize("newest_first", [True, False])
def test_of_several_reviews_of_one_work_the_newest_is_kept(
    tmp_path: Path, newest_first: bool
) -> None:
    rows = [
        "2024-01-01,Heat,1995,,3,,First watch.,,2023-12-31\n",
        "2024-01-15,Heat,1995,,2,Yes,Second watch.,,2024-01-14\n",
        "2024-02-01,Heat,1995,,4.5,Yes,Third watch.,,2024-01-31\n",
    ]
    path = tmp_path / "reviews.csv"
    ordered = list(reversed(rows)) if newest_first else rows
    path.write_text(LETTERBOXD_HEAD + "".join(ordered) + "2024-03-01,Alien,1979,,5,,Yes.,,\n")
    _, skipped, films = summary(path)
    assert skipped == 2
    assert [(f[0], f[3], f[7]) for f in films] == [
        ("Heat", 9, "Third watch."),
        ("Alien", 10, "Yes."),
    ]


def test_of_two_reviews_of_one_work_on_one_day_the_later_line_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(
        LETTERBOXD_HEAD
        + "2024-01-01,Heat,1995,,3,,Morning.,,2024-01-01\n"
        + "2024-01-01,Heat,1995,,4,,Evening.,,2024-01-01\n"
    )
    _, skipped, films = summary(path)
    assert skipped == 1 and [f[7] for f in films] == ["Evening."]


def test_only_the_columns_each_export_needs_are_required(tmp_path: Path) -> None:
    films = tmp_path / "films.csv"
    films.write_text("Date,Name,Letterboxd URI,Rating,Review\n2024-01-01,Heat,,4,Good.\n")
    assert summary(films)[0] == "Letterboxd" and len(summary(films)[2]) == 1
    books = tmp_path / "books.csv"
    books.write_text("Book Id,Title,Author,My Rating,My Review\n1,Dune,,4,Good.\n")
    kind, _, [book] = summary(books)
    assert (kind, book[0], book[5], book[9]) == (
        "Goodreads",
        "Dune",
        "https://www.goodreads.com/book/show/1",
        False,
    )


def test_goodreads_rows_without_a_rating_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "library.csv"
    path.write_text(
        GOODREADS_HEAD
        + "1,Unrated,,0,Words.,,,\n"
        + "2,Blank,,,Words.,,,\n"
        + "3,Rated,,1,Ok.,,,\n"
    )
    _, skipped, books = summary(path)
    assert skipped == 2 and [b[0] for b in books] == ["Rated"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b\n1,2\n", "not a Letterboxd or Goodreads export (its first line names neither's"
         " columns); give Letterboxd's ZIP or reviews.csv, or Goodreads' library export"),
        ("", "not a Letterboxd or Goodreads export"),
        (LETTERBOXD_HEAD + "2024-01-01,Heat,1995,,4,,Good.,,\n"
         + "2024-01-02,Alien,1979,,eleven,,Hm.,,\n",
         "line 3: rating: “eleven” is not a rating I understand."),
        (LETTERBOXD_HEAD + "2024-13-01,Heat,1995,,4,,Good.,,\n",
         "line 2: date: “2024-13-01” is not a date"),
        (GOODREADS_HEAD + "1,Dune,Frank Herbert,4,Good.,,2024-01-02,\n",
         "line 2: date: “2024-01-02” is not a date"),
        (LETTERBOXD_HEAD + "2024-01-01,,1995,,4,,Good.,,\n",
         "line 2: title: The title is required."),
        ("x" * 200_000 + "\n", "not a readable CSV file (field larger than field limit (131072))"),
        (LETTERBOXD_HEAD + '2024-01-01,Heat,1995,,4,,"' + "x" * 200_000 + '",,\n',
         "not a readable CSV file (field larger than field limit (131072))"),
    ],
)  # fmt: skip
def test_a_bad_export_is_refused_whole_naming_the_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(content)
    with pytest.raises(FileError) as refused:
        read_export(path)
    assert str(refused.value).startswith(f"{path}: {message}")


def test_files_that_cannot_be_read_as_exports_are_refused(tmp_path: Path) -> None:
    def refusal(path: Path) -> str:
        with pytest.raises(FileError) as refused:
            read_export(path)
        assert refused.value.path == path
        return str(refused.value).removeprefix(f"{path}: ")

    assert refusal(tmp_path / "missing.csv") == "no such file"
    assert refusal(tmp_path / "missing.zip") == "no such file"
    (tmp_path / "folder.csv").mkdir()
    assert refusal(tmp_path / "folder.csv") == "is a folder, not an export file"
    (tmp_path / "latin1.csv").write_bytes(
        LETTERBOXD_HEAD.encode() + "2024-01-01,Amélie".encode("latin-1")
    )
    assert (
        refusal(tmp_path / "latin1.csv") == "not UTF-8 text; exports are UTF-8, download it again"
    )
    too_long = tmp_path / ("n" * 300 + ".csv")
    assert refusal(too_long) == "cannot be read (File name too long)"
    (tmp_path / "fake.zip").write_text("hello")
    assert refusal(tmp_path / "fake.zip") == "not a ZIP archive that can be read"
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as out:
        out.writestr("diary.csv", "Date,Name\n")
    assert refusal(tmp_path / "other.zip") == (
        "holds no reviews.csv: is it Letterboxd's data export?"
    )
    with (tmp_path / "huge.csv").open("wb") as huge:
        huge.truncate(MAX_BYTES + 1)  # sparse: nothing is written
    assert refusal(tmp_path / "huge.csv") == "larger than 50 MiB"
    with (tmp_path / "limit.csv").open("wb") as limit:
        limit.truncate(MAX_BYTES)  # read, and refused for what it holds
    assert refusal(tmp_path / "limit.csv") == (
        "not a readable CSV file (field larger than field limit (131072))"
    )


def test_a_zip_whose_reviews_are_too_large_is_refused_unread(tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("reviews.csv", LETTERBOXD_HEAD + " " * MAX_BYTES)
    with pytest.raises(FileError, match=r"big.zip: its reviews.csv is larger than 50 MiB$"):
        read_export(archive)


def test_a_zip_whose_reviews_are_exactly_at_the_limit_is_read_whole(tmp_path: Path) -> None:
    last = "2024-01-01,Heat,1995,,4,,Good!"  # its last byte counts
    room = MAX_BYTES - len(LETTERBOXD_HEAD) - len(last)
    unrated = "," * 7 + "t" * 99_990 + ",\n"  # no rating or text: skipped
    fillers, rest = divmod(room, len(unrated))
    archive = tmp_path / "full.zip"
    with zipfile.ZipFile(archive, "w") as out:  # stored: quicker than compressing it
        out.writestr("reviews.csv", LETTERBOXD_HEAD + unrated * fillers + "\n" * rest + last)
    _, skipped, [film] = summary(archive)
    assert (skipped, film[7]) == (fillers, "Good!")


def test_a_zip_that_lies_about_its_size_is_read_only_to_the_limit(tmp_path: Path) -> None:
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("reviews.csv", LETTERBOXD_HEAD + " " * MAX_BYTES)
    # The header's stated size (in the local header and the central directory) says 1 byte.
    data = bytearray(archive.read_bytes())
    real = (len(LETTERBOXD_HEAD) + MAX_BYTES).to_bytes(4, "little")
    data = data.replace(real, (1).to_bytes(4, "little"))
    archive.write_bytes(bytes(data))
    with pytest.raises(
        FileError, match=r"liar.zip: (its reviews.csv is larger than 50 MiB|not a ZIP)"
    ):
        read_export(archive)


@pytest.mark.parametrize(
    ("name", "export"),
    [("a.zip", True), ("a.CSV", True), ("a.Zip", True), ("a.md", False), ("zip", False),
     ("a.json", False), ("a.csv.md", False)],
)  # fmt: skip
def test_exports_are_told_by_their_suffix(name: str, export: bool) -> None:
    assert is_export(Path(name)) is export
