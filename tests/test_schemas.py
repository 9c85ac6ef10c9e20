import re
import sys

from todo_async.schemas import TEXT_PATTERN, TITLE_PATTERN


def test_the_patterns_know_every_character_strip_removes() -> None:
    # Text the patterns admit, trimmed by str.strip(), is never empty for a title.
    spaces = [chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()]
    admitted = [char for char in spaces if re.fullmatch(TEXT_PATTERN, char)]

    assert admitted
    for char in admitted:
        assert not re.fullmatch(TITLE_PATTERN, char * 3), hex(ord(char))
        assert re.fullmatch(TITLE_PATTERN, f"{char}x{char}"), hex(ord(char))


def test_control_characters_but_tab_are_refused() -> None:
    for code in range(32):
        admitted = re.fullmatch(TEXT_PATTERN, f"a{chr(code)}b") is not None
        assert admitted == (chr(code) == "\t"), code
