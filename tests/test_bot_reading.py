from reviewbot.bot import ReviewBot

from .loopback.model import Guild
from .loopback.server import LoopbackDiscord


async def test_show_answers_with_the_review_and_its_buttons(
    loopback: LoopbackDiscord, alpha: Guild, bot: ReviewBot
) -> None:
    reader = alpha.add_member("reader")
    reply = await loopback.slash(alpha, reader, "review show", title="Her")
    assert reply.type == 4 and not reply.ephemeral
    embed = reply.embed
    assert embed is not None
    print(embed)
    print(reply.components)
    assert embed["title"] == "Her"
