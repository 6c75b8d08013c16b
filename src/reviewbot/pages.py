"""Split a review body into pages of bounded size without breaking spoilers, code or graphemes."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

# A page reopens at most `||` + a code fence with a 20-letter language (26 characters) and
# closes at most a fence and a spoiler (5); this leaves room for text after both.
MIN_PAGE = 64
ZWJ = "\u200d"
ZWSP = "\u200b"
SPOILER = "||"

# Break opportunities are runs of whitespace, except the no-break spaces (U+00A0, U+2007,
# U+202F), and the gap after a CJK full stop. One pattern per kind of break, best first; each
# matches a whole run in its `gap` group (or an empty `cjk` group).
_INLINE_SPACE = r"[ \t\r\f\v\u1680\u2000-\u2006\u2008-\u200a\u205f\u3000]"
_SPACE = r"[ \t\r\f\v\u1680\u2000-\u2006\u2008-\u200a\u205f\u3000\n\u2028\u2029]"
_CJK = r"|[。！？]+(?=\S)(?P<cjk>)"
_BREAKS = (
    re.compile(rf"(?P<gap>{_SPACE}*?(?:\n{_INLINE_SPACE}*\n|\u2029){_SPACE}*)"),  # paragraph
    re.compile(rf"(?P<gap>{_SPACE}*?[\n\u2028\u2029]{_SPACE}*)"),  # line
    re.compile(rf"[.!?…][\"'”’»)\]]*(?P<gap>{_SPACE}+){_CJK}"),  # sentence
    re.compile(rf"(?P<gap>{_SPACE}+){_CJK}"),  # word: any break
)
_SPACE_RUN = re.compile(rf"{_SPACE}*")
_SPACE_CHAR = re.compile(_SPACE)
_WORD = len(_BREAKS) - 1
_MARKUP = re.compile(r"`+|\|\|")
_BACKTICKS = re.compile(r"`+")
_CODE_LANG = re.compile(r"([A-Za-z0-9_+\-.#]{1,20})\n")
_DOUBLE_BAR = re.compile(r"\|(?=\|)")


def _extends(char: str) -> bool:
    """Whether `char` belongs to the grapheme before it (marks, joiners, modifiers, tags)."""
    code = ord(char)
    return (
        unicodedata.category(char) in {"Mn", "Me", "Mc"}
        or char in "\u200c\u200d"
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or 0xDC00 <= code <= 0xDFFF
    )


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _hangul_joins(before: str, after: str) -> bool:
    b, a = ord(before), ord(after)
    leading = 0x1100 <= b <= 0x115F or 0xA960 <= b <= 0xA97F
    syllable_or_vowel = 0xAC00 <= b <= 0xD7A3 or 0x1160 <= b <= 0x11FF or 0xD7B0 <= b <= 0xD7FF
    after_jamo = 0x1160 <= a <= 0x11FF or 0xD7B0 <= a <= 0xD7FF
    return (leading and (after_jamo or 0x1100 <= a <= 0x115F or 0xAC00 <= a <= 0xD7A3)) or (
        syllable_or_vowel and after_jamo
    )


def is_boundary(text: str, index: int) -> bool:
    """Whether cutting `text` before `index` keeps every grapheme (base + marks, emoji) whole."""
    if index <= 0 or index >= len(text):
        return True
    before, after = text[index - 1], text[index]
    if (before == "\r" and after == "\n") or before == ZWJ or _extends(after):
        return False
    if _regional(before) and _regional(after):
        # A flag is a pair of regional indicators: cut only between pairs.
        run = index
        while run > 0 and _regional(text[run - 1]):
            run -= 1
        return (index - run) % 2 == 0
    return not _hangul_joins(before, after)


def boundary_before(text: str, index: int) -> int:
    """The last grapheme boundary at or before `index` (0 when the first grapheme is longer)."""
    index = min(max(index, 0), len(text))
    while index > 0 and not is_boundary(text, index):
        index -= 1
    return index


def _run_end(text: str, index: int) -> int:
    """Where the run of whitespace reaching `index` ends."""
    run = _SPACE_RUN.match(text, index)
    return run.end() if run else index


def _start(span: _Span) -> int:
    return span.start


@dataclass(frozen=True, slots=True, eq=False)
class _Span:
    """Markup that must be closed on a page and reopened on the next when a cut falls inside."""

    start: int
    content_start: int
    content_end: int
    end: int
    opener: str
    closer: str
    children: tuple[_Span, ...] = field(default=())

    def in_marks(self, index: int) -> bool:
        return self.start < index <= self.content_start or self.content_end <= index < self.end


Choice = tuple[int, int, tuple[_Span, ...]]  # (page end, next page start, spans left open)


def _around(spans: tuple[_Span, ...], index: int) -> _Span | None:
    i = bisect_left(spans, index, key=_start) - 1
    return spans[i] if i >= 0 and index < spans[i].end else None


def _code_span(text: str, at: int, ticks: int, stop: int) -> _Span | None:
    """The code block or inline code opening at `at`, as Discord would match it, if closed."""
    if ticks >= 3:
        close = text.find("```", at + 4, stop)
        if close < 0:
            return None
        lang = _CODE_LANG.match(text, at + 3, close)
        if lang is None or lang.end() >= close:
            return _Span(at, at + 3, close, close + 3, "```\n", "```")
        return _Span(at, lang.end(), close, close + 3, f"```{lang.group(1)}\n", "```")
    for run in _BACKTICKS.finditer(text, at + ticks + 1, stop):
        if run.end() - run.start() == ticks:
            return _Span(at, at + ticks, run.start(), run.end(), "`" * ticks, "`" * ticks)
    return None


def _scan(text: str, start: int, stop: int, *, spoilers: bool) -> tuple[_Span, ...]:
    """Spoilers and code in reading order; a spoiler ends at the first `||` after it opens."""
    spans: list[_Span] = []
    at = start
    while found := _MARKUP.search(text, at, stop):
        at = found.start()
        if found.group() == SPOILER:
            close = text.find(SPOILER, at + 3, stop) if spoilers else -1
            if close < 0:
                at += 2
                continue
            inner = _scan(text, at + 2, close, spoilers=False)
            spans.append(_Span(at, at + 2, close, close + 2, SPOILER, SPOILER, inner))
            at = close + 2
        elif span := _code_span(text, at, found.end() - at, stop):
            spans.append(span)
            at = span.end
        else:
            at = found.end()
    return tuple(spans)


class _Layout:
    """One text's markup spans and break opportunities, for choosing where pages end."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = _scan(text, 0, len(text), spoilers=True)

    def _gaps(self, kind: int, low: int, high: int) -> Iterator[tuple[int, int]]:
        """The (start, end) of each break of `kind` starting in [low, high], last first."""
        size = 256  # usually the last break is near the end: look there first
        while high >= low:
            chunk = max(low, high - size)
            found: list[tuple[int, int]] = []
            # A break starting by `high` is matched whole (a paragraph break is two line breaks).
            stop = max(high + 1, _run_end(self.text, high))
            for gap in _BREAKS[kind].finditer(self.text, chunk, stop):
                if gap.groupdict().get("cjk") is not None:
                    found.append((gap.end(), gap.end()))
                    continue
                start, end = gap.span("gap")
                # A run that began before the chunk is found, whole, in the previous chunk.
                if start > 0 and not (start == chunk and _SPACE_CHAR.match(self.text, start - 1)):
                    found.append((start, _run_end(self.text, end)))
            yield from reversed(found)
            high, size = chunk - 1, size * 4

    def _resume(self, cut: int, end: int) -> int:
        """Where the page after a cut at the gap [cut, end) starts."""
        held = self.spans_at(cut)
        if held and held[-1].opener.startswith("`") and "\n" in self.text[cut:end]:
            end = self.text.index("\n", cut) + 1  # keep the code's indentation
        return end if is_boundary(self.text, end) else end - 1

    def farthest(self, kind: int, low: int, high: int, *, outside: bool) -> Choice | None:
        """The last usable break of `kind` in [low, high], outside or inside spans."""
        skip_to = high
        for cut, end in self._gaps(kind, low, high):
            if cut > skip_to:
                continue
            resume = self._resume(cut, end)
            held = self.spans_for(cut, resume, strict=True) if is_boundary(self.text, cut) else None
            if held is not None and bool(held) != outside:
                if cut + len(_closers(held)) <= high:
                    return cut, resume, held
            elif outside and (span := _around(self.spans, cut)) is not None:
                skip_to = span.start  # no cut inside this span is outside it
                if skip_to < low:
                    break
        return None

    def spans_at(self, index: int) -> tuple[_Span, ...] | None:
        """The spans a cut at `index` falls inside, outermost first; None within their marks."""
        held: list[_Span] = []
        level = self.spans
        while (span := _around(level, index)) is not None:
            if span.in_marks(index):
                return None
            held.append(span)
            level = span.children
        return tuple(held)

    def outside_floor(self, index: int) -> int:
        """The nearest position at or before `index` that is outside every span."""
        span = _around(self.spans, index)
        return span.start if span is not None else index

    def spans_for(self, cut: int, resume: int, *, strict: bool) -> tuple[_Span, ...] | None:
        """The spans to close at `cut` and reopen at `resume`, or None when they can't be."""
        held = self.spans_at(cut)
        if held is None:
            return None
        if resume != cut:
            there = self.spans_at(resume)
            same = there is not None and len(there) == len(held)
            if not same or any(a is not b for a, b in zip(there or (), held, strict=False)):
                return None
        if strict and self.text[cut - 1 : cut + 1] == "``":
            return None  # a shorter run of backticks could pair up differently
        if held and strict:
            inner = held[-1]
            # Keep added markers from fusing with the text's own bars or backticks.
            if self.text[cut - 1] == inner.closer[0]:
                return None
            if inner.opener.endswith("`") and self.text[resume] == "`":
                return None
        return held


def _closers(held: tuple[_Span, ...]) -> str:
    return "".join(span.closer for span in reversed(held))


def _openers(held: tuple[_Span, ...]) -> str:
    return "".join(span.opener for span in held)


def _choices(layout: _Layout, start: int, room: int) -> Iterator[Choice | None]:
    """Candidate page ends for a page at `start` holding `room` characters, best first.

    A paragraph, line, sentence or word break in the page's second half outside any spoiler
    or code; any such break outside them (moving a span that fits a page to the next one);
    the same inside them. `_hard_break` covers text with no break at all.
    """
    end, half = start + room, start + room // 2
    if not _BREAKS[_WORD].search(layout.text, start + 1, end + 1):
        return
    for kind in range(len(_BREAKS)):
        yield layout.farthest(kind, half, end, outside=True)
    blocking = _around(layout.spans, end)
    movable = blocking is None or blocking.end - blocking.start <= room
    if movable:
        yield layout.farthest(_WORD, start + 1, end, outside=True)
    for kind in range(len(_BREAKS)):
        yield layout.farthest(kind, half, end, outside=False)
    if not movable:  # the span is longer than a page and is cut anyway: fill this page
        yield layout.farthest(_WORD, start + 1, end, outside=True)
    yield layout.farthest(_WORD, start + 1, end, outside=False)


def _hard_break(layout: _Layout, start: int, room: int) -> Choice:
    """A cut with no whitespace to use: at a grapheme boundary if any fits, else a code point."""
    text = layout.text
    for graphemes, strict, outside_only in (
        (True, True, True),
        (True, True, False),
        (False, True, False),
        (False, False, False),
    ):
        index = start + room
        while index > start:
            if outside_only:
                index = layout.outside_floor(index)
                if index <= start:
                    break
            if not graphemes or is_boundary(text, index):
                held = layout.spans_for(index, index, strict=strict)
                if held is not None and index - start + len(_closers(held)) <= room:
                    return index, index, held
            index -= 1
    raise RuntimeError("no place to end the page")  # unreachable while room >= MIN_PAGE - 26


@lru_cache(maxsize=64)
def _split(text: str, limit: int) -> tuple[str, ...]:
    if len(text) <= limit:  # most reviews: one page, nothing to lay out
        return (text,)
    layout = _Layout(text)
    pages: list[str] = []
    start, prefix = 0, ""
    while start < len(text):
        room = limit - len(prefix)
        if len(text) - start <= room:
            pages.append(prefix + text[start:])
            break
        choices = _choices(layout, start, room)
        cut, resume, held = next(filter(None, choices), None) or _hard_break(layout, start, room)
        pages.append(prefix + text[start:cut] + _closers(held))
        start, prefix = resume, _openers(held)
    return tuple(pages) or ("",)


def neutralise_bars(text: str) -> str:
    """Break up every `||` (and a trailing `|`) with a zero-width space so no bar pair forms."""
    text = _DOUBLE_BAR.sub("|" + ZWSP, text)
    return text + ZWSP if text.endswith("|") else text


def spoiler_wrap(text: str) -> str:
    """The whole text behind one pair of spoiler bars; inner bars can't end it early."""
    return f"{SPOILER}{neutralise_bars(text)}{SPOILER}" if text else ""


def split_pages(text: str, limit: int, *, spoiler: bool = False) -> list[str]:
    """Split `text` into pages of at most `limit` characters, the same way every time.

    Pages end at paragraph breaks, else line breaks, sentence ends, spaces, and only then
    inside a word (never inside a grapheme when avoidable). A `||spoiler||` or code block cut
    by a page end is closed on that page and reopened on the next. With `spoiler`, every page
    is wrapped whole in spoiler bars (see `spoiler_wrap`) and still fits `limit`.
    """
    if limit < MIN_PAGE:
        raise ValueError(f"a page must hold at least {MIN_PAGE} characters, not {limit}")
    if spoiler:
        # Two bars each side, plus a zero-width space if a page ends with a bar.
        return [spoiler_wrap(page) for page in _split(neutralise_bars(text), limit - 5)]
    return list(_split(text, limit))
