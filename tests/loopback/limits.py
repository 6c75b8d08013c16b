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
V2_COMPONENTS = 40  # every component of a components v2 message, nested ones included
V2_TEXT = 4000  # each text display, and all text displays of one message together
SECTION_TEXTS = 3
GALLERY_ITEMS = 10
MEDIA_DESCRIPTION = 1024
MEDIA_URL = 2048
LABEL_DESCRIPTION = 100
RADIO_OPTIONS = (2, 10)
CHECKBOX_OPTIONS = (1, 10)
NONCE = 25

COMPONENTS_V2 = 1 << 15

# Component types (Discord's numbers).
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT = 5, 6, 7, 8
SECTION, TEXT_DISPLAY, THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR = 9, 10, 11, 12, 13, 14
CONTAINER, LABEL, FILE_UPLOAD, RADIO_GROUP, CHECKBOX_GROUP, CHECKBOX = 17, 18, 19, 21, 22, 23
SELECTS = {STRING_SELECT, USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT}
# Where each type may go: a components v2 message's top level, a container, a section's
# accessory, an action row; a modal's top level and a label.
MESSAGE_TOP = {ACTION_ROW, SECTION, TEXT_DISPLAY, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER}
IN_CONTAINER = {ACTION_ROW, SECTION, TEXT_DISPLAY, MEDIA_GALLERY, FILE, SEPARATOR}
ACCESSORIES = {BUTTON, THUMBNAIL}
IN_ROW = {BUTTON} | SELECTS
MODAL_TOP = {ACTION_ROW, LABEL, TEXT_DISPLAY}
IN_LABEL = {TEXT_INPUT, FILE_UPLOAD, RADIO_GROUP, CHECKBOX_GROUP, CHECKBOX} | SELECTS


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

    def kind(self, path: str, item: Any, allowed: set[int]) -> int | None:
        """The component's type if it may go here; otherwise None, and the error."""
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in allowed:
            choices = ", ".join(str(k) for k in sorted(allowed))
            self.add(
                f"{path}.type",
                "UNION_TYPE_CHOICES",
                f"Value of field type must be one of ({choices}).",
            )
            return None
        return int(kind)

    def flag(self, path: str, value: Any) -> None:
        if value is not None and not isinstance(value, bool):
            self.add(path, "BOOLEAN_TYPE_COERCE", f"Value {value!r} is not boolean.")

    def custom_id(self, path: str, value: Any, seen: set[str]) -> None:
        self.length(path, value, CUSTOM_ID, 1)
        if value in seen:
            self.add(
                path, "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
            )
        if isinstance(value, str):
            seen.add(value)


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
        for key in ("content", "embeds", "sticker_ids", "poll"):
            if data.get(key):
                check.add(
                    key,
                    "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                    f"The '{key}' field cannot be used with IS_COMPONENTS_V2",
                )
        _check_layout(check, components)
    else:
        _check_rows(check, "components", components)
    nonce = data.get("nonce")
    if isinstance(nonce, str):
        check.length("nonce", nonce, NONCE)
    _check_allowed_mentions(check, data.get("allowed_mentions"))
    return check.errors


def check_edit(message: JSON, body: JSON) -> list[FieldError]:
    """Check an edit (`body`) of a message as it is now (`message`, a snapshot).

    IS_COMPONENTS_V2 can be set by an edit but never removed; the edit that sets it must empty
    the content and embeds the message had (content null, embeds []).
    """
    had = message.get("flags") or 0
    asked = body.get("flags")
    flags = had if asked is None else asked
    errors = []
    if had & COMPONENTS_V2 and not flags & COMPONENTS_V2:
        errors.append(
            FieldError(
                "flags",
                "MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG",
                "The IS_COMPONENTS_V2 flag cannot be removed from a message",
            )
        )
        flags |= COMPONENTS_V2
    if flags & COMPONENTS_V2 and not had & COMPONENTS_V2:
        for key in ("content", "embeds"):
            if message.get(key) and (key not in body or body[key]):
                errors.append(
                    FieldError(
                        key,
                        "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                        f"Setting IS_COMPONENTS_V2 needs '{key}' emptied in the same edit",
                    )
                )
    return errors + check_message({**body, "flags": flags}, partial=True)


def text_displays(components: Iterable[JSON]) -> list[str]:
    """The text of every text display in a components tree, in reading order."""
    return [
        str(c.get("content") or "")
        for c in walk_components(components)
        if c.get("type") == TEXT_DISPLAY
    ]


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


def _check_row(check: _Checker, path: str, row: JSON, seen: set[str]) -> None:
    """Check a message's action row: up to five buttons, or one select."""
    children = row.get("components") or []
    check.length(f"{path}.components", children, ROW_WIDTH, 1)
    selects = [c for c in children if c.get("type") != BUTTON]
    if selects and len(children) > 1:
        check.add(
            f"{path}.components",
            "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
            "The specified component exceeds the maximum width",
        )
    for j, child in enumerate(children):
        if check.kind(f"{path}.components.{j}", child, IN_ROW) is not None:
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
        check.custom_id(f"{path}.custom_id", custom_id, seen)
    if kind == 2:
        check.length(f"{path}.label", item.get("label"), BUTTON_LABEL)
        if not item.get("label") and not item.get("emoji") and item.get("style") != 6:
            check.add(f"{path}.label", "BASE_TYPE_REQUIRED", "A button needs a label or an emoji")
        return
    _check_select(check, path, item)


def _check_select(check: _Checker, path: str, item: JSON) -> None:
    kind = item.get("type")
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
    """A components v2 message: where each component may go, its fields, and the totals."""
    everything = list(walk_components(components))
    if len(everything) > V2_COMPONENTS:
        check.add(
            "components", "BASE_TYPE_MAX_LENGTH", f"Must be {V2_COMPONENTS} or fewer in length."
        )
    text = sum(len(content) for content in text_displays(components))
    if text > V2_TEXT:
        check.add(
            "components",
            "MAX_TEXT_DISPLAY_CONTENT_LENGTH_EXCEEDED",
            f"Text displays exceed {V2_TEXT} characters in total.",
        )
    seen: set[str] = set()
    for i, component in enumerate(components):
        _check_v2(check, f"components.{i}", component, MESSAGE_TOP, seen)


def _check_v2(check: _Checker, path: str, item: JSON, allowed: set[int], seen: set[str]) -> None:
    kind = check.kind(path, item, allowed)
    if kind is None:
        return
    check.number(f"{path}.id", item.get("id"), 0, 2**31 - 1)
    if kind == ACTION_ROW:
        _check_row(check, path, item, seen)
    elif kind == BUTTON:
        _check_interactive(check, path, item, seen)
    elif kind == SECTION:
        texts = item.get("components") or []
        check.length(f"{path}.components", texts, SECTION_TEXTS, 1)
        for j, child in enumerate(texts):
            _check_v2(check, f"{path}.components.{j}", child, {TEXT_DISPLAY}, seen)
        accessory = item.get("accessory")
        if accessory is None:
            check.add(f"{path}.accessory", "BASE_TYPE_REQUIRED", "This field is required")
        else:
            _check_v2(check, f"{path}.accessory", accessory, ACCESSORIES, seen)
    elif kind == TEXT_DISPLAY:
        check.length(f"{path}.content", item.get("content"), V2_TEXT, 1)
    elif kind == THUMBNAIL:
        _check_media(check, path, item)
    elif kind == MEDIA_GALLERY:
        items = item.get("items") or []
        check.length(f"{path}.items", items, GALLERY_ITEMS, 1)
        for j, entry in enumerate(items):
            _check_media(check, f"{path}.items.{j}", entry)
    elif kind == FILE:
        url = (item.get("file") or {}).get("url")
        if not isinstance(url, str) or not url.startswith("attachment://"):
            check.add(f"{path}.file.url", "URL_TYPE_INVALID_URL", "A file must be an attachment://")
    elif kind == SEPARATOR:
        if item.get("spacing") not in (None, 1, 2):
            check.add(f"{path}.spacing", "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
        check.flag(f"{path}.divider", item.get("divider"))
    elif kind == CONTAINER:
        check.number(f"{path}.accent_color", item.get("accent_color"), 0, 0xFFFFFF)
        check.flag(f"{path}.spoiler", item.get("spoiler"))
        children = item.get("components") or []
        check.length(f"{path}.components", children, V2_COMPONENTS, 1)
        for j, child in enumerate(children):
            _check_v2(check, f"{path}.components.{j}", child, IN_CONTAINER, seen)


def _check_media(check: _Checker, path: str, item: JSON) -> None:
    media = item.get("media")
    if not isinstance(media, dict) or not media.get("url"):
        check.add(f"{path}.media.url", "BASE_TYPE_REQUIRED", "This field is required")
    else:
        check.url(f"{path}.media.url", media["url"])
    description = item.get("description")
    if description is not None:
        check.length(f"{path}.description", description, MEDIA_DESCRIPTION, 1)
    check.flag(f"{path}.spoiler", item.get("spoiler"))


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
    """A modal: up to five labels (or legacy rows of one text input, or text displays)."""
    check = _Checker()
    check.length("data.custom_id", data.get("custom_id"), CUSTOM_ID, 1)
    check.length("data.title", data.get("title"), MODAL_TITLE, 1)
    components = data.get("components") or []
    check.length("data.components", components, MODAL_COMPONENTS, 1)
    seen: set[str] = set()
    for i, component in enumerate(components):
        path = f"data.components.{i}"
        kind = check.kind(path, component, MODAL_TOP)
        if kind == ACTION_ROW:
            inner = component.get("components") or []
            check.length(f"{path}.components", inner, 1, 1)
            for j, item in enumerate(inner):
                _check_text_input(check, f"{path}.components.{j}", item, seen, in_label=False)
        elif kind == LABEL:
            check.length(f"{path}.label", component.get("label"), INPUT_LABEL, 1)
            if component.get("description") is not None:
                check.length(f"{path}.description", component["description"], LABEL_DESCRIPTION, 1)
            item = component.get("component")
            if item is None:
                check.add(f"{path}.component", "BASE_TYPE_REQUIRED", "This field is required")
            elif (inner_kind := check.kind(f"{path}.component", item, IN_LABEL)) is not None:
                _check_modal_input(check, f"{path}.component", item, inner_kind, seen)
        elif kind == TEXT_DISPLAY:
            check.length(f"{path}.content", component.get("content"), V2_TEXT, 1)
    return check.errors


def _check_modal_input(check: _Checker, path: str, item: JSON, kind: int, seen: set[str]) -> None:
    if kind == TEXT_INPUT:
        _check_text_input(check, path, item, seen, in_label=True)
        return
    check.custom_id(f"{path}.custom_id", item.get("custom_id"), seen)
    check.flag(f"{path}.required", item.get("required"))
    if kind in SELECTS:
        if item.get("disabled"):
            check.add(
                f"{path}.disabled",
                "COMPONENT_DISABLED_IN_MODAL",
                "Selects in modals cannot be disabled",
            )
        _check_select(check, path, item)
    elif kind == RADIO_GROUP:
        _check_choice_options(check, path, item.get("options") or [], RADIO_OPTIONS)
        defaults = [o for o in item.get("options") or [] if o.get("default")]
        if len(defaults) > 1:
            check.add(
                f"{path}.options",
                "RADIO_GROUP_MULTIPLE_DEFAULTS",
                "Only one option can be the default",
            )
    elif kind == CHECKBOX_GROUP:
        options = item.get("options") or []
        _check_choice_options(check, path, options, CHECKBOX_OPTIONS)
        check.number(f"{path}.min_values", item.get("min_values"), 0, CHECKBOX_OPTIONS[1])
        check.number(f"{path}.max_values", item.get("max_values"), 1, CHECKBOX_OPTIONS[1])
        if item.get("required", True) is not False and item.get("min_values") == 0:
            check.add(
                f"{path}.min_values",
                "CHECKBOX_GROUP_MIN_VALUES_REQUIRED",
                "min_values must be at least 1 when the group is required",
            )
        maximum = item.get("max_values")
        if isinstance(maximum, int) and maximum > len(options):
            check.add(
                f"{path}.max_values",
                "CHECKBOX_GROUP_MAX_VALUES_EXCEEDED",
                "max_values exceeds the number of options",
            )
    elif kind == CHECKBOX:
        check.flag(f"{path}.default", item.get("default"))
    elif kind == FILE_UPLOAD:
        check.number(f"{path}.min_values", item.get("min_values"), 0, 10)
        check.number(f"{path}.max_values", item.get("max_values"), 1, 10)


def _check_choice_options(
    check: _Checker, path: str, options: list[JSON], count: tuple[int, int]
) -> None:
    check.length(f"{path}.options", options, count[1], count[0])
    values: set[Any] = set()
    for k, option in enumerate(options):
        check.length(f"{path}.options.{k}.label", option.get("label"), 100, 1)
        check.length(f"{path}.options.{k}.value", option.get("value"), 100, 1)
        check.length(f"{path}.options.{k}.description", option.get("description"), 100)
        check.flag(f"{path}.options.{k}.default", option.get("default"))
        if option.get("value") in values:
            check.add(
                f"{path}.options.{k}.value",
                "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                "Option values must be unique",
            )
        values.add(option.get("value"))


def _check_text_input(
    check: _Checker, path: str, item: JSON, seen: set[str], *, in_label: bool
) -> None:
    if item.get("type") != TEXT_INPUT:
        check.add(f"{path}.type", "UNION_TYPE_CHOICES", "Value of field type must be 4.")
        return
    check.custom_id(f"{path}.custom_id", item.get("custom_id"), seen)
    check.length(f"{path}.label", item.get("label"), INPUT_LABEL, 0 if in_label else 1)
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
