"""Where a page may end inside a text: every kind of grapheme, at the edges of its ranges.

A cut between two code points that belong to one grapheme shows a reader a broken letter, a
lone accent or half a flag; a cut anywhere else must stay allowed, or pages end early.
"""

from __future__ import annotations

import pytest

from reviewbot.pages import boundary_before, is_boundary, split_pages

L_FIRST, L_LAST = "\u1100", "\u115f"  # leading consonants (choseong)
L_EXT_FIRST, L_EXT_LAST = "\ua960", "\ua97f"  # more of them (Hangul Jamo Extended-A)
V_FIRST, V = "\u1160", "\u1161"  # vowels (jungseong)
T_FIRST, T_LAST = "\u11a8", "\u11ff"  # trailing consonants (jongseong)
JAMO_B_FIRST, JAMO_B_LAST = "\ud7b0", "\ud7ff"  # vowels and trailing ones (Extended-B)
SYLLABLE_FIRST, SYLLABLE_LAST = "\uac00", "\ud7a3"  # 가 … 힣, precomposed syllables
US, FR = "\U0001f1fa\U0001f1f8", "\U0001f1eb\U0001f1f7"  # two flags, two code points each

JOINED = [
    # Marks of every kind stay with the letter before them.
    ("e", "\u0301", "a non-spacing mark (Mn)"),
    ("a", "\u20dd", "an enclosing mark (Me)"),
    ("\u0915", "\u093e", "a spacing mark (Mc)"),
    ("a", "\u200c", "a zero-width non-joiner"),
    ("a", "\u200d", "a zero-width joiner"),
    ("\u200d", "a", "whatever follows a zero-width joiner"),
    ("\r", "\n", "a CRLF line break"),
    # Skin tones and tag characters (subdivision flags) extend the emoji before them.
    ("\U0001f44d", "\U0001f3fb", "the first skin tone"),
    ("\U0001f44d", "\U0001f3ff", "the last skin tone"),
    ("\U0001f3f4", "\U000e0020", "the first tag character"),
    ("\U0001f3f4", "\U000e007f", "the cancel tag"),
    ("\ud83d", "\udc00", "the first low surrogate"),
    ("\ud83d", "\udfff", "the last low surrogate"),
    # Regional indicators pair up into flags.
    ("\U0001f1e6", "\U0001f1e6", "the first regional indicator"),
    ("\U0001f1ff", "\U0001f1ff", "the last regional indicator"),
    # Hangul jamo: a leading consonant takes another, a vowel, a trailing one or a syllable.
    (L_FIRST, L_FIRST, "two leading consonants"),
    (L_LAST, L_LAST, "the last leading consonants"),
    (L_EXT_FIRST, L_FIRST, "an extended leading consonant"),
    (L_EXT_LAST, L_FIRST, "the last extended leading consonant"),
    (L_FIRST, V, "a leading consonant and a vowel"),
    (L_FIRST, V_FIRST, "a leading consonant and the first vowel filler"),
    (L_FIRST, T_LAST, "a leading consonant and the last trailing consonant"),
    (L_FIRST, JAMO_B_FIRST, "a leading consonant and an Extended-B jamo"),
    (L_FIRST, JAMO_B_LAST, "a leading consonant and the last Extended-B code point"),
    (L_FIRST, SYLLABLE_FIRST, "a leading consonant and the first syllable"),
    (L_FIRST, SYLLABLE_LAST, "a leading consonant and the last syllable"),
    # A syllable or a vowel takes a vowel or trailing consonant after it.
    (SYLLABLE_FIRST, T_FIRST, "the first syllable and a trailing consonant"),
    (SYLLABLE_LAST, T_FIRST, "the last syllable and a trailing consonant"),
    (V_FIRST, V, "the vowel filler and a vowel"),
    (V, V, "two vowels"),
    (T_LAST, T_FIRST, "two trailing consonants"),
    (JAMO_B_FIRST, T_FIRST, "an Extended-B jamo and a trailing consonant"),
    (JAMO_B_LAST, T_FIRST, "the last Extended-B code point and a trailing consonant"),
]

APART = [
    ("\r", "x", "a carriage return without its line feed"),
    ("a", "X", "two letters"),
    ("\U0001f44d", "\U0001f400", "an emoji after a thumbs-up (just past the skin tones)"),
    ("\U0001f3f4", "\U000e0080", "a code point just past the tags"),
    ("a", "\ue000", "a private-use character, just past the surrogates"),
    ("\U0001f1e6", "\U0001f200", "a regional indicator and the square after their range"),
    ("\U0001f1fa", "a", "a lone regional indicator and a letter"),
    ("a", L_FIRST, "a letter and a leading consonant"),
    ("a", V, "a letter and a vowel"),
    ("\u1200", T_FIRST, "an Ethiopic syllable and a trailing consonant"),
    (V_FIRST, L_FIRST, "a vowel and a leading consonant (a new syllable)"),
    ("\ua980", L_FIRST, "a code point just past the extended leading consonants"),
    ("\ud7a4", T_FIRST, "a code point just past the syllables"),
    ("\ud800", T_FIRST, "a code point just past Extended-B"),
    (L_FIRST, "\u1200", "a leading consonant and an Ethiopic syllable"),
    (L_FIRST, "\ud800", "a leading consonant and a code point just past Extended-B"),
    (L_FIRST, "\ud7a4", "a leading consonant and a code point just past the syllables"),
    (SYLLABLE_FIRST, SYLLABLE_FIRST, "two syllables"),
]


@pytest.mark.parametrize(("before", "after", "what"), JOINED, ids=[w for *_, w in JOINED])
def test_a_page_never_ends_inside_a_grapheme(before: str, after: str, what: str) -> None:
    assert not is_boundary(before + after, 1), what
    assert not is_boundary("x" + before + after + "x", 2), what


@pytest.mark.parametrize(("before", "after", "what"), APART, ids=[w for *_, w in APART])
def test_a_page_may_end_between_graphemes(before: str, after: str, what: str) -> None:
    assert is_boundary(before + after, 1), what
    assert is_boundary("x" + before + after + "x", 2), what


def test_the_ends_of_a_text_are_always_boundaries() -> None:
    assert is_boundary("\u0301a", 0)  # even before a mark: nothing comes before the text
    assert is_boundary("ab", 2) and is_boundary("a\u0301", 2)
    assert is_boundary("", 0)


def test_flags_pair_up_from_the_start_of_their_run() -> None:
    text = "a" + US + FR
    assert [i for i in range(len(text) + 1) if is_boundary(text, i)] == [0, 1, 3, 5]
    odd = "a" + US + "\U0001f1eb"  # a flag and a lone indicator after it
    assert [i for i in range(len(odd) + 1) if is_boundary(odd, i)] == [0, 1, 3, 4]


def test_boundary_before_backs_up_to_the_start_of_the_grapheme() -> None:
    text = "ab" + L_FIRST + V + T_FIRST + "c"  # one syllable of three jamo
    assert [boundary_before(text, i) for i in range(len(text) + 1)] == [0, 1, 2, 2, 2, 5, 6]
    assert boundary_before("e\u0301", 1) == 0  # the first grapheme is longer than the room
    assert boundary_before("ab", 9) == 2 and boundary_before("ab", -3) == 0


def test_a_word_of_jamo_is_cut_between_syllables() -> None:
    syllable = L_FIRST + V + T_FIRST  # three code points, one letter on screen
    pages = split_pages(syllable * 100, 64)
    assert all(len(page) % 3 == 0 for page in pages)
    assert "".join(pages) == syllable * 100
