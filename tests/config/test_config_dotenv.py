"""The .env reader: KEY=VALUE, comments, quotes, export, never overriding the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from kraken_cli.config.dotenv import overlay_env, parse_dotenv, read_dotenv
from kraken_cli.errors import ConfigError


def test_parse_rules() -> None:
    text = "\n".join(
        [
            "# a comment",
            "",
            "PLAIN=value",
            "export EXPORTED=yes",
            "SPACED = padded  ",
            "INLINE=abc # comment",
            "HASH=abc#not-a-comment",
            'DQ="two words # kept"',
            'ESC="line\\nnext \\"q\\""',
            "SQ='literal \\n ${X}'",
            "EMPTY=",
            "EQUALS=a=b=c",
            "not a line",
            "1BAD=x",
            'OPEN="unterminated',
        ]
    )
    values, warnings = parse_dotenv(text, source="t.env")
    assert values == {
        "PLAIN": "value",
        "EXPORTED": "yes",
        "SPACED": "padded",
        "INLINE": "abc",
        "HASH": "abc#not-a-comment",
        "DQ": "two words # kept",
        "ESC": 'line\nnext "q"',
        "SQ": "literal \\n ${X}",
        "EMPTY": "",
        "EQUALS": "a=b=c",
    }
    assert warnings == [
        "t.env:13: not a KEY=VALUE line, ignored",
        "t.env:14: not a KEY=VALUE line, ignored",
        "t.env:15: not a KEY=VALUE line, ignored",
    ]


def test_overlay_never_overrides_and_first_file_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "a.env", tmp_path / "b.env"
    first.write_text("A=from-first\nB=from-first\n")
    second.write_text("B=from-second\nC=from-second\nSET=from-file\n")
    merged, used, _ = overlay_env({"SET": "from-env"}, [first, second, tmp_path / "missing"])
    assert merged == {"A": "from-first", "B": "from-first", "C": "from-second", "SET": "from-env"}
    assert used == [first, second]


def test_same_file_twice_is_read_once(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("A=1\n")
    _, used, _ = overlay_env({}, [env_file, tmp_path / "." / ".env"])
    assert used == [env_file]


def test_directory_named_env_is_ignored(tmp_path: Path) -> None:
    (tmp_path / ".env").mkdir()
    assert read_dotenv(tmp_path / ".env") == ({}, [])


def test_non_utf8_env_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / ".env"
    bad.write_bytes(b"A=\xff\xfe\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        read_dotenv(bad)
