"""Discord's objects as the stand-in keeps them: users, guilds, roles, members, messages."""

from __future__ import annotations

import datetime
import enum
import itertools
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

DISCORD_EPOCH_MS = 1_420_070_400_000
_increment = itertools.count()

JSON = dict[str, Any]
_T = TypeVar("_T")


def new_snowflake() -> int:
    """An id with the current time in it, as Discord makes them (discord.py reads the time back)."""
    millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (millis << 22) | (1 << 17) | (next(_increment) % 4096)


def snowflake_on_shard(shard_id: int, count: int) -> int:
    """A new id, made a few milliseconds early if need be, of a server on shard `shard_id`."""
    made = new_snowflake()
    millis = made >> 22
    return ((millis - (millis - shard_id) % count) << 22) | (made & ((1 << 22) - 1))


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class Permission(enum.IntFlag):
    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    USE_APPLICATION_COMMANDS = 1 << 31
    SEND_MESSAGES_IN_THREADS = 1 << 38


ALL_PERMISSIONS = (1 << 53) - 1

EVERYONE_DEFAULT = (
    Permission.CREATE_INSTANT_INVITE
    | Permission.ADD_REACTIONS
    | Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.CONNECT
    | Permission.SPEAK
    | Permission.CHANGE_NICKNAME
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.SEND_MESSAGES_IN_THREADS
)

BOT_DEFAULT = (
    Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.READ_MESSAGE_HISTORY
    | Permission.USE_APPLICATION_COMMANDS
)

# Without Send Messages in a text channel, Discord also takes these away.
_NEEDS_SEND = (
    Permission.MENTION_EVERYONE
    | Permission.SEND_TTS_MESSAGES
    | Permission.ATTACH_FILES
    | Permission.EMBED_LINKS
)


def as_bits(permissions: Any) -> int:
    """An int, a Permission flag or anything with a `.value` (such as discord.Permissions)."""
    if permissions is None:
        return 0
    if isinstance(permissions, int):
        return int(permissions)
    return int(permissions.value)


class Emitter(Protocol):
    def emit(self, event: str, data: JSON) -> None: ...


@dataclass(eq=False)
class User:
    id: int
    name: str
    bot: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.name,
            "global_name": None if self.bot else self.name,
            "avatar": None,
            "discriminator": "0",
            "public_flags": 0,
            "flags": 0,
            "bot": self.bot,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
            "collectibles": None,
            "primary_guild": None,
        }


@dataclass(eq=False)
class Overwrite:
    allow: int = 0
    deny: int = 0


@dataclass(eq=False)
class Role:
    guild: Guild
    id: int
    name: str
    permissions: int
    position: int
    mentionable: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    @property
    def is_everyone(self) -> bool:
        return self.id == self.guild.id

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.bot_id is not None,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data

    def edit(self, *, permissions: Any = None, name: str | None = None) -> None:
        """Change the role and tell the bot (GUILD_ROLE_UPDATE)."""
        if permissions is not None:
            self.permissions = as_bits(permissions)
        if name is not None:
            self.name = name
        self.guild.emit(
            "GUILD_ROLE_UPDATE", {"guild_id": str(self.guild.id), "role": self.payload()}
        )


@dataclass(eq=False)
class Member:
    guild: Guild
    user: User
    roles: list[Role]
    joined_at: datetime.datetime = field(default_factory=utcnow)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def mention(self) -> str:
        return self.user.mention

    def guild_permissions(self) -> int:
        if self.id == self.guild.owner_id:
            return ALL_PERMISSIONS
        bits = self.guild.everyone.permissions
        for role in self.roles:
            bits |= role.permissions
        return ALL_PERMISSIONS if bits & Permission.ADMINISTRATOR else bits

    def permissions_in(self, channel: Channel) -> int:
        return channel.permissions_for(self)

    def has(self, permissions: Any, channel: Channel | None = None) -> bool:
        bits = as_bits(permissions)
        held = self.guild_permissions() if channel is None else channel.permissions_for(self)
        return held & bits == bits

    def payload(self, *, permissions: int | None = None, user: bool = True) -> JSON:
        data: JSON = {
            "nick": None,
            "avatar": None,
            "banner": None,
            "roles": [str(role.id) for role in self.roles],
            "joined_at": iso(self.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if user:
            data["user"] = self.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data

    def add_role(self, role: Role) -> None:
        if role not in self.roles:
            self.roles.append(role)
            self._updated()

    def remove_role(self, role: Role) -> None:
        if role in self.roles:
            self.roles.remove(role)
            self._updated()

    def _updated(self) -> None:
        data = self.payload()
        data["guild_id"] = str(self.guild.id)
        self.guild.emit("GUILD_MEMBER_UPDATE", data)


OverwriteSpec = Overwrite | tuple[Any, Any]


@dataclass(eq=False)
class Channel:
    guild: Guild
    id: int
    name: str
    position: int
    type: int = 0
    topic: str | None = None
    overwrites: dict[int, tuple[int, Overwrite]] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    deleted: bool = False
    forbidden_code: int | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild.id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [
                {"id": str(target), "type": kind, "allow": str(ow.allow), "deny": str(ow.deny)}
                for target, (kind, ow) in self.overwrites.items()
            ],
            "parent_id": None,
            "topic": self.topic,
            "nsfw": False,
            "last_message_id": str(self.messages[-1].id) if self.messages else None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def permissions_for(self, member: Member) -> int:
        bits = member.guild_permissions()
        if bits == ALL_PERMISSIONS:
            return bits
        everyone = self.overwrites.get(self.guild.id)
        if everyone is not None:
            bits = (bits & ~everyone[1].deny) | everyone[1].allow
        allow = deny = 0
        for role in member.roles:
            found = self.overwrites.get(role.id)
            if found is not None and found[0] == 0:
                allow |= found[1].allow
                deny |= found[1].deny
        bits = (bits & ~deny) | allow
        own = self.overwrites.get(member.id)
        if own is not None and own[0] == 1:
            bits = (bits & ~own[1].deny) | own[1].allow
        if not bits & Permission.VIEW_CHANNEL:
            return 0
        if not bits & Permission.SEND_MESSAGES:
            bits &= ~_NEEDS_SEND
        return bits

    def set_overwrite(self, target: Role | Member, *, allow: Any = 0, deny: Any = 0) -> None:
        """Set a permission overwrite and tell the bot (CHANNEL_UPDATE)."""
        kind = 0 if isinstance(target, Role) else 1
        self.overwrites[target.id] = (kind, Overwrite(as_bits(allow), as_bits(deny)))
        self._updated()

    def remove_overwrite(self, target: Role | Member) -> None:
        if self.overwrites.pop(target.id, None) is not None:
            self._updated()

    def forbid(self, code: int = 50013) -> None:
        """Answer every request of the bot about this channel with 403 until `allow()`.

        Nothing is sent on the gateway, so the bot's cache still believes it may post here.
        """
        self.forbidden_code = code

    def allow(self) -> None:
        self.forbidden_code = None

    def delete(self) -> None:
        """Delete the channel (CHANNEL_DELETE); requests about it then get 404 Unknown Channel."""
        if self.deleted:
            return
        self.deleted = True
        self.guild.channels.pop(self.id, None)
        self.guild.emit("CHANNEL_DELETE", self.payload())

    def _updated(self) -> None:
        if not self.deleted:
            self.guild.emit("CHANNEL_UPDATE", self.payload())


@dataclass(eq=False)
class Message:
    """A message as the stand-in keeps it; edits change it in place (`versions` keeps old ones)."""

    id: int
    channel: Channel
    author: User
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[JSON] = field(default_factory=list)
    flags: int = 0
    allowed_mentions: JSON | None = None
    nonce: str | int | None = None
    message_reference: JSON | None = None
    type: int = 0
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_metadata: JSON | None = None
    tts: bool = False
    created_at: datetime.datetime = field(default_factory=utcnow)
    edited_at: datetime.datetime | None = None
    deleted: bool = False
    versions: list[JSON] = field(default_factory=list)

    EPHEMERAL = 1 << 6
    LOADING = 1 << 7
    COMPONENTS_V2 = 1 << 15

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & self.EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & self.LOADING)

    @property
    def embed(self) -> JSON | None:
        return self.embeds[0] if self.embeds else None

    @property
    def guild(self) -> Guild:
        return self.channel.guild

    @property
    def layout(self) -> bool:
        """Whether this is a components v2 message (its text is in text displays)."""
        return bool(self.flags & self.COMPONENTS_V2)

    def texts(self) -> list[str]:
        """The text displays of a components v2 message, in reading order."""
        return [
            str(c.get("content") or "")
            for c in walk_components(self.components)
            if c.get("type") == 10
        ]

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "channel_id": str(self.channel.id),
            "type": self.type,
            "content": self.content,
            "author": self.author.payload(),
            "embeds": self.embeds,
            "components": self.components,
            "attachments": self.attachments,
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": self.tts,
            "timestamp": iso(self.created_at),
            "edited_timestamp": None if self.edited_at is None else iso(self.edited_at),
            "flags": self.flags,
        }
        if self.nonce is not None:
            data["nonce"] = self.nonce
        if self.message_reference is not None:
            data["message_reference"] = self.message_reference
        if self.webhook_id is not None:
            data["webhook_id"] = str(self.webhook_id)
        if self.application_id is not None:
            data["application_id"] = str(self.application_id)
        if self.interaction_metadata is not None:
            data["interaction_metadata"] = self.interaction_metadata
        return data

    def gateway_payload(self, *, content: bool) -> JSON:
        data = self.payload()
        data["guild_id"] = str(self.guild.id)
        member = self.guild.members.get(self.author.id)
        if member is not None:
            data["member"] = member.payload(user=False)
        if not content:
            data.update(content="", embeds=[], components=[], attachments=[])
        return data

    def snapshot(self) -> JSON:
        return {
            "content": self.content,
            "embeds": self.embeds,
            "components": self.components,
            "flags": self.flags,
            "allowed_mentions": self.allowed_mentions,
        }

    def interactive_components(self) -> list[JSON]:
        """Buttons and selects anywhere in the message, including inside components v2 layouts."""
        return [c for c in walk_components(self.components) if c.get("type") in _INTERACTIVE]

    def buttons(self) -> list[JSON]:
        return [c for c in self.interactive_components() if c.get("type") == 2]

    def selects(self) -> list[JSON]:
        return [c for c in self.interactive_components() if c.get("type") != 2]


_INTERACTIVE = {2, 3, 5, 6, 7, 8}


def walk_components(components: Iterable[JSON]) -> Iterable[JSON]:
    for component in components:
        yield component
        yield from walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            inner = component.get(key)
            if isinstance(inner, dict):
                yield from walk_components([inner])


class Guild:
    """A server the bot is in. Changes made through its methods are sent to the bot as events."""

    def __init__(
        self,
        emitter: Emitter,
        name: str,
        *,
        bot_user: User,
        bot_permissions: Any = BOT_DEFAULT,
        everyone_permissions: Any = EVERYONE_DEFAULT,
        locale: str = "en-US",
        id: int | None = None,
    ) -> None:
        self._emitter = emitter
        self.id = new_snowflake() if id is None else id
        self.name = name
        self.locale = locale
        self.roles: dict[int, Role] = {}
        self.channels: dict[int, Channel] = {}
        self.members: dict[int, Member] = {}
        self.joined_at = utcnow()
        self.everyone = Role(self, self.id, "@everyone", as_bits(everyone_permissions), 0)
        self.roles[self.id] = self.everyone
        self.owner = self._new_member(User(new_snowflake(), "owner"), [])
        self.owner_id = self.owner.id
        self.bot_role = self._new_role(bot_user.name, as_bits(bot_permissions), bot_id=bot_user.id)
        self.bot_member = self._new_member(bot_user, [self.bot_role])
        self.default_channel = self._new_channel("general", 0, None, None)

    def __repr__(self) -> str:
        return f"<Guild {self.name!r} id={self.id}>"

    def emit(self, event: str, data: JSON) -> None:
        self._emitter.emit(event, data)

    # Building the server.

    def add_text_channel(
        self,
        name: str,
        *,
        overwrites: Mapping[Role | Member, OverwriteSpec] | None = None,
        topic: str | None = None,
    ) -> Channel:
        channel = self._new_channel(name, 0, overwrites, topic)
        self.emit("CHANNEL_CREATE", channel.payload())
        return channel

    def add_role(self, name: str, permissions: Any = 0, *, mentionable: bool = False) -> Role:
        role = self._new_role(name, as_bits(permissions), mentionable=mentionable)
        self.emit("GUILD_ROLE_CREATE", {"guild_id": str(self.id), "role": role.payload()})
        return role

    def add_member(
        self,
        name: str,
        *,
        roles: Iterable[Role] = (),
        permissions: Any = None,
        admin: bool = False,
        manage_guild: bool = False,
        bot: bool = False,
    ) -> Member:
        """A member; `permissions`, `admin` or `manage_guild` give them a role of their own."""
        granted = as_bits(permissions)
        if admin:
            granted |= Permission.ADMINISTRATOR
        if manage_guild:
            granted |= Permission.MANAGE_GUILD
        member_roles = list(roles)
        if granted:
            member_roles.append(self.add_role(f"{name} permissions", granted))
        member = self._new_member(User(new_snowflake(), name, bot=bot), member_roles)
        data = member.payload()
        data["guild_id"] = str(self.id)
        self.emit("GUILD_MEMBER_ADD", data)
        return member

    def remove_member(self, member: Member) -> None:
        if self.members.pop(member.id, None) is not None:
            data = {"guild_id": str(self.id), "user": member.user.payload()}
            self.emit("GUILD_MEMBER_REMOVE", data)

    def set_bot_permissions(self, permissions: Any) -> None:
        """Change the permissions of the bot's own role (GUILD_ROLE_UPDATE)."""
        self.bot_role.edit(permissions=permissions)

    # Looking things up.

    def channel(self, name: str) -> Channel:
        return _by_name(self.channels.values(), name, "channel")

    def role(self, name: str) -> Role:
        return _by_name(self.roles.values(), name, "role")

    def member(self, name: str) -> Member:
        return _by_name(self.members.values(), name, "member")

    def text_channels(self) -> list[Channel]:
        return [c for c in self.channels.values() if c.type == 0]

    def payload(self, *, all_members: bool) -> JSON:
        members = list(self.members.values()) if all_members else [self.bot_member]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": str(self.default_channel.id),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "preferred_locale": self.locale,
            "features": [],
            "vanity_url_code": None,
            "application_id": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "roles": [role.payload() for role in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "joined_at": iso(self.joined_at),
            "large": False,
            "unavailable": False,
            "lazy": True,
            "member_count": len(self.members),
            "members": [member.payload() for member in members],
            "channels": [channel.payload() for channel in self.channels.values()],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "embedded_activities": [],
        }

    def _new_role(
        self, name: str, permissions: int, *, bot_id: int | None = None, mentionable: bool = False
    ) -> Role:
        role = Role(self, new_snowflake(), name, permissions, len(self.roles), mentionable, bot_id)
        self.roles[role.id] = role
        return role

    def _new_member(self, user: User, roles: list[Role]) -> Member:
        member = Member(self, user, roles)
        self.members[user.id] = member
        return member

    def _new_channel(
        self,
        name: str,
        kind: int,
        overwrites: Mapping[Role | Member, OverwriteSpec] | None,
        topic: str | None,
    ) -> Channel:
        channel = Channel(self, new_snowflake(), name, len(self.channels), kind, topic)
        for target, spec in (overwrites or {}).items():
            ow = (
                spec
                if isinstance(spec, Overwrite)
                else Overwrite(as_bits(spec[0]), as_bits(spec[1]))
            )
            channel.overwrites[target.id] = (0 if isinstance(target, Role) else 1, ow)
        self.channels[channel.id] = channel
        return channel


def _by_name(items: Iterable[_T], name: str, what: str) -> _T:
    for item in items:
        if getattr(item, "name", None) == name:
            return item
    raise KeyError(f"no {what} named {name!r}")
