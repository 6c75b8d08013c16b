"""Discord's rules for what a bot sends, checked as Discord checks them (with its error codes)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .model import walk_components

JSON = dict[str, Any]

CONTENT = 2000
EMBEDS = 10
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR_NAME = 256
EMBEDS_TOTAL = 6000
ACTION_ROWS = 5
ROW_WIDTH = 5
SELECT_OPTIONS = 25
CUSTOM_ID = 100
BUTTON_LABEL = 80
URL = 512
MODAL_COMPONENTS = 5
MODAL_TITLE = 45
INPUT_LABEL = 45
INPUT_LENGTH = 4000
CHOICES = 25
CHOICE_NAME = 100
CHOICE_VALUE = 100
COMMAND_NAME = 32
COMMAND_DESCRIPTION = 100
COMMAND_OPTIONS = 25
COMMAND_SIZE = 4000
V2_COMPONENTS = 40
V2_TEXT = 4000
NONCE = 25

COMPONENTS_V2 = 1 << 15


@dataclass(frozen=True)
class FieldError:
    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} ({self.code})"


def invalid_form_body(errors: Iterable[FieldError]) -> JSON:
    """The body of Discord's 400 answer with code 50035, errors nested by field path."""
    tree: JSON = {}
    for error in errors:
        node = tree
        for part in error.path.split(".") if error.path else []:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": error.code, "message": error.message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": tree}


class _Checker:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, path: str, code: str, message: str) -> None:
        self.errors.append(FieldError(path, code, message))

    def length(self, path: str, value: Any, maximum: int, minimum: int = 0) -> int:
        if value is None:
            if minimum:
                self.add(path, "BASE_TYPE_REQUIRED", "This field is required")
            return 0
        size = len(value) if isinstance(value, (str, list)) else len(str(value))
        if size > maximum:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {maximum} or fewer in length.")
        elif size < minimum:
            self.add(path, "BASE_TYPE_MIN_LENGTH", f"Must be {minimum} or more in length.")
        return size

    def number(self, path: str, value: Any, minimum: int, maximum: int) -> None:
        if value is None:
            return
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(path, "NUMBER_TYPE_COERCE", f"Value {value!r} is not int.")
        elif value > maximum:
            self.add(
                path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {maximum}."
            )
        elif value < minimum:
            self.add(
                path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {minimum}."
            )

    def url(self, path: str, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not re.match(r"(https?|attachment)://\S+$", value):
            self.add(path, "URL_TYPE_INVALID_URL", "Not a well formed URL.")
        else:
            self.length(path, value, 2048)


# Messages


def check_message(data: JSON, *, partial: bool = False) -> list[FieldError]:
    """Check a message create (or, with `partial`, edit) body."""
    check = _Checker()
    flags = data.get("flags") or 0
    check.length("content", data.get("content"), CONTENT)
    embeds = data.get("embeds") or []
    check.length("embeds", embeds, EMBEDS)
    total = sum(_check_embed(check, f"embeds.{i}", embed) for i, embed in enumerate(embeds))
    if total > EMBEDS_TOTAL:
        check.add("embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    components = data.get("components") or []
    if flags & COMPONENTS_V2:
        if data.get("content") or embeds:
            check.add(
                "content",
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' and 'embeds' fields cannot be used with IS_COMPONENTS_V2",
            )
        _check_layout(check, components)
    else:
        _check_rows(check, "components", components)
    nonce = data.get("nonce")
    if isinstance(nonce, str):
        check.length("nonce", nonce, NONCE)
    _check_allowed_mentions(check, data.get("allowed_mentions"))
    return check.errors


def is_empty_message(data: JSON) -> bool:
    keys = ("content", "embeds", "components", "attachments", "sticker_ids", "poll")
    return not any(data.get(key) for key in keys)


def _check_embed(check: _Checker, path: str, embed: JSON) -> int:
    size = check.length(f"{path}.title", embed.get("title"), EMBED_TITLE)
    size += check.length(f"{path}.description", embed.get("description"), EMBED_DESCRIPTION)
    fields = embed.get("fields") or []
    check.length(f"{path}.fields", fields, EMBED_FIELDS)
    for i, item in enumerate(fields):
        size += check.length(f"{path}.fields.{i}.name", item.get("name"), FIELD_NAME, 1)
        size += check.length(f"{path}.fields.{i}.value", item.get("value"), FIELD_VALUE, 1)
    footer = embed.get("footer") or {}
    size += check.length(f"{path}.footer.text", footer.get("text"), FOOTER)
    check.url(f"{path}.footer.icon_url", footer.get("icon_url"))
    author = embed.get("author") or {}
    size += check.length(f"{path}.author.name", author.get("name"), AUTHOR_NAME)
    check.url(f"{path}.author.url", author.get("url"))
    check.url(f"{path}.author.icon_url", author.get("icon_url"))
    check.url(f"{path}.url", embed.get("url"))
    for key in ("image", "thumbnail"):
        check.url(f"{path}.{key}.url", (embed.get(key) or {}).get("url"))
    return size


def _check_rows(check: _Checker, path: str, rows: list[JSON]) -> None:
    check.length(path, rows, ACTION_ROWS)
    seen: set[str] = set()
    for i, row in enumerate(rows):
        if row.get("type") != 1:
            check.add(f"{path}.{i}.type", "UNION_TYPE_CHOICES", "Value of field type must be 1.")
            continue
        _check_row(check, f"{path}.{i}", row, seen)


def _check_row(check: _Checker, path: str, row: JSON, seen: set[str] | None) -> None:
    """Check a row's width, and its children unless `seen` is None (they are checked elsewhere)."""
    children = row.get("components") or []
    check.length(f"{path}.components", children, ROW_WIDTH, 1)
    selects = [c for c in children if c.get("type") != 2]
    if selects and len(children) > 1:
        check.add(
            f"{path}.components",
            "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
            "The specified component exceeds the maximum width",
        )
    if seen is not None:
        for j, child in enumerate(children):
            _check_interactive(check, f"{path}.components.{j}", child, seen)


def _check_interactive(check: _Checker, path: str, item: JSON, seen: set[str]) -> None:
    kind = item.get("type")
    custom_id = item.get("custom_id")
    if kind == 2 and item.get("style") == 5:
        check.length(f"{path}.url", item.get("url"), URL, 1)
        if custom_id is not None:
            check.add(
                f"{path}.custom_id",
                "BUTTON_COMPONENT_URL_AND_CUSTOM_ID",
                "A link button cannot have a custom_id",
            )
    elif kind == 2 and item.get("style") == 6:
        pass
    else:
        check.length(f"{path}.custom_id", custom_id, CUSTOM_ID, 1)
        if custom_id in seen:
            check.add(
                f"{path}.custom_id",
                "COMPONENT_CUSTOM_ID_DUPLICATED",
                "Component custom id cannot be duplicated",
            )
        if custom_id is not None:
            seen.add(custom_id)
    if kind == 2:
        check.length(f"{path}.label", item.get("label"), BUTTON_LABEL)
        if not item.get("label") and not item.get("emoji") and item.get("style") != 6:
            check.add(f"{path}.label", "BASE_TYPE_REQUIRED", "A button needs a label or an emoji")
        return
    check.length(f"{path}.placeholder", item.get("placeholder"), 150)
    check.number(f"{path}.min_values", item.get("min_values"), 0, SELECT_OPTIONS)
    check.number(f"{path}.max_values", item.get("max_values"), 1, SELECT_OPTIONS)
    if kind == 3:
        options = item.get("options") or []
        check.length(f"{path}.options", options, SELECT_OPTIONS, 1)
        for k, option in enumerate(options):
            check.length(f"{path}.options.{k}.label", option.get("label"), 100, 1)
            check.length(f"{path}.options.{k}.value", option.get("value"), 100, 1)
            check.length(f"{path}.options.{k}.description", option.get("description"), 100)
        max_values = item.get("max_values") or 1
        if isinstance(max_values, int) and max_values > len(options):
            check.add(
                f"{path}.max_values",
                "SELECT_COMPONENT_MAX_VALUES_EXCEEDED",
                "max_values exceeds the number of options",
            )


def _check_layout(check: _Checker, components: list[JSON]) -> None:
    everything = list(walk_components(components))
    if len(everything) > V2_COMPONENTS:
        check.add(
            "components", "BASE_TYPE_MAX_LENGTH", f"Must be {V2_COMPONENTS} or fewer in length."
        )
    text = sum(len(c.get("content") or "") for c in everything if c.get("type") == 10)
    if text > V2_TEXT:
        check.add(
            "components", "BASE_TYPE_MAX_LENGTH", "Text displays exceed 4000 characters in total."
        )
    seen: set[str] = set()
    for i, component in enumerate(everything):
        if component.get("type") == 1:
            _check_row(check, f"components.{i}", component, None)
        elif component.get("type") in (2, 3, 5, 6, 7, 8):
            _check_interactive(check, f"components.{i}", component, seen)


def _check_allowed_mentions(check: _Checker, allowed: JSON | None) -> None:
    if not allowed:
        return
    parse = allowed.get("parse") or []
    for kind in ("users", "roles"):
        if kind in parse and allowed.get(kind):
            check.add(
                f"allowed_mentions.{kind}",
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
            )


# Interaction callbacks


def check_modal(data: JSON) -> list[FieldError]:
    check = _Checker()
    check.length("data.custom_id", data.get("custom_id"), CUSTOM_ID, 1)
    check.length("data.title", data.get("title"), MODAL_TITLE, 1)
    components = data.get("components") or []
    check.length("data.components", components, MODAL_COMPONENTS, 1)
    for i, component in enumerate(components):
        path = f"data.components.{i}"
        kind = component.get("type")
        if kind == 1:
            inner = component.get("components") or []
            check.length(f"{path}.components", inner, 1, 1)
            for j, item in enumerate(inner):
                _check_text_input(check, f"{path}.components.{j}", item, label_required=True)
        elif kind == 18:
            check.length(f"{path}.label", component.get("label"), INPUT_LABEL, 1)
            check.length(f"{path}.description", component.get("description"), 100)
            item = component.get("component") or {}
            if item.get("type") == 4:
                _check_text_input(check, f"{path}.component", item, label_required=False)
            else:
                _check_interactive(check, f"{path}.component", item, set())
        elif kind == 10:
            check.length(f"{path}.content", component.get("content"), V2_TEXT, 1)
    return check.errors


def _check_text_input(check: _Checker, path: str, item: JSON, *, label_required: bool) -> None:
    if item.get("type") != 4:
        check.add(f"{path}.type", "UNION_TYPE_CHOICES", "Value of field type must be 4.")
        return
    check.length(f"{path}.custom_id", item.get("custom_id"), CUSTOM_ID, 1)
    check.length(f"{path}.label", item.get("label"), INPUT_LABEL, 1 if label_required else 0)
    check.length(f"{path}.placeholder", item.get("placeholder"), 100)
    check.length(f"{path}.value", item.get("value"), INPUT_LENGTH)
    check.number(f"{path}.min_length", item.get("min_length"), 0, INPUT_LENGTH)
    check.number(f"{path}.max_length", item.get("max_length"), 1, INPUT_LENGTH)
    if item.get("style") not in (1, 2):
        check.add(f"{path}.style", "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")


def check_choices(data: JSON) -> list[FieldError]:
    check = _Checker()
    choices = data.get("choices") or []
    check.length("data.choices", choices, CHOICES)
    for i, choice in enumerate(choices):
        check.length(f"data.choices.{i}.name", choice.get("name"), CHOICE_NAME, 1)
        value = choice.get("value")
        if isinstance(value, str):
            check.length(f"data.choices.{i}.value", value, CHOICE_VALUE)
    return check.errors


# Command registration


def check_commands(commands: list[JSON]) -> list[FieldError]:
    check = _Checker()
    seen: set[tuple[int, str]] = set()
    counts: dict[int, int] = {}
    for i, command in enumerate(commands):
        kind = command.get("type", 1)
        key = (kind, command.get("name", ""))
        if key in seen:
            check.add(
                f"{i}.name",
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            )
        seen.add(key)
        counts[kind] = counts.get(kind, 0) + 1
        _check_command(check, str(i), command)
    for kind, limit in ((1, 100), (2, 15), (3, 15)):
        if counts.get(kind, 0) > limit:
            check.add(
                "", "APPLICATION_COMMANDS_LIMIT", f"Maximum number of commands reached ({limit})"
            )
    return check.errors


def valid_name(name: Any) -> bool:
    """`^[-_\\p{L}\\p{N}]{1,32}$`, lowercase where a lowercase variant exists."""
    if not isinstance(name, str) or not 1 <= len(name) <= COMMAND_NAME:
        return False
    for char in name:
        if char not in "-_" and unicodedata.category(char)[0] not in "LN":
            return False
        if char.lower() != char:
            return False
    return True


def _check_command(check: _Checker, path: str, command: JSON) -> None:
    kind = command.get("type", 1)
    name = command.get("name")
    if kind == 1:
        if not valid_name(name):
            check.add(
                f"{path}.name",
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid: ^[-_\\p{L}\\p{N}]{1,32}$, lowercase",
            )
        check.length(f"{path}.description", command.get("description"), COMMAND_DESCRIPTION, 1)
    else:
        check.length(f"{path}.name", name, COMMAND_NAME, 1)
        if command.get("description"):
            check.add(f"{path}.description", "BASE_TYPE_MAX_LENGTH", "Must be empty for this type.")
    _check_options(check, f"{path}.options", command.get("options") or [], depth=0)
    if command_size(command) > COMMAND_SIZE:
        check.add(path, "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (4000)")


def _check_options(check: _Checker, path: str, options: list[JSON], *, depth: int) -> None:
    check.length(path, options, COMMAND_OPTIONS)
    subcommands = [o for o in options if o.get("type") in (1, 2)]
    if subcommands and len(subcommands) != len(options):
        check.add(
            path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Options cannot mix subcommands"
        )
    names: set[str] = set()
    optional_seen = False
    for i, option in enumerate(options):
        here = f"{path}.{i}"
        kind = option.get("type")
        name = option.get("name")
        if not valid_name(name):
            check.add(f"{here}.name", "APPLICATION_COMMAND_INVALID_NAME", "Option name is invalid")
        if name in names:
            check.add(
                f"{here}.name", "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Duplicate name"
            )
        if isinstance(name, str):
            names.add(name)
        check.length(f"{here}.description", option.get("description"), COMMAND_DESCRIPTION, 1)
        if (kind == 2 and depth > 0) or (kind == 1 and depth > 1):
            check.add(
                f"{here}.type", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Too deeply nested"
            )
        if kind in (1, 2):
            inner = option.get("options") or []
            if kind == 2 and any(o.get("type") != 1 for o in inner):
                check.add(
                    f"{here}.options",
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Groups hold subcommands",
                )
            _check_options(check, f"{here}.options", inner, depth=depth + 1)
            continue
        if not isinstance(kind, int) or not 3 <= kind <= 11:
            check.add(f"{here}.type", "BASE_TYPE_CHOICES", "Unknown option type")
        if option.get("required"):
            if optional_seen:
                check.add(
                    f"{here}.required",
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        else:
            optional_seen = True
        choices = option.get("choices") or []
        check.length(f"{here}.choices", choices, CHOICES)
        if choices and option.get("autocomplete"):
            check.add(f"{here}.autocomplete", "AUTOCOMPLETE_AND_CHOICES", "Cannot have both")
        for k, choice in enumerate(choices):
            check.length(f"{here}.choices.{k}.name", choice.get("name"), CHOICE_NAME, 1)
            if isinstance(choice.get("value"), str):
                check.length(f"{here}.choices.{k}.value", choice.get("value"), CHOICE_VALUE, 1)
        check.number(f"{here}.min_length", option.get("min_length"), 0, 6000)
        check.number(f"{here}.max_length", option.get("max_length"), 1, 6000)


def command_size(command: JSON) -> int:
    size = len(command.get("name") or "") + len(command.get("description") or "")
    for option in command.get("options") or []:
        size += command_size(option)
        for choice in option.get("choices") or []:
            size += len(choice.get("name") or "") + len(str(choice.get("value", "")))
    return size


# Mentions

_MENTION = re.compile(r"@(everyone|here)|<@!?(\d+)>|<@&(\d+)>")


def pings(content: str | None, allowed: JSON | None, *, reply: bool = False) -> list[str]:
    """The mentions in `content` that would notify someone under these allowed_mentions."""
    if allowed is None:
        parse, users, roles, replied_user = {"everyone", "users", "roles"}, set(), set(), True
    else:
        parse = set(allowed.get("parse") or [])
        users = {str(x) for x in allowed.get("users") or []}
        roles = {str(x) for x in allowed.get("roles") or []}
        replied_user = bool(allowed.get("replied_user", False))
    found = []
    for match in _MENTION.finditer(content or ""):
        everyone, user, role = match.groups()
        if (
            (everyone and "everyone" in parse)
            or (user and ("users" in parse or user in users))
            or (role and ("roles" in parse or role in roles))
        ):
            found.append(match.group(0))
    if reply and replied_user:
        found.append("the author of the replied-to message")
    return found


def embed_mentions(embeds: list[JSON]) -> list[str]:
    """Mentions written in embed text: shown as mentions but never notify anyone."""
    texts: list[str] = []
    for embed in embeds:
        texts += [embed.get("title") or "", embed.get("description") or ""]
        texts += [
            (embed.get("footer") or {}).get("text") or "",
            (embed.get("author") or {}).get("name") or "",
        ]
        for item in embed.get("fields") or []:
            texts += [item.get("name") or "", item.get("value") or ""]
    return [m.group(0) for text in texts for m in _MENTION.finditer(text)]
