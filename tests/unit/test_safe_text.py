"""Outside text never reaches a terminal with a control character in it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.safe_text import is_terminal_safe, quoted, terminal_safe

ESCAPE_TITLE_AND_CLEAR = "\x1b]0;pwned\x07\x1b[2J"


def test_escape_sequences_become_visible_stand_ins() -> None:
    assert terminal_safe(ESCAPE_TITLE_AND_CLEAR) == "␛]0;pwned␇␛[2J"
    assert terminal_safe("a\x9bb") == "a\ufffdb"  # C1 CSI
    assert terminal_safe("abc\u202edcba") == "abc\ufffddcba"  # right-to-left override
    assert terminal_safe("x\x7f") == "x␡"


def test_single_line_values_cannot_draw_a_second_line() -> None:
    assert terminal_safe("web\nFAKE LINE") == "web␊FAKE LINE"
    assert terminal_safe("a\tb\rc") == "a␉b␍c"


def test_multiline_text_keeps_its_lines_but_not_carriage_returns() -> None:
    assert terminal_safe("one\r\ntwo\rX\tok", multiline=True) == "one\ntwo␍X\tok"


@given(st.text())
def test_output_is_always_safe_and_safe_text_is_unchanged(text: str) -> None:
    for multiline in (False, True):
        out = terminal_safe(text, multiline=multiline)
        assert is_terminal_safe(out, multiline=multiline)
        assert terminal_safe(out, multiline=multiline) == out
        if is_terminal_safe(text, multiline=multiline):
            assert out == text
        assert not any(0x80 <= ord(c) <= 0x9F or ord(c) == 0x1B for c in out)


@given(st.text(max_size=500))
def test_quoted_values_are_short_and_safe(text: str) -> None:
    out = quoted(text)
    assert is_terminal_safe(out) and len(out) <= 82
