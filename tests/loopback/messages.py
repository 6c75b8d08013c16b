"""The messages the stand-in keeps: created, edited and deleted as the bot's requests say."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .interactions import InteractionRecord
from .model import JSON, Channel, Member, Message, User, new_snowflake, utcnow, walk_components


class MessageStore:
    """Mixed into the stand-in: messages live on their channel, in order, edits applied in place."""

    if TYPE_CHECKING:
        bot_user: User
        application_id: int
        nonce_window: datetime.timedelta
        _open_records: list[InteractionRecord]

        @property
        def url(self) -> str: ...

        def emit(self, event: str, data: JSON) -> None: ...

        def changed(self) -> None: ...

    def channel_messages(
        self, channel: Channel, *, include_ephemeral: bool = False
    ) -> list[Message]:
        """Messages in the channel, oldest first, without deleted ones (and ephemeral ones)."""
        return [
            m for m in channel.messages if not m.deleted and (include_ephemeral or not m.ephemeral)
        ]

    def create_message(
        self,
        channel: Channel,
        body: JSON,
        *,
        files: Iterable[JSON] = (),
        interaction: InteractionRecord | None = None,
        flags: int = 0,
        type: int = 0,
        author: User | None = None,
    ) -> Message:
        message = Message(
            id=new_snowflake(),
            channel=channel,
            author=author or self.bot_user,
            content=body.get("content") or "",
            embeds=_embeds(body.get("embeds")),
            components=_numbered(body.get("components")),
            attachments=self._attachments(body.get("attachments"), list(files)),
            flags=flags,
            allowed_mentions=body.get("allowed_mentions"),
            nonce=body.get("nonce"),
            message_reference=body.get("message_reference"),
            type=type,
            tts=bool(body.get("tts")),
        )
        if interaction is not None:
            message.webhook_id = self.application_id
            message.application_id = self.application_id
            message.interaction_metadata = interaction.metadata()
            interaction.messages.append(message)
        elif message.author is self.bot_user:
            for record in self._open_records:
                record.messages.append(message)
        channel.messages.append(message)
        if not message.ephemeral:
            self.emit("MESSAGE_CREATE", message.gateway_payload(content=True))
        return message

    def edit_message(
        self, message: Message, body: JSON, files: Iterable[JSON] = (), *, fill: bool = False
    ) -> None:
        """Apply an edit; `fill` completes a deferred ("thinking…") response instead."""
        message.versions.append(message.snapshot())
        if "content" in body:
            message.content = body["content"] or ""
        if "embeds" in body:
            message.embeds = _embeds(body["embeds"])
        if "components" in body:
            message.components = _numbered(body["components"])
        if "allowed_mentions" in body:
            message.allowed_mentions = body["allowed_mentions"]
        files = list(files)
        if "attachments" in body or files:
            message.attachments = self._attachments(
                body.get("attachments"), files, message.attachments
            )
        flags = body.get("flags")
        if flags is not None:
            # SUPPRESS_EMBEDS comes and goes; IS_COMPONENTS_V2 can be set, never removed.
            suppress = 1 << 2
            message.flags = (message.flags & ~suppress) | (
                flags & (suppress | Message.COMPONENTS_V2)
            )
        if message.flags & Message.COMPONENTS_V2:
            message.content, message.embeds = "", []
        if fill:
            message.flags &= ~Message.LOADING
        else:
            message.edited_at = utcnow()
        if not message.ephemeral:
            self.emit("MESSAGE_UPDATE", message.gateway_payload(content=True))

    def delete_message(self, message: Message) -> None:
        message.deleted = True
        if not message.ephemeral:
            data = {
                "id": str(message.id),
                "channel_id": str(message.channel.id),
                "guild_id": str(message.guild.id),
            }
            self.emit("MESSAGE_DELETE", data)
        self.changed()

    def find_by_nonce(self, channel: Channel, nonce: Any) -> Message | None:
        horizon = utcnow() - self.nonce_window
        for message in reversed(channel.messages):
            if message.created_at < horizon:
                break
            if message.nonce == nonce and message.author is self.bot_user:
                return message
        return None

    def _attachments(
        self, declared: Any, files: list[JSON], kept: list[JSON] | None = None
    ) -> list[JSON]:
        result = []
        declared = declared if isinstance(declared, list) else []
        for entry in declared:
            existing = next((a for a in kept or [] if a["id"] == str(entry.get("id"))), None)
            if existing is not None:
                result.append(existing)
        for index, file in enumerate(files):
            attachment_id = str(new_snowflake())
            filename = file.get("filename") or f"file{index}"
            url = f"{self.url}/attachments/{attachment_id}/{filename}"
            result.append(
                {
                    "id": attachment_id,
                    "filename": filename,
                    "size": len(file.get("data", b"")),
                    "url": url,
                    "proxy_url": url,
                    "content_type": file.get("content_type"),
                }
            )
        return result

    def post_message(self, channel: Channel, member: Member, content: str) -> Message:
        """A member writes in a channel (MESSAGE_CREATE; content hidden without the intent)."""
        author = member.user
        return self.create_message(channel, {"content": content}, author=author)


def _embeds(embeds: Any) -> list[JSON]:
    return [{"type": "rich", **embed} for embed in embeds or []]


def _numbered(components: Any) -> list[JSON]:
    """Discord gives every component a numeric id when the bot does not."""
    copied: list[JSON] = copy.deepcopy(list(components or []))
    used = {c["id"] for c in walk_components(copied) if isinstance(c.get("id"), int)}
    next_id = 1
    for component in walk_components(copied):
        if not isinstance(component.get("id"), int):
            while next_id in used:
                next_id += 1
            component["id"] = next_id
            used.add(next_id)
    return copied
