"""A feed's HTML as Discord Markdown: the writing kept, the page's machinery dropped.

feedparser's sanitiser has already removed scripts, styles, iframes and event handlers; this
keeps paragraphs, emphasis, links, lists, quotes and line breaks, and drops images (a cover is
taken apart), tables' layout and every wrapper element, keeping their text.
"""

from __future__ import annotations

import re
from typing import Any

from markdownify import MarkdownConverter

# The elements whose meaning survives in Discord Markdown; any other keeps only its text.
KEPT = (
    "p", "br", "em", "i", "strong", "b", "a", "ul", "ol", "li", "blockquote",
    "h1", "h2", "h3", "h4", "h5", "h6", "del", "s", "strike", "code", "pre", "hr",
)  # fmt: skip
_DROPPED = {"script", "style", "iframe", "noscript", "template", "svg", "form", "button", "object"}
# Layout wrappers: dropped, but what they held stays apart from what follows.
_BLOCKS = {
    "div", "section", "article", "header", "footer", "aside", "figure", "figcaption",
    "table", "tr", "dl", "dt", "dd", "address", "main",
}  # fmt: skip
_CELLS = {"td", "th"}
_BLANK_LINES = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


class _DiscordMarkdown(MarkdownConverter):
    def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return ""

    def convert_br(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return "\n"

    def convert_hr(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return "\n\n"

    def convert_a(self, el: Any, text: str, parent_tags: set[str]) -> str:
        href = el.get("href") or ""
        text = text.strip()
        if not re.match(r"https?://", href) or not text:
            return text
        if text == href:
            return href
        return f"[{text.replace(']', '')}]({href.replace(')', '%29')})"

    def _heading(self, el: Any, text: str, parent_tags: set[str]) -> str:
        text = " ".join(text.split())
        return f"\n\n**{text}**\n\n" if text else ""

    convert_h1 = convert_h2 = convert_h3 = convert_h4 = convert_h5 = convert_h6 = _heading

    def process_tag(self, node: Any, parent_tags: set[str] | None = None) -> str:
        if node.name in _DROPPED:
            return ""
        text = str(super().process_tag(node, parent_tags))  # type: ignore[misc]
        if node.name in _BLOCKS and text.strip():
            return f"\n\n{text.strip()}\n\n"
        if node.name in _CELLS:
            return f"{text.strip()} "
        return text


_CONVERTER = _DiscordMarkdown(
    convert=list(KEPT),
    bullets="-",
    strong_em_symbol="*",
    escape_asterisks=True,
    escape_underscores=True,
    escape_misc=False,
    autolinks=True,
)


def html_to_markdown(html: str) -> str:
    """`html` (already sanitised) as Markdown that Discord renders: trimmed, at most one blank
    line between paragraphs."""
    if not html.strip():
        return ""
    text = _CONVERTER.convert(html) if "<" in html else html  # plain text: only tidied
    text = _TRAILING_SPACE.sub("\n", text.replace("\r\n", "\n").replace("\xa0", " "))
    return _BLANK_LINES.sub("\n\n", text).strip()
