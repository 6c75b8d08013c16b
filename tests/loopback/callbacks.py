"""Answers to interactions: initial callback, followups, original response, by Discord's rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ApiError
from .interactions import ALLOWED_CALLBACKS, COMMAND, InteractionRecord, Modal
from .limits import FieldError, check_choices, check_edit, check_message, check_modal
from .model import JSON, Message

if TYPE_CHECKING:
    from .server import LoopbackDiscord

_MESSAGE_FLAGS = Message.EPHEMERAL | (1 << 2) | (1 << 12) | Message.COMPONENTS_V2
_CREATES_MESSAGE = {4, 5}
_UPDATES_SOURCE = {6, 7}


class InteractionDesk:
    def __init__(self, host: LoopbackDiscord) -> None:
        self.host = host

    # Finding the interaction a request is about

    def for_callback(self, interaction_id: str, token: str) -> InteractionRecord:
        record = (
            self.host.interactions.get(int(interaction_id)) if interaction_id.isdigit() else None
        )
        if record is None:
            raise ApiError(404, 10062)
        if record.token != token:
            raise ApiError(401, 50027)
        return record

    def for_webhook(self, application_id: str, token: str) -> InteractionRecord:
        record = self.host.interactions_by_token.get(token)
        if record is None or application_id != str(self.host.application_id):
            raise ApiError(404, 10015)
        if record.response_type is None:
            # Followups and the original response exist only once the interaction is acknowledged.
            raise ApiError(404, 10015)
        return record

    def message_of(self, record: InteractionRecord, message_id: str) -> Message:
        if message_id == "@original":
            found = record.original
        else:
            found = next((m for m in record.followups if str(m.id) == message_id), None)
            if (
                found is None
                and record.original is not None
                and str(record.original.id) == message_id
            ):
                found = record.original
        if found is None or found.deleted:
            raise ApiError(404, 10008)
        return found

    # The initial response

    def callback(
        self, record: InteractionRecord, body: Any, files: list[JSON], query: JSON
    ) -> JSON | None:
        host = self.host
        kind = body.get("type") if isinstance(body, dict) else None
        data = (body.get("data") if isinstance(body, dict) else None) or {}
        if record.response_type is not None:
            host.record(
                "double_ack",
                f"{record.label}: a second initial response (type {kind}) after type "
                f"{record.response_type}; use followups or edit the original response instead",
            )
            raise ApiError(400, 40060)
        elapsed = host.now() - record.created
        if elapsed > host.response_deadline:
            if record.late is not None:
                raise ApiError(404, 10062)
            record.late = elapsed
            host.record(
                "late",
                f"{record.label}: first response after {elapsed:.2f}s; Discord allows "
                f"{host.response_deadline:g}s (defer when work may take longer)",
            )
            raise ApiError(404, 10062)
        allowed = set(ALLOWED_CALLBACKS[record.type])
        if record.source is None:
            allowed -= _UPDATES_SOURCE
        if not isinstance(kind, int) or kind not in allowed:
            error = FieldError(
                "type", "INTERACTION_RESPONSE_TYPE_INVALID", f"Type {kind} not allowed here"
            )
            what = f"{record.label}: response type {kind} (allowed {sorted(allowed)})"
            self._reject(record, [error], what)
            raise AssertionError("unreachable: _reject raises")
        self._validate(record, kind, data)
        record.response_type = kind
        message = self._apply(record, kind, data, files)
        host.changed()
        if query.get("with_response") not in ("1", "true", "True"):
            return None
        return self._callback_response(record, kind, message)

    def _validate(self, record: InteractionRecord, kind: int, data: JSON) -> None:
        what = f"{record.label}: response type {kind}"
        if kind in (4, 7):
            if kind == 7 and record.source is not None:
                found = check_edit(record.source.snapshot(), data)
            else:
                found = check_message(data)
            self._reject(record, [_under("data", e) for e in found], what)
            if kind == 4:
                self.host.check_not_empty(data, what, record)
            self.host.check_pings(data, what, reply=False)
        elif kind == 9:
            self._reject(record, check_modal(data), what)
        elif kind == 8:
            self._reject(record, check_choices(data), what)

    def _reject(self, record: InteractionRecord, errors: list[FieldError], what: str) -> None:
        if errors:
            record.rejected.append("; ".join(map(str, errors)))
            self.host.reject(errors, what)

    def _apply(
        self, record: InteractionRecord, kind: int, data: JSON, files: list[JSON]
    ) -> Message | None:
        host = self.host
        flags = (data.get("flags") or 0) & _MESSAGE_FLAGS
        message_type = 20 if record.type == COMMAND else 0
        if kind == 4:
            record.original = host.create_message(
                record.channel,
                data,
                files=files,
                interaction=record,
                flags=flags,
                type=message_type,
            )
        elif kind == 5:
            loading = Message.LOADING | (flags & Message.EPHEMERAL)
            record.original = host.create_message(
                record.channel, {}, interaction=record, flags=loading, type=message_type
            )
            record.deferred = True
        elif kind == 6:
            record.original = record.source
        elif kind == 7:
            assert record.source is not None
            host.edit_message(record.source, data, files)
            record.original = record.source
        elif kind == 8:
            record.choices = list(data.get("choices") or [])
        elif kind == 9:
            record.modal = Modal.from_data(data, record)
        return record.original if kind in _CREATES_MESSAGE | _UPDATES_SOURCE else None

    def _callback_response(
        self, record: InteractionRecord, kind: int, message: Message | None
    ) -> JSON:
        interaction: JSON = {
            "id": str(record.id),
            "type": record.type,
            "channel_id": str(record.channel.id),
            "guild_id": str(record.guild.id),
        }
        response: JSON = {"interaction": interaction}
        if message is not None:
            interaction["response_message_id"] = str(message.id)
            interaction["response_message_loading"] = kind == 5
            interaction["response_message_ephemeral"] = message.ephemeral
        if kind in (4, 5, 7) and message is not None:
            response["resource"] = {"type": kind, "message": message.payload()}
        elif kind in (6, 9):
            response["resource"] = {"type": kind}
        return response

    # Followups and the original response

    def followup(
        self, record: InteractionRecord, body: Any, files: list[JSON], query: JSON
    ) -> JSON | None:
        host = self.host
        data = body if isinstance(body, dict) else {}
        what = f"{record.label}: followup"
        host.reject(check_message(data), what)
        host.check_not_empty(data, what, record)
        host.check_pings(data, what, reply=False)
        original = record.original
        if record.deferred and original is not None:
            # The first followup after a deferred response replaces the "thinking…" message.
            host.edit_message(original, data, files, fill=True)
            record.deferred = False
            message = original
        else:
            flags = (data.get("flags") or 0) & _MESSAGE_FLAGS
            message = host.create_message(
                record.channel, data, files=files, interaction=record, flags=flags
            )
            record.followups.append(message)
        host.changed()
        return message.payload() if query.get("wait") in ("1", "true", "True") else None

    def edit(
        self, record: InteractionRecord, message_id: str, body: Any, files: list[JSON]
    ) -> JSON:
        host = self.host
        message = self.message_of(record, message_id)
        data = body if isinstance(body, dict) else {}
        what = f"{record.label}: edit of message {message_id}"
        host.reject(check_edit(message.snapshot(), data), what)
        host.check_pings(
            {**data, "allowed_mentions": data.get("allowed_mentions", message.allowed_mentions)},
            what,
        )
        fill = record.deferred and message is record.original
        host.edit_message(message, data, files, fill=fill)
        if fill:
            record.deferred = False
        host.changed()
        return message.payload()

    def delete(self, record: InteractionRecord, message_id: str) -> None:
        message = self.message_of(record, message_id)
        self.host.delete_message(message)
        if message is record.original:
            record.deferred = False


def _under(prefix: str, error: FieldError) -> FieldError:
    return FieldError(f"{prefix}.{error.path}" if error.path else prefix, error.code, error.message)
