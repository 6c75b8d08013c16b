"""The REST API a bot uses, with Discord's permission checks, errors and rate-limit headers."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from .errors import ApiError
from .faults import route_matches
from .limits import check_commands, check_edit, check_message
from .model import JSON, Channel, Guild, Message, Permission, new_snowflake

if TYPE_CHECKING:
    from .server import LoopbackDiscord

_log = logging.getLogger(__name__)


@dataclass(eq=False)
class RequestRecord:
    """One request the bot made, as the stand-in saw it."""

    method: str
    path: str
    template: str | None
    params: dict[str, str]
    query: dict[str, str]
    body: Any = None
    files: list[JSON] = field(default_factory=list)
    status: int = 0

    def matches(self, pattern: str) -> bool:
        return self.template is not None and route_matches(
            pattern, self.method, self.path, self.template
        )

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass(eq=False)
class Call:
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    files: list[JSON]


Handler = Callable[["Rest", Call], Awaitable[Any]]
_TABLE: list[tuple[str, str, str, bool]] = []


def route(method: str, template: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _TABLE.append((method, template, handler.__name__, auth))
        return handler

    return register


@dataclass(frozen=True)
class _Route:
    method: str
    template: str
    regex: re.Pattern[str]
    handler: str
    auth: bool


def _compile(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return re.compile(f"^{pattern}$")


class Rest:
    def __init__(self, host: LoopbackDiscord) -> None:
        self.host = host
        self.routes = [_Route(m, t, _compile(t), h, a) for m, t, h, a in _TABLE]

    def match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        allowed_elsewhere = None
        for candidate in self.routes:
            found = candidate.regex.match(path)
            if found is None:
                continue
            if candidate.method == method:
                return candidate, found.groupdict()
            allowed_elsewhere = candidate
        return (
            (None, {"_wrong_method": allowed_elsewhere.template})
            if allowed_elsewhere
            else (None, {})
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        host = self.host
        path = "/" + request.match_info["tail"]
        spec, params = self.match(request.method, path)
        record = RequestRecord(
            request.method, path, spec.template if spec else None, params, dict(request.query)
        )
        host.request_log.append(record)
        host.activity(+1)
        try:
            response = await self._process(request, spec, record)
        except Exception as error:
            # A bug in the stand-in must fail the test rather than look like a Discord outage.
            _log.exception("stand-in failed on %s %s", record.method, record.path)
            host.record(
                "stand-in", f"{record.method} {record.path} crashed the stand-in: {error!r}"
            )
            response = _json(500, {"code": 0, "message": "500: Internal Server Error"})
        finally:
            host.activity(-1)
        record.status = response.status
        host.changed()
        return response

    async def _process(
        self, request: web.Request, spec: _Route | None, record: RequestRecord
    ) -> web.Response:
        host = self.host
        if request.match_info["version"] != "10":
            host.record(
                "unsupported", f"{request.method} {request.path}: API version other than 10"
            )
            return _json(404, {"code": 0, "message": "404: Not Found"})
        if spec is None:
            status = 405 if "_wrong_method" in record.params else 404
            host.record(
                "unsupported", f"{record.method} {record.path}: the stand-in has no such route"
            )
            return _json(status, {"code": 0, "message": f"{status}: Not Found"})
        if spec.auth and request.headers.get("Authorization") != f"Bot {host.token}":
            return _json(401, {"code": 0, "message": "401: Unauthorized"})
        try:
            record.body, record.files = await _read_body(request)
        except ApiError as error:
            return _json(error.status, error.body)
        now = host.now()
        bucket = host.rate_limits.bucket(
            record.method, record.path, spec.template, _major(record.params)
        )
        within_limit = bucket.take(now)
        headers = bucket.headers(now)
        for fault in host.faults:
            if fault.active and route_matches(
                fault.pattern, record.method, record.path, spec.template
            ):
                body, extra = fault.answer(spec.template)
                if fault.global_:
                    headers = {}
                return _json(fault.status, body, {**headers, **extra})
        if not within_limit:
            host.rate_limited += 1
            retry_after = float(headers["X-RateLimit-Reset-After"])
            body = {
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": False,
            }
            extra = {
                "Retry-After": str(int(retry_after) + 1),
                "X-RateLimit-Scope": "user",
                "Via": "1.1 google",
            }
            return _json(429, body, {**headers, **extra})
        call = Call(record.params, record.query, record.body, record.files)
        try:
            result = await getattr(self, spec.handler)(call)
        except ApiError as error:
            return _json(error.status, error.body, headers)
        if result is None:
            return web.Response(status=204, headers=headers)
        return _json(200, result, headers)

    # Checks shared by the channel routes

    def channel(self, channel_id: str, *, need: int = 0) -> Channel:
        channel = self.host.find_channel(int(channel_id)) if channel_id.isdigit() else None
        if channel is None or channel.deleted:
            raise ApiError(404, 10003)
        if channel.forbidden_code is not None:
            raise ApiError(403, channel.forbidden_code)
        held = channel.permissions_for(channel.guild.bot_member)
        if not held & Permission.VIEW_CHANNEL:
            raise ApiError(403, 50001)
        if need & ~held:
            raise ApiError(403, 50013)
        return channel

    def message(self, channel: Channel, message_id: str) -> Message:
        for message in channel.messages:
            if str(message.id) == message_id and not message.deleted and not message.ephemeral:
                return message
        raise ApiError(404, 10008)

    def application(self, application_id: str) -> None:
        if application_id != str(self.host.application_id):
            raise ApiError(403, 50001)

    # Session and application

    @route("GET", "/gateway", auth=False)
    async def get_gateway(self, call: Call) -> JSON:
        return {"url": self.host.gateway_url}

    @route("GET", "/gateway/bot")
    async def get_gateway_bot(self, call: Call) -> JSON:
        host = self.host
        limit = {
            "total": 1000,
            "remaining": 999,
            "reset_after": 0,
            "max_concurrency": host.max_concurrency,
        }
        return {
            "url": host.gateway_url,
            "shards": host.recommended_shards,
            "session_start_limit": limit,
        }

    @route("GET", "/users/@me")
    async def get_me(self, call: Call) -> JSON:
        return {
            **self.host.bot_user.payload(),
            "verified": True,
            "mfa_enabled": False,
            "locale": "en-US",
        }

    @route("GET", "/oauth2/applications/@me")
    async def get_application(self, call: Call) -> JSON:
        host = self.host
        owner = {**host.bot_user.payload(), "id": str(host.owner_user.id), "username": "operator"}
        owner["bot"] = False
        return {
            "id": str(host.application_id),
            "name": host.bot_user.name,
            "icon": None,
            "description": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "flags": 0,
            "owner": owner,
            "team": None,
            "bot": host.bot_user.payload(),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
            "approximate_guild_count": len(host.guilds),
            "tags": [],
        }

    # Commands

    @route("GET", "/applications/{application_id}/commands")
    async def get_global_commands(self, call: Call) -> list[JSON]:
        self.application(call.params["application_id"])
        return self.host.global_commands

    @route("PUT", "/applications/{application_id}/commands")
    async def put_global_commands(self, call: Call) -> list[JSON]:
        self.application(call.params["application_id"])
        self.host.global_commands = self._overwrite(self.host.global_commands, call.body, None)
        return self.host.global_commands

    @route("GET", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def get_guild_commands(self, call: Call) -> list[JSON]:
        self.application(call.params["application_id"])
        return self.host.guild_commands(self._guild(call.params["guild_id"]))

    @route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def put_guild_commands(self, call: Call) -> list[JSON]:
        self.application(call.params["application_id"])
        guild = self._guild(call.params["guild_id"])
        commands = self._overwrite(self.host.guild_commands(guild), call.body, guild.id)
        self.host.set_guild_commands(guild, commands)
        return commands

    def _guild(self, guild_id: str) -> Guild:
        guild = self.host.get_guild(int(guild_id)) if guild_id.isdigit() else None
        if guild is None:
            raise ApiError(404, 10004)
        return guild

    def _overwrite(self, existing: list[JSON], body: Any, guild_id: int | None) -> list[JSON]:
        if not isinstance(body, list):
            raise ApiError(400, 50035, "Invalid Form Body")
        where = "global commands" if guild_id is None else f"commands of guild {guild_id}"
        self.host.reject(check_commands(body), f"bulk overwrite of {where}")
        ids = {(c.get("type", 1), c["name"]): c["id"] for c in existing}
        stored = []
        for command in body:
            kind = command.get("type", 1)
            permissions = command.get("default_member_permissions")
            entry = {
                "id": ids.get((kind, command["name"])) or str(new_snowflake()),
                "application_id": str(self.host.application_id),
                "version": str(new_snowflake()),
                "type": kind,
                "name": command["name"],
                "name_localizations": command.get("name_localizations"),
                "description": command.get("description", ""),
                "description_localizations": command.get("description_localizations"),
                "options": command.get("options") or [],
                "default_member_permissions": None if permissions is None else str(permissions),
                "dm_permission": command.get("dm_permission", True),
                "contexts": command.get("contexts"),
                "integration_types": command.get("integration_types") or [0],
                "nsfw": command.get("nsfw", False),
            }
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            stored.append(entry)
        return stored

    # Interactions

    @route("POST", "/interactions/{interaction_id}/{interaction_token}/callback", auth=False)
    async def interaction_callback(self, call: Call) -> JSON | None:
        desk = self.host.desk
        record = desk.for_callback(call.params["interaction_id"], call.params["interaction_token"])
        return desk.callback(record, call.body, call.files, call.query)

    @route("POST", "/webhooks/{webhook_id}/{webhook_token}", auth=False)
    async def execute_webhook(self, call: Call) -> JSON | None:
        desk = self.host.desk
        record = desk.for_webhook(call.params["webhook_id"], call.params["webhook_token"])
        return desk.followup(record, call.body, call.files, call.query)

    @route("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", auth=False)
    async def get_webhook_message(self, call: Call) -> JSON:
        desk = self.host.desk
        record = desk.for_webhook(call.params["webhook_id"], call.params["webhook_token"])
        return desk.message_of(record, call.params["message_id"]).payload()

    @route("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", auth=False)
    async def edit_webhook_message(self, call: Call) -> JSON:
        desk = self.host.desk
        record = desk.for_webhook(call.params["webhook_id"], call.params["webhook_token"])
        return desk.edit(record, call.params["message_id"], call.body, call.files)

    @route("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", auth=False)
    async def delete_webhook_message(self, call: Call) -> None:
        desk = self.host.desk
        record = desk.for_webhook(call.params["webhook_id"], call.params["webhook_token"])
        desk.delete(record, call.params["message_id"])

    # Channels and messages

    @route("GET", "/channels/{channel_id}")
    async def get_channel(self, call: Call) -> JSON:
        return self.channel(call.params["channel_id"]).payload()

    @route("POST", "/channels/{channel_id}/typing")
    async def trigger_typing(self, call: Call) -> None:
        self.channel(call.params["channel_id"], need=Permission.SEND_MESSAGES)

    @route("GET", "/channels/{channel_id}/messages")
    async def get_messages(self, call: Call) -> list[JSON]:
        channel = self.channel(call.params["channel_id"], need=Permission.READ_MESSAGE_HISTORY)
        visible = [m for m in channel.messages if not m.deleted and not m.ephemeral]
        before, after = call.query.get("before"), call.query.get("after")
        if before:
            visible = [m for m in visible if m.id < int(before)]
        if after:
            visible = [m for m in visible if m.id > int(after)]
        limit = int(call.query.get("limit", 50))
        newest_first = list(reversed(visible))
        return [m.payload() for m in (newest_first[-limit:] if after else newest_first[:limit])]

    @route("GET", "/channels/{channel_id}/messages/{message_id}")
    async def get_message(self, call: Call) -> JSON:
        channel = self.channel(call.params["channel_id"], need=Permission.READ_MESSAGE_HISTORY)
        return self.message(channel, call.params["message_id"]).payload()

    @route("POST", "/channels/{channel_id}/messages")
    async def create_message(self, call: Call) -> JSON:
        host = self.host
        channel = self.channel(call.params["channel_id"], need=Permission.SEND_MESSAGES)
        body = call.body if isinstance(call.body, dict) else {}
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            earlier = host.find_by_nonce(channel, nonce)
            if earlier is not None:
                host.nonce_hits += 1
                return earlier.payload()
        what = f"message to #{channel.name}"
        host.reject(check_message(body), what)
        host.check_not_empty(body, what)
        reference = body.get("message_reference")
        if reference:
            self._check_reference(channel, reference)
        host.check_pings(body, what, reply=bool(reference))
        flags = (body.get("flags") or 0) & ((1 << 2) | (1 << 12) | Message.COMPONENTS_V2)
        message = host.create_message(
            channel, body, files=call.files, flags=flags, type=19 if reference else 0
        )
        return message.payload()

    def _check_reference(self, channel: Channel, reference: JSON) -> None:
        held = channel.permissions_for(channel.guild.bot_member)
        if not held & Permission.READ_MESSAGE_HISTORY:
            raise ApiError(403, 50013)
        target = str(reference.get("message_id"))
        exists = any(str(m.id) == target and not m.deleted for m in channel.messages)
        if not exists and reference.get("fail_if_not_exists", True):
            errors = {
                "message_reference": {
                    "_errors": [{"code": "REPLIES_UNKNOWN_MESSAGE", "message": "Unknown message"}]
                }
            }
            raise ApiError(
                400, body={"code": 50035, "message": "Invalid Form Body", "errors": errors}
            )

    @route("PATCH", "/channels/{channel_id}/messages/{message_id}")
    async def edit_message(self, call: Call) -> JSON:
        host = self.host
        channel = self.channel(call.params["channel_id"])
        message = self.message(channel, call.params["message_id"])
        if message.author.id != host.bot_user.id:
            raise ApiError(403, 50005)
        body = call.body if isinstance(call.body, dict) else {}
        what = f"edit of message {message.id} in #{channel.name}"
        host.reject(check_edit(message.snapshot(), body), what)
        host.check_pings(
            {**body, "allowed_mentions": body.get("allowed_mentions", message.allowed_mentions)},
            what,
        )
        host.edit_message(message, body, call.files)
        return message.payload()

    @route("DELETE", "/channels/{channel_id}/messages/{message_id}")
    async def delete_message(self, call: Call) -> None:
        channel = self.channel(call.params["channel_id"])
        message = self.message(channel, call.params["message_id"])
        own = message.author.id == self.host.bot_user.id
        if (
            not own
            and not channel.permissions_for(channel.guild.bot_member) & Permission.MANAGE_MESSAGES
        ):
            raise ApiError(403, 50013)
        self.host.delete_message(message)

    # Guilds

    @route("GET", "/guilds/{guild_id}")
    async def get_guild(self, call: Call) -> JSON:
        data = self._guild(call.params["guild_id"]).payload(all_members=False)
        for key in ("members", "channels", "threads", "presences", "voice_states", "joined_at"):
            data.pop(key, None)
        return data

    @route("GET", "/guilds/{guild_id}/channels")
    async def get_guild_channels(self, call: Call) -> list[JSON]:
        guild = self._guild(call.params["guild_id"])
        return [c.payload() for c in guild.channels.values()]

    @route("GET", "/guilds/{guild_id}/roles")
    async def get_roles(self, call: Call) -> list[JSON]:
        return [r.payload() for r in self._guild(call.params["guild_id"]).roles.values()]

    @route("GET", "/guilds/{guild_id}/members/{user_id}")
    async def get_member(self, call: Call) -> JSON:
        guild = self._guild(call.params["guild_id"])
        member = (
            guild.members.get(int(call.params["user_id"]))
            if call.params["user_id"].isdigit()
            else None
        )
        if member is None:
            raise ApiError(404, 10007, "Unknown Member")
        return member.payload()


def _major(params: dict[str, str]) -> str:
    for keys in (
        ("channel_id",),
        ("guild_id",),
        ("webhook_id", "webhook_token"),
        ("interaction_id",),
    ):
        if all(k in params for k in keys):
            return "+".join(params[k] for k in keys)
    return ""


async def _read_body(request: web.Request) -> tuple[Any, list[JSON]]:
    if request.content_type.startswith("multipart/"):
        body: Any = None
        files: list[JSON] = []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, aiohttp.BodyPartReader):
                continue
            if part.name == "payload_json":
                body = json.loads(await part.text())
            else:
                data = await part.read()
                content_type = part.headers.get("Content-Type", "application/octet-stream")
                files.append(
                    {
                        "field": part.name,
                        "filename": part.filename,
                        "content_type": content_type,
                        "data": bytes(data),
                    }
                )
        return body, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        raise ApiError(400, 50109, "The request body contains invalid JSON.") from None


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py parses JSON only when the content type is exactly this, as Discord sends it.
    all_headers = {**(headers or {}), "Content-Type": "application/json"}
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)
