"""The errors a user can cause: their messages are written to be shown as they are."""

from __future__ import annotations

from collections.abc import Sequence


def did_you_mean(suggestions: Sequence[str]) -> str:
    """“Did you mean “A”, “B”?” offering close titles; empty when there are none."""
    if not suggestions:
        return ""
    return "Did you mean " + ", ".join(f"“{s}”" for s in suggestions) + "?"


class UserError(Exception):
    """A failure the person can fix; `str(error)` is a short, plain-language message."""


class ValidationError(UserError):
    """One field of a review is missing or out of bounds."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DuplicateReviewError(UserError):
    """A review with the same title and creator already exists in the same scope."""

    def __init__(self, existing_id: int, title: str) -> None:
        super().__init__(
            f"“{title}” by the same creator is already in the catalogue (review #{existing_id})."
        )
        self.existing_id = existing_id
        self.title = title


class ReviewNotFoundError(UserError):
    """No visible review matches; `suggestions` are close titles to offer instead."""

    def __init__(self, wanted: str, suggestions: list[str] | None = None) -> None:
        shown = wanted if len(wanted) <= 100 else wanted[:99] + "…"
        message = f"No review titled “{shown}”."
        self.suggestions = suggestions or []
        if self.suggestions:
            message += " " + did_you_mean(self.suggestions)
        super().__init__(message)
        self.wanted = wanted
