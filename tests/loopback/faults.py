"""Rate-limit buckets with Discord's headers, and failures injected on demand."""

from __future__ import annotations

import fnmatch
import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from .errors import MESSAGES

JSON = dict[str, Any]


def route_matches(pattern: str, method: str, path: str, template: str) -> bool:
    """`pattern` is "[METHOD ]PATH"; PATH is a route template or a glob over the concrete path.

    Examples: "POST /channels/{channel_id}/messages", "POST /channels/123/messages",
    "* /channels/*".
    """
    wanted_method, _, wanted_path = pattern.rpartition(" ")
    if wanted_method and not fnmatch.fnmatchcase(method, wanted_method.upper()):
        return False
    return wanted_path == template or fnmatch.fnmatchcase(path, wanted_path)


def _default_code(status: int, template: str) -> int:
    if status == 403:
        return 50013
    if status != 404:
        return 0
    for marker, code in (
        ("/callback", 10062),
        ("/messages/", 10008),
        ("/webhooks/", 10015),
        ("/channels/", 10003),
        ("/guilds/", 10004),
    ):
        if marker in template:
            return code
    return 0


@dataclass(eq=False)
class Fault:
    """Answer requests matching `pattern` with `status`, `times` times (None: until `clear()`)."""

    pattern: str
    status: int
    times: int | None = 1
    code: int | None = None
    message: str | None = None
    retry_after: float = 0.05
    global_: bool = False
    scope: str | None = None
    body: Any = None
    hits: int = 0

    @property
    def active(self) -> bool:
        return self.times is None or self.hits < self.times

    def clear(self) -> None:
        self.times = self.hits

    def answer(self, template: str) -> tuple[Any, dict[str, str]]:
        """The body and extra headers of the injected answer."""
        self.hits += 1
        headers: dict[str, str] = {}
        if self.status == 429:
            headers["Retry-After"] = str(max(1, math.ceil(self.retry_after)))
            headers["X-RateLimit-Scope"] = self.scope or ("global" if self.global_ else "user")
            headers["Via"] = "1.1 google"
            if self.global_:
                headers["X-RateLimit-Global"] = "true"
            body = {
                "message": self.message or "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": self.global_,
                "code": self.code or 0,
            }
            return (self.body if self.body is not None else body), headers
        if self.body is not None:
            return self.body, headers
        code = self.code if self.code is not None else _default_code(self.status, template)
        message = self.message or (
            MESSAGES.get(code) if code else f"{self.status}: injected failure"
        )
        return {"code": code, "message": message}, headers


@dataclass(eq=False)
class Bucket:
    hash: str
    limit: int
    window: float
    count: int = 0
    started: float = 0.0

    def take(self, now: float) -> bool:
        if now >= self.started + self.window:
            self.started, self.count = now, 0
        self.count += 1
        return self.count <= self.limit

    def headers(self, now: float) -> dict[str, str]:
        # Rounded up, so that a client waiting exactly this long never arrives early.
        reset_after = math.ceil(max(self.started + self.window - now, 0.0) * 1000) / 1000
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(max(self.limit - self.count, 0)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": self.hash,
        }


class RateLimits:
    """Per route and major parameter (channel, guild, webhook), as Discord buckets requests."""

    def __init__(self, limit: int = 50, window: float = 1.0) -> None:
        self.limit = limit
        self.window = window
        self.overrides: list[tuple[str, int, float]] = []
        self._buckets: dict[tuple[str, str], Bucket] = {}

    def override(self, pattern: str, limit: int, window: float) -> None:
        self.overrides.insert(0, (pattern, limit, window))

    def bucket(self, method: str, path: str, template: str, major: str) -> Bucket:
        route = f"{method} {template}"
        key = (route, major)
        found = self._buckets.get(key)
        if found is None:
            limit, window = self.limit, self.window
            for pattern, pattern_limit, pattern_window in self.overrides:
                if route_matches(pattern, method, path, template):
                    limit, window = pattern_limit, pattern_window
                    break
            digest = hashlib.sha1(route.encode()).hexdigest()[:32]
            found = self._buckets[key] = Bucket(digest, limit, window)
        return found
