"""The stand-in itself: Discord's state, served as REST and gateway on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from aiohttp import web

from .actions import MemberActions
from .callbacks import InteractionDesk
from .errors import ApiError, Violation
from .faults import Fault, RateLimits
from .gateway import Gateway, Op, Session
from .interactions import InteractionRecord
from .limits import (
    FieldError,
    embed_mentions,
    invalid_form_body,
    is_empty_message,
    pings,
    text_displays,
)
from .messages import MessageStore
from .model import (
    BOT_DEFAULT,
    EVERYONE_DEFAULT,
    JSON,
    Channel,
    Guild,
    Message,
    User,
    new_snowflake,
    snowflake_on_shard,
)
from .process import BotProcess
from .rest import RequestRecord, Rest

_T = TypeVar("_T")
_log = logging.getLogger(__name__)


class LoopbackDiscord(MemberActions, MessageStore):
    """A stand-in for Discord that an unmodified discord.py client talks to, as it talks to Discord.

    Tests build servers with `add_guild`, act as members with `slash`, `autocomplete`, `click`,
    `select` and `submit_modal`, inject failures with `fail`, `drop` and `Channel.forbid`, and read
    what the bot did from `channel_messages`, `requests` and `violations`.
    """

    def __init__(self, *, bot_name: str = "reviewbot", token: str | None = None) -> None:
        self.token = token or f"loopback.{secrets.token_urlsafe(24)}"
        self.application_id = new_snowflake()
        self.bot_user = User(self.application_id, bot_name, bot=True)
        self.owner_user = User(new_snowflake(), "operator")
        self.guilds: list[Guild] = []
        self.global_commands: list[JSON] = []
        self._guild_commands: dict[int, list[JSON]] = {}
        self.request_log: list[RequestRecord] = []
        self.violations: list[Violation] = []
        self.notes: list[str] = []
        self.faults: list[Fault] = []
        self.rate_limits = RateLimits()
        self.rate_limited = 0
        self.nonce_hits = 0
        self.interactions: dict[int, InteractionRecord] = {}
        self.interactions_by_token: dict[str, InteractionRecord] = {}

        # Discord's real values; tests may shorten them.
        self.response_deadline = 3.0
        self.heartbeat_interval = 41.25
        self.answer_heartbeats = True  # False: a gateway that never acknowledges one
        self.nonce_window = datetime.timedelta(minutes=5)
        # How long a call waits for the bot, and how long the bot must be quiet before it returns.
        self.interaction_timeout = 5.0
        self.settle_time = 0.05
        # Privileged intents the application has been granted in the developer portal.
        self.privileged_intents = 0
        # Sharding: what /gateway/bot recommends and allows, how many servers one session may
        # carry before Discord closes it with 4011, and the window of `max_concurrency`
        # IDENTIFYs (one per bucket); tests may change them.
        self.recommended_shards = 1
        self.max_concurrency = 1
        self.max_guilds_per_shard = 2500
        self.identify_window = 5.0

        self.gateway = Gateway(self)
        self.rest = Rest(self)
        self.desk = InteractionDesk(self)
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Event()
        self._in_flight = 0
        self._last_activity = 0.0
        self._open_records: list[InteractionRecord] = []
        self._processes: list[BotProcess] = []

    # Lifecycle and addresses

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/v{version}/{tail:.*}", self.rest.handle)
        for path in ("/gateway", "/gateway/", "/resume", "/resume/"):
            app.router.add_get(path, self.gateway.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for process in self._processes:
            await process.kill()
            process.remove_log()
        await self.gateway.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LoopbackDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return f"{self.url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/resume"

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    # Servers

    def add_guild(
        self,
        name: str = "Alpha",
        *,
        bot_permissions: Any = BOT_DEFAULT,
        everyone_permissions: Any = EVERYONE_DEFAULT,
        locale: str = "en-US",
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """A server the bot is in, with #general, @everyone, an owner and the bot's own role;
        with `shard` (id, count), one whose id puts it on that shard."""
        guild = Guild(
            self,
            name,
            bot_user=self.bot_user,
            bot_permissions=bot_permissions,
            everyone_permissions=everyone_permissions,
            locale=locale,
            id=None if shard is None else snowflake_on_shard(*shard),
        )
        self.guilds.append(guild)
        self.gateway.announce(guild)
        return guild

    def get_guild(self, guild_id: int) -> Guild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def find_channel(self, channel_id: int) -> Channel | None:
        for guild in self.guilds:
            found = guild.channels.get(channel_id)
            if found is not None:
                return found
        return None

    def emit(self, event: str, data: JSON) -> None:
        self.gateway.emit(event, data)

    # What the bot did

    def guild_commands(self, guild: Guild) -> list[JSON]:
        return self._guild_commands.get(guild.id, [])

    def set_guild_commands(self, guild: Guild, commands: list[JSON]) -> None:
        self._guild_commands[guild.id] = commands

    def command(self, name: str, guild: Guild | None = None) -> JSON:
        """A registered command by name (a guild's own commands when `guild` is given)."""
        commands = self.global_commands if guild is None else self.guild_commands(guild)
        for command in commands:
            if command["name"] == name:
                return command
        raise KeyError(
            f"no command {name!r} registered {'globally' if guild is None else f'in {guild.name}'}"
        )

    def requests(
        self, pattern: str | None = None, *, status: int | None = None
    ) -> list[RequestRecord]:
        """Requests the bot made; `pattern` as in `fail` (e.g. "POST /channels/123/messages")."""
        found = [r for r in self.request_log if pattern is None or r.matches(pattern)]
        return [r for r in found if status is None or r.status == status]

    def count(self, pattern: str, *, status: int | None = None) -> int:
        return len(self.requests(pattern, status=status))

    # Rules

    def record(self, kind: str, detail: str) -> None:
        _log.warning("Discord rule broken: [%s] %s", kind, detail)
        self.violations.append(Violation(kind, detail))

    def take_violations(self, kind: str | None = None) -> list[Violation]:
        """Remove and return recorded violations (of one kind), for tests causing them."""
        taken = [v for v in self.violations if kind is None or v.kind == kind]
        self.violations = [v for v in self.violations if v not in taken]
        return taken

    def reject(self, errors: list[FieldError], what: str) -> None:
        if errors:
            self.record("limit", f"{what}: " + "; ".join(map(str, errors)))
            raise ApiError(400, body=invalid_form_body(errors))

    def check_not_empty(
        self, body: JSON, what: str, record: InteractionRecord | None = None
    ) -> None:
        if is_empty_message(body):
            self.record("invalid", f"{what}: empty message")
            if record is not None:
                record.rejected.append("empty message")
            raise ApiError(400, 50006)

    def check_pings(self, body: JSON, what: str, *, reply: bool = False) -> None:
        # A components v2 message's text displays ping as its content would.
        texts = [body.get("content") or "", *text_displays(body.get("components") or [])]
        found = pings("\n".join(texts), body.get("allowed_mentions"), reply=reply)
        if found:
            allowed = body.get("allowed_mentions")
            self.record(
                "ping", f"{what} could ping {', '.join(found)} (allowed_mentions={allowed})"
            )
        shown = embed_mentions(body.get("embeds") or [])
        if shown:
            self.notes.append(f"{what}: embed text shows mentions {shown} (they never ping)")

    # Waiting

    def changed(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def activity(self, delta: int) -> None:
        self._in_flight += delta
        self._last_activity = self.now()

    async def _wait_change(self, within: float) -> None:
        event = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), max(within, 0.001))

    async def wait_for(
        self, predicate: Callable[[], _T | None], within: float = 5.0, what: str = "condition"
    ) -> _T:
        """Wait until `predicate()` returns something truthy; checked whenever the bot acts."""
        give_up = self.now() + within
        while not (result := predicate()):
            remaining = give_up - self.now()
            if remaining <= 0:
                raise AssertionError(f"timed out after {within:g}s waiting for {what}")
            await self._wait_change(min(remaining, 0.05))
        return result

    async def wait_for_message(
        self,
        channel: Channel,
        check: Callable[[Message], bool] | None = None,
        within: float = 5.0,
    ) -> Message:
        """The first (not deleted) message in `channel` passing `check`, waiting if need be."""

        def found() -> Message | None:
            return next(
                (m for m in self.channel_messages(channel) if check is None or check(m)), None
            )

        return await self.wait_for(found, within, f"a message in #{channel.name}")

    async def wait_for_ready_clients(self, count: int = 1, within: float = 10.0) -> Session:
        """Wait until `count` IDENTIFYs in all got READY; returns the newest session."""
        await self.wait_for(
            lambda: self.gateway.ready_count >= count, within, f"{count} READY clients"
        )
        return list(self.gateway.sessions.values())[-1]

    async def wait_for_resume(self, count: int = 1, within: float = 5.0) -> None:
        """Wait until `count` RESUMEs in total have succeeded."""
        await self.wait_for(lambda: self.gateway.resume_count >= count, within, f"{count} resumes")

    @property
    def sessions(self) -> list[Session]:
        return list(self.gateway.sessions.values())

    # Failures on demand

    def fail(
        self,
        route: str,
        status: int,
        *,
        times: int | None = 1,
        code: int | None = None,
        message: str | None = None,
        retry_after: float = 0.05,
        global_: bool = False,
        scope: str | None = None,
        body: Any = None,
    ) -> Fault:
        """Answer the next `times` requests matching `route` with `status` (None: until cleared).

        `route` is "[METHOD ]PATH" where PATH is a template ("/channels/{channel_id}/messages") or a
        glob over concrete paths ("/channels/123/messages", "/channels/*"). 429 answers carry
        `retry_after` and Discord's headers (`global_` for the global limit); 403 defaults to code
        50013 Missing Permissions, 404 to the route's Unknown … code.
        """
        fault = Fault(route, status, times, code, message, retry_after, global_, scope, body)
        self.faults.append(fault)
        return fault

    def limit_rate(self, route: str, limit: int, window: float) -> None:
        """Give matching routes a smaller bucket than the generous default."""
        self.rate_limits.override(route, limit, window)

    async def drop(
        self, *, close_code: int = 4000, abrupt: bool = False, resumable: bool = True
    ) -> int:
        """Close the bot's gateway connections (with a close frame, or `abrupt`ly cutting TCP)."""
        dropped = await self.gateway.drop(close_code=close_code, abrupt=abrupt, resumable=resumable)
        await self.wait_for(
            lambda: not self.gateway.live_connections(), 5.0, "connections to close"
        )
        return dropped

    @contextlib.asynccontextmanager
    async def disconnected(
        self, *, close_code: int = 4000, abrupt: bool = False
    ) -> AsyncIterator[None]:
        """Drop the bot and hold its reconnection until the block ends; missed events replay."""
        self.gateway.hold()
        try:
            await self.drop(close_code=close_code, abrupt=abrupt)
            yield
        finally:
            self.gateway.release()

    def request_reconnect(self) -> int:
        """Send op 7 RECONNECT: the bot should close and RESUME."""
        return self.gateway.send_op(Op.RECONNECT)

    def invalidate_session(self, resumable: bool = False) -> int:
        """Send op 9 INVALID_SESSION: the bot should IDENTIFY anew (or resume when `resumable`)."""
        if not resumable:
            for session in self.gateway.sessions.values():
                session.invalid = True
        return self.gateway.send_op(Op.INVALID_SESSION, resumable)

    # Processes (see launch.py)

    async def spawn(
        self,
        module: str,
        *args: str,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> BotProcess:
        """Run `python -m MODULE ARGS` as a process using the stand-in (token in DISCORD_TOKEN).

        The process is killed when the stand-in stops; `wait_for_ready_clients` says when it is up.
        """
        process = await BotProcess.start(self, module, *args, env=env, cwd=cwd)
        self._processes.append(process)
        return process
