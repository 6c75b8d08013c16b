"""What can go wrong with a feed, each said in plain words (they are shown as they are)."""

from __future__ import annotations

from ..errors import UserError


class FeedError(UserError):
    """A feed that cannot be followed or read; the message says what is wrong."""


class AddressRefused(FeedError):
    """The address is not one the bot may fetch (not http(s), or a private network)."""


class FetchFailed(FeedError):
    """The fetch did not give a feed: no answer, an error status, too large, too many hops.

    `status` is the HTTP status when the server answered; `retry_after` the seconds the
    server asked us to wait (Retry-After), if it did.
    """

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class NotAFeed(FeedError):
    """The answer was not an RSS or Atom feed."""
