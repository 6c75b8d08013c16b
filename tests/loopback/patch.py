"""Pointing an unmodified discord.py at the stand-in: the two URLs it would take from Discord."""

from __future__ import annotations

from collections.abc import Callable

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route


def point_discord_at(base_url: str) -> Callable[[], None]:
    """Send discord.py's REST calls and gateway connections to `base_url`; returns the undo.

    `Route.BASE` is read whenever a Route is built, so REST calls, the webhook adapter
    (interaction callbacks, followups) and login all follow it. `DEFAULT_GATEWAY` is where a
    plain Client connects, and where it goes back to after an INVALID_SESSION; resumes use
    READY's `resume_gateway_url`.
    """
    base_url = base_url.rstrip("/")
    saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    Route.BASE = f"{base_url}/api/v10"
    ws_base = "ws" + base_url.removeprefix("http")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"{ws_base}/gateway/")

    def restore() -> None:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved

    return restore
