from reviewbot.review import Rating


def test_rating_displays_half_stars() -> None:
    assert str(Rating.parse("3.5")) == "★★★½☆"
