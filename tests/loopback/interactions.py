"""Interactions as Discord builds them from what a member does, and what the bot answered."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import CommandUnavailable
from .model import (
    JSON,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    User,
    new_snowflake,
    walk_components,
)


class CommandSource(Protocol):
    """What building interactions needs to know of the stand-in."""

    application_id: int
    global_commands: list[JSON]

    def guild_commands(self, guild: Guild) -> list[JSON]: ...


COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5

# Interaction callback types a bot may use for each interaction type.
ALLOWED_CALLBACKS = {
    COMMAND: {4, 5, 9},
    COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}

_SUBCOMMAND, _GROUP = 1, 2
_STRING, _INTEGER, _BOOLEAN, _USER, _CHANNEL, _ROLE, _MENTIONABLE, _NUMBER = 3, 4, 5, 6, 7, 8, 9, 10


@dataclass(eq=False)
class InteractionRecord:
    id: int
    token: str
    type: int
    guild: Guild
    channel: Channel
    member: Member
    label: str
    created: float
    source: Message | None = None
    payload: JSON = field(default_factory=dict)
    response_type: int | None = None
    original: Message | None = None
    deferred: bool = False
    modal: Modal | None = None
    choices: list[JSON] | None = None
    followups: list[Message] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    late: float | None = None

    def metadata(self) -> JSON:
        return {
            "id": str(self.id),
            "type": self.type,
            "user": self.member.user.payload(),
            "authorizing_integration_owners": {"0": str(self.guild.id)},
        }


TEXT_INPUT, STRING_SELECT, RADIO_GROUP, CHECKBOX_GROUP, CHECKBOX = 4, 3, 21, 22, 23


@dataclass(eq=False)
class ModalInput:
    """One field of a modal: a text input, a select, a radio group, a checkbox group or a
    checkbox (the last four inside a label)."""

    custom_id: str
    label: str | None
    type: int
    style: int | None
    required: bool
    min_length: int | None
    max_length: int | None
    value: str | None
    placeholder: str | None
    options: list[JSON]
    min_values: int | None = None
    max_values: int | None = None
    default: bool = False
    description: str | None = None

    @property
    def chosen(self) -> Any:
        """What the Discord client shows filled in before anyone types or picks anything: the
        text, the default option values (the one value of a radio group), or the checkbox."""
        if self.type == TEXT_INPUT:
            return self.value or ""
        if self.type == CHECKBOX:
            return self.default
        defaults = [o.get("value") for o in self.options if o.get("default")]
        if self.type == RADIO_GROUP:
            return defaults[0] if defaults else None
        return defaults


@dataclass(eq=False)
class Modal:
    custom_id: str
    title: str
    components: list[JSON]
    inputs: list[ModalInput]
    opened_by: InteractionRecord

    @classmethod
    def from_data(cls, data: JSON, opened_by: InteractionRecord) -> Modal:
        inputs = []
        for component in data.get("components") or []:
            if component.get("type") == 1:
                for item in component.get("components") or []:
                    inputs.append(_modal_input(item, item.get("label"), None))
            elif component.get("type") == 18:
                inputs.append(
                    _modal_input(
                        component.get("component") or {},
                        component.get("label"),
                        component.get("description"),
                    )
                )
        return cls(data["custom_id"], data["title"], data["components"], inputs, opened_by)

    def field(self, key: str) -> ModalInput:
        for item in self.inputs:
            if key in (item.custom_id, item.label):
                return item
        known = [f"{i.label!r} ({i.custom_id})" for i in self.inputs]
        raise AssertionError(
            f"modal {self.title!r} has no input {key!r}; it has {', '.join(known)}"
        )

    def submission(self, values: Mapping[str, Any]) -> list[JSON]:
        """The components of a modal submit, as the Discord client fills them in.

        A text input takes text; a select or a checkbox group a list of option values (or one
        value); a radio group one value (or None); a checkbox True or False. Inputs not given
        keep what the client showed filled in.
        """
        by_id = {self.field(key).custom_id: value for key, value in values.items()}
        for item in self.inputs:
            if item.custom_id not in by_id:
                by_id[item.custom_id] = item.chosen
            _check_input(self.title, item, by_id[item.custom_id])
        counter = iter(range(1, 1000))

        def filled(item: JSON) -> JSON:
            value = by_id[item["custom_id"]]
            answer: JSON = {
                "type": item["type"],
                "id": next(counter),
                "custom_id": item["custom_id"],
            }
            if item.get("type") in (TEXT_INPUT, RADIO_GROUP, CHECKBOX):
                answer["value"] = value
            else:
                answer["values"] = [value] if isinstance(value, str) else list(value)
            return answer

        result = []
        for component in self.components:
            if component.get("type") == 1:
                inner = [filled(c) for c in component.get("components") or []]
                result.append({"type": 1, "id": next(counter), "components": inner})
            elif component.get("type") == 18:
                result.append(
                    {"type": 18, "id": next(counter), "component": filled(component["component"])}
                )
            else:
                result.append({"type": component.get("type"), "id": next(counter)})
        return result


def _modal_input(item: JSON, label: str | None, description: str | None) -> ModalInput:
    # In a modal every input is required unless it says otherwise (a checkbox never is).
    return ModalInput(
        custom_id=item.get("custom_id", ""),
        label=label,
        type=item.get("type", TEXT_INPUT),
        style=item.get("style"),
        required=bool(item.get("required", True)),
        min_length=item.get("min_length"),
        max_length=item.get("max_length"),
        value=item.get("value"),
        placeholder=item.get("placeholder"),
        options=item.get("options") or [],
        min_values=item.get("min_values"),
        max_values=item.get("max_values"),
        default=bool(item.get("default")),
        description=description,
    )


def _check_input(title: str, item: ModalInput, value: Any) -> None:
    name = f"modal {title!r} input {item.label or item.custom_id!r}"
    if item.type == CHECKBOX:
        if not isinstance(value, bool):
            raise AssertionError(f"{name}: a checkbox is ticked or not, not {value!r}")
        return
    if item.type == RADIO_GROUP:
        allowed = {o.get("value") for o in item.options}
        if value is None:
            if item.required:
                raise AssertionError(f"{name} is required; the Discord client insists on a choice")
        elif value not in allowed:
            raise AssertionError(f"{name}: {value!r} is not among the options {sorted(allowed)}")
        return
    if item.type != TEXT_INPUT:
        chosen = [value] if isinstance(value, str) else list(value)
        allowed = {o.get("value") for o in item.options}
        if item.options and not set(chosen) <= allowed:
            offered = sorted(str(v) for v in allowed)
            raise AssertionError(f"{name}: {chosen} not among the options {offered}")
        least = item.min_values if item.min_values is not None else (1 if item.required else 0)
        most = item.max_values if item.max_values is not None else 1
        if item.type == CHECKBOX_GROUP and item.max_values is None:
            most = len(item.options)
        if not item.required and not chosen:
            return
        if not least <= len(chosen) <= most:
            raise AssertionError(f"{name}: pick {least}..{most}, not {len(chosen)}")
        return
    if not isinstance(value, str):
        raise AssertionError(f"{name}: the Discord client only sends text, got {value!r}")
    if item.required and not value:
        raise AssertionError(f"{name} is required; the Discord client will not submit it empty")
    if value and item.min_length is not None and len(value) < item.min_length:
        raise AssertionError(f"{name}: at least {item.min_length} characters needed")
    if item.max_length is not None and len(value) > item.max_length:
        raise AssertionError(f"{name}: at most {item.max_length} characters can be typed")


@dataclass(eq=False)
class Reply:
    """What the bot answered to one interaction, as the member saw it when the call returned."""

    interaction: InteractionRecord
    type: int
    message: Message | None
    modal: Modal | None
    choices: list[JSON] | None
    messages: list[Message]
    followups: list[Message]
    content: str | None
    embeds: list[JSON]
    components: list[JSON]
    flags: int
    allowed_mentions: JSON | None

    @classmethod
    def of(cls, record: InteractionRecord) -> Reply:
        message = record.original
        snapshot = message.snapshot() if message is not None else {}
        return cls(
            interaction=record,
            type=record.response_type or 0,
            message=message,
            modal=record.modal,
            choices=record.choices,
            messages=list(record.messages),
            followups=list(record.followups),
            content=snapshot.get("content"),
            embeds=list(snapshot.get("embeds") or []),
            components=list(snapshot.get("components") or []),
            flags=snapshot.get("flags", 0),
            allowed_mentions=snapshot.get("allowed_mentions"),
        )

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & Message.EPHEMERAL)

    @property
    def embed(self) -> JSON | None:
        return self.embeds[0] if self.embeds else None

    @property
    def deferred(self) -> bool:
        return self.type in (5, 6)

    def texts(self) -> list[str]:
        """The text displays as they were when the call returned, in reading order."""
        return [
            str(c.get("content") or "")
            for c in walk_components(self.components)
            if c.get("type") == 10
        ]

    def buttons(self) -> list[JSON]:
        """The buttons as they were when the call returned (the message may have changed since)."""
        return [c for c in walk_components(self.components) if c.get("type") == 2]


# Building interaction payloads


def new_record(
    host: CommandSource,
    kind: int,
    guild: Guild,
    channel: Channel,
    member: Member,
    label: str,
    data: JSON,
    *,
    source: Message | None = None,
) -> InteractionRecord:
    if member.guild is not guild:
        raise AssertionError(f"{member.name} is not a member of {guild.name}")
    if channel.guild is not guild or channel.deleted:
        raise AssertionError(f"#{channel.name} is not a channel of {guild.name}")
    record = InteractionRecord(
        id=new_snowflake(),
        token=f"aW50ZXJhY3Rpb24{secrets.token_urlsafe(48)}",
        type=kind,
        guild=guild,
        channel=channel,
        member=member,
        label=label,
        created=0.0,
        source=source,
    )
    permissions = channel.permissions_for(member)
    record.payload = {
        "id": str(record.id),
        "application_id": str(host.application_id),
        "type": kind,
        "data": data,
        "guild_id": str(guild.id),
        "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
        "channel_id": str(channel.id),
        "channel": {**channel.payload(), "permissions": str(permissions)},
        "member": member.payload(permissions=permissions),
        "token": record.token,
        "version": 1,
        "app_permissions": str(channel.permissions_for(guild.bot_member)),
        "locale": "en-US",
        "guild_locale": guild.locale,
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild.id)},
        "context": 0,
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if source is not None:
        record.payload["message"] = source.payload()
    return record


def command_data(
    host: CommandSource,
    guild: Guild,
    member: Member,
    channel: Channel,
    path: str,
    values: Mapping[str, Any],
    *,
    focused: str | None = None,
) -> JSON:
    """The `data` of a slash command or autocomplete interaction, from the registered command."""
    name, *subnames = path.strip().lstrip("/").split()
    command, in_guild = _find_command(host, guild, name)
    _check_can_use(command, member, path)
    chain, node = [], command
    for part in subnames:
        children = [o for o in node.get("options") or [] if o.get("type") in (_SUBCOMMAND, _GROUP)]
        match = next((o for o in children if o["name"] == part), None)
        if match is None:
            known = ", ".join(o["name"] for o in children) or "none"
            raise CommandUnavailable(
                f"/{path}: /{name} has no subcommand {part!r} (registered: {known})"
            )
        chain.append(match)
        node = match
    definitions = node.get("options") or []
    if any(o.get("type") in (_SUBCOMMAND, _GROUP) for o in definitions):
        known = ", ".join(o["name"] for o in definitions)
        raise CommandUnavailable(f"/{path} needs a subcommand: {known}")
    resolved: JSON = {}
    options = _option_values(definitions, values, path, member, channel, resolved, focused)
    for link in reversed(chain):
        options = [{"name": link["name"], "type": link["type"], "options": options}]
    data: JSON = {"id": command["id"], "name": command["name"], "type": 1, "options": options}
    if in_guild:
        data["guild_id"] = str(guild.id)
    if resolved:
        data["resolved"] = resolved
    return data


def _find_command(host: CommandSource, guild: Guild, name: str) -> tuple[JSON, bool]:
    for commands, in_guild in ((host.guild_commands(guild), True), (host.global_commands, False)):
        for command in commands:
            if command.get("type", 1) == 1 and command["name"] == name:
                return command, in_guild
    known = sorted({c["name"] for c in host.guild_commands(guild) + host.global_commands})
    raise CommandUnavailable(f"/{name} is not registered for {guild.name} (registered: {known})")


def _check_can_use(command: JSON, member: Member, path: str) -> None:
    contexts = command.get("contexts")
    if contexts is not None and 0 not in contexts:
        raise CommandUnavailable(f"/{path} is not available in servers (contexts={contexts})")
    needed = command.get("default_member_permissions")
    if needed is not None and not member.has(int(needed)):
        raise CommandUnavailable(
            f"/{path} needs permissions {needed} (default_member_permissions); "
            f"{member.name} has {member.guild_permissions()}"
        )


def _option_values(
    definitions: list[JSON],
    values: Mapping[str, Any],
    path: str,
    member: Member,
    channel: Channel,
    resolved: JSON,
    focused: str | None,
) -> list[JSON]:
    known = {o["name"]: o for o in definitions}
    for name in values:
        if name not in known:
            raise CommandUnavailable(
                f"/{path} has no option {name!r} (registered: {', '.join(known)})"
            )
    if focused is not None and focused not in known:
        raise CommandUnavailable(
            f"/{path} has no option {focused!r} (registered: {', '.join(known)})"
        )
    options = []
    for definition in definitions:
        name = definition["name"]
        if name == focused:
            if not definition.get("autocomplete"):
                raise CommandUnavailable(
                    f"/{path} option {name!r} was not registered with autocomplete"
                )
            value = values.get(name, "")
            options.append(
                {"name": name, "type": definition["type"], "value": str(value), "focused": True}
            )
        elif name in values:
            value = _convert(definition, values[name], path, member, resolved)
            options.append({"name": name, "type": definition["type"], "value": value})
        elif definition.get("required") and focused is None:
            raise AssertionError(
                f"/{path}: option {name!r} is required; the Discord client insists"
            )
    return options


def _convert(definition: JSON, value: Any, path: str, member: Member, resolved: JSON) -> Any:
    kind = definition["type"]
    where = f"/{path} option {definition['name']!r}"
    choices = definition.get("choices")
    if choices:
        for choice in choices:
            if value == choice["value"]:
                return value
        for choice in choices:
            if value == choice["name"]:
                return choice["value"]
        listed = ", ".join(f"{c['name']}={c['value']!r}" for c in choices)
        raise AssertionError(f"{where}: {value!r} is not one of the choices ({listed})")
    if kind == _STRING:
        _expect(isinstance(value, str), where, "text", value)
        _bounds(
            where, len(value), definition.get("min_length"), definition.get("max_length"), "length"
        )
        return value
    if kind in (_INTEGER, _NUMBER):
        allowed: tuple[type, ...] = (int,) if kind == _INTEGER else (int, float)
        _expect(
            isinstance(value, allowed) and not isinstance(value, bool), where, "a number", value
        )
        _bounds(where, value, definition.get("min_value"), definition.get("max_value"), "value")
        return value
    if kind == _BOOLEAN:
        _expect(isinstance(value, bool), where, "True or False", value)
        return value
    return _resolve(kind, definition, value, where, member, resolved)


def _resolve(
    kind: int, definition: JSON, value: Any, where: str, member: Member, resolved: JSON
) -> str:
    guild = member.guild
    if kind in (_USER, _MENTIONABLE) and isinstance(value, (Member, User)):
        user = value.user if isinstance(value, Member) else value
        resolved.setdefault("users", {})[str(user.id)] = user.payload()
        target = guild.members.get(user.id)
        if target is not None:
            data = target.payload(user=False, permissions=target.guild_permissions())
            resolved.setdefault("members", {})[str(user.id)] = data
        return str(user.id)
    if kind in (_ROLE, _MENTIONABLE) and isinstance(value, Role):
        resolved.setdefault("roles", {})[str(value.id)] = value.payload()
        return str(value.id)
    if kind == _CHANNEL and isinstance(value, Channel):
        types = definition.get("channel_types")
        if types and value.type not in types:
            raise AssertionError(
                f"{where}: channel type {value.type} is not offered (only {types})"
            )
        resolved.setdefault("channels", {})[str(value.id)] = {
            "id": str(value.id),
            "name": value.name,
            "type": value.type,
            "guild_id": str(value.guild.id),
            "parent_id": None,
            "permissions": str(value.permissions_for(member)),
            "flags": 0,
        }
        return str(value.id)
    raise AssertionError(f"{where}: cannot send {value!r} as option type {kind}")


def _expect(ok: bool, where: str, wanted: str, value: Any) -> None:
    if not ok:
        raise AssertionError(f"{where} takes {wanted}, not {value!r}")


def _bounds(where: str, size: float, low: float | None, high: float | None, what: str) -> None:
    if (low is not None and size < low) or (high is not None and size > high):
        raise AssertionError(
            f"{where}: {what} {size} is outside [{low}, {high}]; the client refuses"
        )


def find_component(
    message: Message,
    *,
    label: str | None = None,
    custom_id: str | None = None,
    emoji: str | None = None,
    kinds: set[int],
) -> JSON:
    candidates = [c for c in message.interactive_components() if c.get("type") in kinds]

    def matches(component: JSON) -> bool:
        if custom_id is not None and component.get("custom_id") != custom_id:
            return False
        if label is not None and label not in (
            component.get("label"),
            component.get("placeholder"),
        ):
            return False
        if emoji is not None:
            shown = component.get("emoji") or {}
            if emoji not in (shown.get("name"), shown.get("id"), str(shown.get("id"))):
                return False
        return True

    found = [c for c in candidates if matches(c)]
    if len(found) != 1:
        listed = [
            {k: c.get(k) for k in ("label", "custom_id", "emoji", "placeholder") if c.get(k)}
            for c in candidates
        ]
        wanted = {"label": label, "custom_id": custom_id, "emoji": emoji}
        wanted = {k: v for k, v in wanted.items() if v is not None}
        problem = "no component" if not found else f"{len(found)} components"
        raise AssertionError(
            f"{problem} matching {wanted} on message {message.id}; it has {listed}"
        )
    return found[0]


def select_values(component: JSON, values: list[Any], member: Member, resolved: JSON) -> list[str]:
    """Check a selection as the client would, returning the values Discord sends."""
    minimum = component.get("min_values", 1)
    maximum = component.get("max_values", 1)
    if not minimum <= len(values) <= maximum:
        raise AssertionError(
            f"select {component.get('custom_id')}: pick {minimum}..{maximum} values"
        )
    if component.get("type") == 3:
        offered = [o.get("value") for o in component.get("options") or []]
        for value in values:
            if value not in offered:
                raise AssertionError(
                    f"select {component.get('custom_id')}: {value!r} not in {offered}"
                )
        return [str(v) for v in values]
    kind = {5: _USER, 6: _ROLE, 7: _CHANNEL, 8: _MENTIONABLE}[component["type"]]
    definition = {
        "name": component.get("custom_id"),
        "channel_types": component.get("channel_types"),
    }
    where = f"select {component.get('custom_id')}"
    return [_resolve(kind, definition, v, where, member, resolved) for v in values]
