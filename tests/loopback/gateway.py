"""The gateway: a websocket speaking Discord's protocol (HELLO, IDENTIFY, READY, RESUME, ...)."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

if TYPE_CHECKING:
    from .model import Guild
    from .server import LoopbackDiscord

JSON = dict[str, Any]
_log = logging.getLogger(__name__)


class Op(enum.IntEnum):
    DISPATCH = 0
    HEARTBEAT = 1
    IDENTIFY = 2
    PRESENCE_UPDATE = 3
    VOICE_STATE_UPDATE = 4
    RESUME = 6
    RECONNECT = 7
    REQUEST_GUILD_MEMBERS = 8
    INVALID_SESSION = 9
    HELLO = 10
    HEARTBEAT_ACK = 11


class Intent(enum.IntFlag):
    GUILDS = 1 << 0
    GUILD_MEMBERS = 1 << 1
    GUILD_PRESENCES = 1 << 8
    GUILD_MESSAGES = 1 << 9
    MESSAGE_CONTENT = 1 << 15


PRIVILEGED = Intent.GUILD_MEMBERS | Intent.GUILD_PRESENCES | Intent.MESSAGE_CONTENT

_EVENT_INTENTS = {
    "GUILD_CREATE": Intent.GUILDS,
    "GUILD_UPDATE": Intent.GUILDS,
    "GUILD_DELETE": Intent.GUILDS,
    "GUILD_ROLE_CREATE": Intent.GUILDS,
    "GUILD_ROLE_UPDATE": Intent.GUILDS,
    "GUILD_ROLE_DELETE": Intent.GUILDS,
    "CHANNEL_CREATE": Intent.GUILDS,
    "CHANNEL_UPDATE": Intent.GUILDS,
    "CHANNEL_DELETE": Intent.GUILDS,
    "GUILD_MEMBER_ADD": Intent.GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": Intent.GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": Intent.GUILD_MEMBERS,
    "MESSAGE_CREATE": Intent.GUILD_MESSAGES,
    "MESSAGE_UPDATE": Intent.GUILD_MESSAGES,
    "MESSAGE_DELETE": Intent.GUILD_MESSAGES,
}

# Close codes after which Discord forgets the session.
_FINAL_CLIENT_CLOSES = {1000, 1001}


def shard_of(guild_id: int, count: int) -> int:
    """The shard whose session carries a server's events, as Discord routes them."""
    return (guild_id >> 22) % count


def guild_of(event: str, data: JSON) -> int | None:
    """The server an event is about, if any."""
    if "guild_id" in data:
        return int(data["guild_id"])
    if event.startswith("GUILD_") and "id" in data:
        return int(data["id"])
    return None


class Connection:
    """One websocket; frames go out in order through a queue so that sync code can send."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.ws = ws
        self.request = request
        self.query = dict(request.query)
        self.compression = self.query.get("compress")
        self.session: Session | None = None
        self.heartbeats = 0
        self.frames_sent = 0
        self.closed_by_server = False
        self._queue: asyncio.Queue[JSON | None] = asyncio.Queue()
        self._zlib = zlib.compressobj() if self.compression == "zlib-stream" else None

    def send(self, frame: JSON) -> None:
        self._queue.put_nowait(frame)

    def stop(self) -> None:
        self._queue.put_nowait(None)

    async def write_loop(self) -> None:
        while (frame := await self._queue.get()) is not None:
            if self.ws.closed:
                continue
            text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
            try:
                if self._zlib is not None:
                    data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                continue
            self.frames_sent += 1

    async def close(self, code: int, message: str = "") -> None:
        self.closed_by_server = True
        await self.ws.close(code=code, message=message.encode())

    def abort(self) -> None:
        """Cut the TCP connection without a close frame, as a network failure would."""
        self.closed_by_server = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()


@dataclass(eq=False)
class Session:
    id: str
    intents: int
    identify: JSON
    bot_id: int
    seq: int = 0
    backlog: list[JSON] = field(default_factory=list)
    connection: Connection | None = None
    invalid: bool = False
    resumes: int = 0
    heartbeats: int = 0
    presence_updates: list[JSON] = field(default_factory=list)
    shard: tuple[int, int] = (0, 1)  # [id, count] as identified; unsharded is shard 0 of 1
    identified_at: float = 0.0

    @property
    def connected(self) -> bool:
        return self.connection is not None and not self.connection.ws.closed

    def owns(self, guild_id: int | None) -> bool:
        """Whether this session carries the server's events (those of no server: shard 0's)."""
        shard_id, count = self.shard
        return shard_of(guild_id or 0, count) == shard_id

    def wants(self, event: str, data: JSON | None = None) -> bool:
        # Sent for the bot's own member whatever the intents (Discord's gateway caveats).
        user = (data or {}).get("user") or {}
        if event == "GUILD_MEMBER_UPDATE" and user.get("id") == str(self.bot_id):
            return True
        needed = _EVENT_INTENTS.get(event)
        return needed is None or bool(self.intents & needed)

    def dispatch(self, event: str, data: JSON) -> None:
        self.seq += 1
        frame = {"op": Op.DISPATCH, "t": event, "s": self.seq, "d": data}
        self.backlog.append(frame)
        if self.connection is not None:
            self.connection.send(frame)

    def visible(self, event: str, data: JSON) -> JSON:
        """Without the message content intent, other people's messages arrive without content."""
        if not event.startswith("MESSAGE_") or self.intents & Intent.MESSAGE_CONTENT:
            return data
        author = (data.get("author") or {}).get("id")
        if author == str(self.bot_id):
            return data
        return {**data, "content": "", "embeds": [], "components": [], "attachments": []}


class Gateway:
    def __init__(self, host: LoopbackDiscord) -> None:
        self.host = host
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.identify_count = 0
        self.identifies: list[Session] = []  # in the order they were let in
        self.ready_count = 0
        self.resume_count = 0
        self.heartbeats = 0
        self.closes: list[int | None] = []
        self._open = asyncio.Event()
        self._open.set()
        self._stopping = False
        self._tasks: set[asyncio.Task[None]] = set()

    # Lifecycle

    def hold(self) -> None:
        """New connections wait (the upgrade is not answered) until `release()`."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    async def stop(self) -> None:
        self._stopping = True
        self._open.set()
        for connection in list(self.connections):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(1001), 1.0)
        for task in list(self._tasks):
            task.cancel()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        await self._open.wait()
        if self._stopping:
            return web.Response(status=503, text="stopping")
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        connection = Connection(ws, request)
        self.connections.add(connection)
        writer = asyncio.create_task(connection.write_loop())
        self._tasks.add(writer)
        if connection.compression not in (None, "zlib-stream"):
            self.host.record(
                "gateway", f"unsupported transport compression {connection.compression!r}"
            )
            await connection.close(4000, "unsupported compression")
        else:
            interval = int(self.host.heartbeat_interval * 1000)
            connection.send(
                {"op": Op.HELLO, "d": {"heartbeat_interval": interval}, "s": None, "t": None}
            )
        try:
            async for message in ws:
                if message.type is WSMsgType.TEXT:
                    await self._receive(connection, message.data)
                elif message.type is WSMsgType.BINARY:
                    await connection.close(4002, "Error while decoding payload.")
        except Exception as error:
            _log.exception("the stand-in's gateway failed")
            self.host.record("stand-in", f"gateway crashed: {error!r}")
            await connection.close(4000, "stand-in failure")
        finally:
            self.connections.discard(connection)
            connection.stop()
            await asyncio.gather(writer, return_exceptions=True)
            self._tasks.discard(writer)
            self._detach(connection, ws.close_code)
        return ws

    def _detach(self, connection: Connection, code: int | None) -> None:
        self.closes.append(code)
        session = connection.session
        if session is None or session.connection is not connection:
            return
        session.connection = None
        if not connection.closed_by_server and code in _FINAL_CLIENT_CLOSES:
            session.invalid = True
        self.host.changed()

    # Incoming frames

    async def _receive(self, connection: Connection, text: str) -> None:
        try:
            payload = json.loads(text)
            op, data = payload["op"], payload.get("d")
        except (ValueError, KeyError, TypeError):
            await connection.close(4002, "Error while decoding payload.")
            return
        if op == Op.HEARTBEAT:
            connection.heartbeats += 1
            self.heartbeats += 1
            if connection.session is not None:
                connection.session.heartbeats += 1
            if self.host.answer_heartbeats:
                connection.send({"op": Op.HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == Op.IDENTIFY:
            await self._identify(connection, data or {})
        elif op == Op.RESUME:
            await self._resume(connection, data or {})
        elif connection.session is None:
            await connection.close(4003, "Not authenticated.")
        elif op == Op.PRESENCE_UPDATE:
            connection.session.presence_updates.append(data)
        elif op == Op.REQUEST_GUILD_MEMBERS:
            self._send_members(connection.session, data or {})
        elif op != Op.VOICE_STATE_UPDATE:
            await connection.close(4001, "Unknown opcode.")
        self.host.changed()

    async def _identify(self, connection: Connection, data: JSON) -> None:
        if connection.session is not None:
            await connection.close(4005, "Already authenticated.")
            return
        if data.get("token") != self.host.token:
            await connection.close(4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await connection.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED & ~self.host.privileged_intents:
            await connection.close(4014, "Disallowed intent(s).")
            return
        shard = _shard(data.get("shard", [0, 1]))
        if shard is None:
            await connection.close(4010, "Invalid shard.")
            return
        carried = [g for g in self.host.guilds if shard_of(g.id, shard[1]) == shard[0]]
        if len(carried) > self.host.max_guilds_per_shard:
            await connection.close(4011, "Sharding required.")
            return
        self._check_identify_rate(shard)
        self.identify_count += 1
        session = Session(secrets.token_hex(16), intents, data, self.host.bot_user.id)
        session.shard, session.identified_at = shard, self.host.now()
        self.sessions[session.id] = session
        self.identifies.append(session)
        session.connection = connection
        connection.session = session
        session.dispatch("READY", self._ready_payload(session, data, carried))
        for guild in carried:
            payload = guild.payload(all_members=bool(intents & Intent.GUILD_MEMBERS))
            session.dispatch("GUILD_CREATE", payload)
        self.ready_count += 1

    def _check_identify_rate(self, shard: tuple[int, int]) -> None:
        """Discord takes `max_concurrency` IDENTIFYs per window, one per bucket (shard id modulo
        max_concurrency); one sooner is a broken rule."""
        concurrency = self.host.max_concurrency
        bucket = shard[0] % concurrency
        now = self.host.now()
        for earlier in reversed(self.identifies):
            if earlier.shard[0] % concurrency != bucket:
                continue
            gap = now - earlier.identified_at
            if gap < self.host.identify_window:
                self.host.record(
                    "identify",
                    f"shard {shard[0]} identified {gap:.3f}s after shard {earlier.shard[0]} in"
                    f" bucket {bucket}; Discord allows one per {self.host.identify_window:g}s"
                    f" per bucket (max_concurrency {concurrency})",
                )
            return

    def _ready_payload(self, session: Session, identify: JSON, guilds: list[Guild]) -> JSON:
        payload: JSON = {
            "v": 10,
            "user": {**self.host.bot_user.payload(), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.host.resume_gateway_url,
            "application": {"id": str(self.host.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["loopback"],
            "auth": {},
        }
        if "shard" in identify:
            payload["shard"] = identify["shard"]
        return payload

    async def _resume(self, connection: Connection, data: JSON) -> None:
        if data.get("token") != self.host.token:
            await connection.close(4004, "Authentication failed.")
            return
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq") or 0
        if session is None or session.invalid:
            connection.send({"op": Op.INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        if seq > session.seq:
            await connection.close(4007, "Invalid seq.")
            return
        previous = session.connection
        if previous is not None and previous is not connection:
            previous.session = None
            await previous.close(4000, "Resumed elsewhere.")
        session.connection = connection
        connection.session = session
        for frame in session.backlog:
            if frame["s"] > seq:
                connection.send(frame)
        session.dispatch("RESUMED", {})
        session.resumes += 1
        self.resume_count += 1

    def _send_members(self, session: Session, data: JSON) -> None:
        guild = self.host.get_guild(int(data.get("guild_id", 0)))
        if guild is None:
            return
        wanted = {int(x) for x in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        members = [
            m
            for m in guild.members.values()
            if (m.id in wanted if wanted else m.name.lower().startswith(query))
        ]
        limit = data.get("limit") or 0
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": [m.payload() for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # Outgoing

    def emit(self, event: str, data: JSON) -> None:
        """Send an event to the sessions that want it, on the shard of its server."""
        guild_id = guild_of(event, data)
        for session in self.sessions.values():
            if not session.invalid and session.wants(event, data) and session.owns(guild_id):
                session.dispatch(event, session.visible(event, data))

    def announce(self, guild: Guild) -> None:
        """The bot joined a server: GUILD_CREATE, with members only for the members intent."""
        for session in self.sessions.values():
            if not session.invalid and session.wants("GUILD_CREATE") and session.owns(guild.id):
                all_members = bool(session.intents & Intent.GUILD_MEMBERS)
                session.dispatch("GUILD_CREATE", guild.payload(all_members=all_members))

    def live_session(self, guild_id: int | None = None) -> Session | None:
        """The newest session with an open connection on the server's shard, where Discord
        sends the server's interactions."""
        for session in reversed(self.sessions.values()):
            if not session.invalid and session.connected and session.owns(guild_id):
                return session
        return None

    def live_connections(self, session: Session | None = None) -> list[Connection]:
        found = [c for c in self.connections if c.session is not None and not c.ws.closed]
        return [c for c in found if session is None or c.session is session]

    async def drop(
        self,
        *,
        close_code: int = 4000,
        abrupt: bool = False,
        resumable: bool = True,
        where: Callable[[Connection], bool] | None = None,
    ) -> int:
        """Close the bot's connections; returns how many were closed."""
        dropped = [c for c in self.live_connections() if where is None or where(c)]
        for connection in dropped:
            if not resumable and connection.session is not None:
                connection.session.invalid = True
            if abrupt:
                connection.abort()
            else:
                await connection.close(close_code)
        return len(dropped)

    def send_op(self, op: Op, data: Any = None) -> int:
        connections = self.live_connections()
        for connection in connections:
            connection.send({"op": op, "d": data, "s": None, "t": None})
        return len(connections)


def _shard(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's `shard` as (id, count), or None unless it is two whole numbers, id < count."""
    if not isinstance(value, list) or len(value) != 2:
        return None
    shard_id, count = value
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in value):
        return None
    if not 0 <= shard_id < count:
        return None
    return shard_id, count
