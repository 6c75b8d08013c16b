"""Acting as members: commands, autocomplete, buttons, selects, forms; then awaiting the answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import InteractionFailed
from .gateway import Gateway, Session
from .interactions import (
    AUTOCOMPLETE,
    COMMAND,
    COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
    Modal,
    Reply,
    command_data,
    find_component,
    new_record,
    select_values,
)
from .model import JSON, Channel, Guild, Member, Message

_T = TypeVar("_T")


class MemberActions:
    """Mixed into the stand-in: each call sends one interaction and returns the bot's `Reply`."""

    if TYPE_CHECKING:
        application_id: int
        global_commands: list[JSON]
        gateway: Gateway
        interactions: dict[int, InteractionRecord]
        interactions_by_token: dict[str, InteractionRecord]
        response_deadline: float
        interaction_timeout: float
        settle_time: float
        _open_records: list[InteractionRecord]
        _in_flight: int
        _last_activity: float

        def now(self) -> float: ...

        def guild_commands(self, guild: Guild) -> list[JSON]: ...

        async def _wait_change(self, within: float) -> None: ...

        async def wait_for(
            self, predicate: Callable[[], _T | None], within: float = 5.0, what: str = "condition"
        ) -> _T: ...

    async def slash(
        self,
        guild: Guild,
        member: Member,
        command: str,
        *,
        channel: Channel | None = None,
        options: Mapping[str, Any] | None = None,
        **values: Any,
    ) -> Reply:
        """Run `/command` (e.g. "review config channel") as `member` in `channel` (#general).

        Option values go by their registered names, as keywords or, for options named `channel`
        or `options`, in `options`.
        """
        channel = channel or guild.default_channel
        data = command_data(self, guild, member, channel, command, {**(options or {}), **values})
        record = new_record(self, COMMAND, guild, channel, member, f"/{command}", data)
        return await self._run(record)

    async def autocomplete(
        self,
        guild: Guild,
        member: Member,
        command: str,
        option: str,
        typed: str,
        *,
        channel: Channel | None = None,
        options: Mapping[str, Any] | None = None,
        **values: Any,
    ) -> list[JSON]:
        """What the bot suggests as `member` types `typed` into `option`: [{name, value}, ...].

        Other options already filled in go as in `slash`.
        """
        channel = channel or guild.default_channel
        filled = {**(options or {}), **values, option: typed}
        data = command_data(self, guild, member, channel, command, filled, focused=option)
        label = f"/{command} autocomplete of {option}={typed!r}"
        record = new_record(self, AUTOCOMPLETE, guild, channel, member, label, data)
        reply = await self._run(record, settle=False)
        return reply.choices or []

    async def click(
        self,
        message: Message | Reply,
        member: Member,
        *,
        label: str | None = None,
        custom_id: str | None = None,
        emoji: str | None = None,
    ) -> Reply:
        """Press a button, found by label, custom_id or emoji, on the message as it is now."""
        message = self._clickable(message, member)
        button = find_component(message, label=label, custom_id=custom_id, emoji=emoji, kinds={2})
        name = button.get("label") or button.get("custom_id")
        if button.get("disabled"):
            raise AssertionError(
                f"button {name!r} is disabled; Discord does not let {member.name} press it"
            )
        if button.get("style") in (5, 6):
            raise AssertionError(
                f"button {name!r} is a link; pressing it opens {button.get('url')}"
            )
        data = {"custom_id": button["custom_id"], "component_type": 2}
        if "id" in button:
            data["id"] = button["id"]
        record = new_record(
            self,
            COMPONENT,
            message.guild,
            message.channel,
            member,
            f"click {name!r}",
            data,
            source=message,
        )
        return await self._run(record)

    async def select(
        self,
        message: Message | Reply,
        member: Member,
        values: list[Any],
        *,
        custom_id: str | None = None,
        placeholder: str | None = None,
    ) -> Reply:
        """Pick `values` in a select menu (option values, or members, roles or channels)."""
        message = self._clickable(message, member)
        menu = find_component(
            message, label=placeholder, custom_id=custom_id, kinds={3, 5, 6, 7, 8}
        )
        if menu.get("disabled"):
            raise AssertionError(f"select {menu.get('custom_id')!r} is disabled")
        resolved: JSON = {}
        chosen = select_values(menu, values, member, resolved)
        data: JSON = {
            "custom_id": menu["custom_id"],
            "component_type": menu["type"],
            "values": chosen,
        }
        if resolved:
            data["resolved"] = resolved
        label = f"select {chosen} in {menu.get('custom_id')!r}"
        record = new_record(
            self, COMPONENT, message.guild, message.channel, member, label, data, source=message
        )
        return await self._run(record)

    async def submit_modal(
        self, modal: Modal | Reply, member: Member, values: Mapping[str, Any]
    ) -> Reply:
        """Fill in and submit a modal the bot opened; inputs by custom_id or label."""
        if isinstance(modal, Reply):
            if modal.modal is None:
                raise AssertionError(
                    f"the bot answered {modal.interaction.label} with type {modal.type}, "
                    "not a modal"
                )
            modal = modal.modal
        opener = modal.opened_by
        if member is not opener.member:
            raise AssertionError(f"only {opener.member.name} sees this modal, not {member.name}")
        data = {"custom_id": modal.custom_id, "components": modal.submission(values)}
        record = new_record(
            self,
            MODAL_SUBMIT,
            opener.guild,
            opener.channel,
            member,
            f"submit of modal {modal.title!r}",
            data,
            source=opener.source,
        )
        return await self._run(record)

    def _clickable(self, message: Message | Reply, member: Member) -> Message:
        if isinstance(message, Reply):
            if message.message is None:
                raise AssertionError(f"{message.interaction.label} produced no message to click on")
            message = message.message
        if message.deleted:
            raise AssertionError(f"message {message.id} was deleted")
        if message.ephemeral:
            owner = message.interaction_metadata and message.interaction_metadata["user"]["id"]
            if owner != str(member.id):
                raise AssertionError(
                    f"message {message.id} is ephemeral; only its recipient can use it"
                )
        return message

    async def _run(self, record: InteractionRecord, *, settle: bool = True) -> Reply:
        session = await self._live_session(record.guild.id, self.interaction_timeout)
        self.interactions[record.id] = record
        self.interactions_by_token[record.token] = record
        self._open_records.append(record)
        try:
            record.created = self.now()
            session.dispatch("INTERACTION_CREATE", record.payload)
            await self._await_answer(record)
            if settle:
                await self._settle(record.created + self.interaction_timeout)
        finally:
            self._open_records.remove(record)
        return Reply.of(record)

    async def _live_session(self, guild_id: int, within: float) -> Session:
        found = await self.wait_for(
            lambda: self.gateway.live_session(guild_id), within, "a connected bot on its shard"
        )
        return found

    async def _await_answer(self, record: InteractionRecord) -> None:
        give_up = record.created + self.interaction_timeout
        deadline = record.created + self.response_deadline
        while record.response_type is None:
            now = self.now()
            if record.late is not None:
                raise InteractionFailed(
                    f"{record.label}: the bot answered after {record.late:.2f}s; Discord allows "
                    f"{self.response_deadline:g}s and rejected it"
                )
            if record.rejected and now > deadline:
                raise InteractionFailed(
                    f"{record.label}: Discord rejected the answer: {record.rejected}"
                )
            if now >= give_up:
                raise InteractionFailed(
                    f"{record.label}: no answer from the bot within {self.interaction_timeout:g}s"
                )
            await self._wait_change(min(deadline if now < deadline else give_up, give_up) - now)
        while record.deferred:
            now = self.now()
            if now >= give_up:
                raise InteractionFailed(
                    f"{record.label}: deferred, but no followup or edit within "
                    f"{self.interaction_timeout:g}s"
                )
            await self._wait_change(give_up - now)

    async def _settle(self, give_up: float) -> None:
        """Wait until the bot's handlers are done and it has made no request for `settle_time`."""
        while True:
            now = self.now()
            quiet = now - self._last_activity
            idle = self._in_flight == 0 and not _handlers_running()
            if (idle and quiet >= self.settle_time) or now >= give_up:
                return
            await asyncio.sleep(max(self.settle_time - quiet, 0.005))


# The names discord.py gives the tasks that run interaction handlers. For a client running in this
# event loop they say exactly when its handler is done; a bot in another process falls back on
# the quiet period alone.
_HANDLER_TASKS = (
    "CommandTree-invoker",
    "discord-ui-view-dispatch-",
    "discord-ui-modal-dispatch-",
    "discord-ui-dynamic-item-",
    "discord.py: interaction",
)


def _handlers_running() -> bool:
    return any(
        task.get_name().startswith(_HANDLER_TASKS) and not task.done()
        for task in asyncio.all_tasks()
    )
