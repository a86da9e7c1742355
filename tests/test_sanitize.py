import pytest

from media_screen.sanitize import clean_text


@pytest.mark.parametrize(
    "raw, cleaned",
    [
        ("Canon\x1b[31mRED\x1b[0m", "Canon[31mRED[0m"),  # ESC removed: no terminal escape survives
        ("a\u202eb", "ab"),  # bidi override removed
        ("line1\nline2\ttab", "line1 line2 tab"),
        (b"bytes\x00value", "bytesvalue"),
        ("  many   spaces ", "many spaces"),
    ],
)
def test_control_and_format_characters_are_removed(raw, cleaned):
    assert clean_text(raw) == cleaned


def test_long_text_is_capped():
    assert len(clean_text("x" * 1000, max_len=50)) == 50
