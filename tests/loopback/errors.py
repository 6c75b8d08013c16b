"""Discord's JSON error answers, and the failures the stand-in reports to the test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MESSAGES = {
    0: "General error",
    10003: "Unknown Channel",
    10004: "Unknown Guild",
    10008: "Unknown Message",
    10015: "Unknown Webhook",
    10062: "Unknown interaction",
    40060: "Interaction has already been acknowledged.",
    50001: "Missing Access",
    50005: "Cannot edit a message authored by another user",
    50006: "Cannot send an empty message",
    50013: "Missing Permissions",
    50027: "Invalid Webhook Token",
    50035: "Invalid Form Body",
}

_STATUS_TEXT = {
    400: "400: Bad Request",
    401: "401: Unauthorized",
    403: "403: Forbidden",
    404: "404: Not Found",
    405: "405: Method Not Allowed",
    500: "500: Internal Server Error",
    502: "502: Bad Gateway",
    503: "503: Service Unavailable",
    504: "504: Gateway Timeout",
}


class ApiError(Exception):
    """An error answer: HTTP status plus Discord's `{"code", "message"}` body."""

    def __init__(
        self, status: int, code: int = 0, message: str | None = None, *, body: Any = None
    ) -> None:
        if body is None:
            default = MESSAGES.get(code) if code else _STATUS_TEXT.get(status)
            body = {"code": code, "message": message or default or str(status)}
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Violation:
    """Something Discord rejects or that would hurt users; the fixture fails a test on these."""

    kind: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.detail}"


class InteractionFailed(AssertionError):
    """No acceptable answer reached Discord in time: the member saw "interaction failed"."""


class CommandUnavailable(AssertionError):
    """The member could not have used this command in Discord (unregistered, no permission)."""
