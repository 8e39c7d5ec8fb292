"""Make server text safe where it lands: a terminal (tables, messages) or a spreadsheet (CSV).

Terminal rule: control characters (C0 incl. ESC, CR, LF and TAB; DEL; C1 incl. the 8-bit CSI)
and the bidirectional overrides are shown as visible escapes (``\\x1b``, ``\\u202e``), so a reply
cannot move the cursor, recolour, retitle the terminal or reorder what the user reads.
CSV rule (OWASP "CSV injection"): a cell that starts with ``=``, ``+``, ``-``, ``@``, TAB or CR is
prefixed with ``'`` so a spreadsheet shows it as text instead of running it as a formula, UNLESS
the whole cell is a number (``-1.5``, ``+2``, ``-3e-8``): numbers are data and stay as they are.
JSON output needs neither rule: its encoder escapes control characters, and it is data for
programs, written byte for byte as Kraken sent it.
"""

from __future__ import annotations

import re

#: Bidirectional embeddings/overrides/isolates ("Trojan Source"): reorder text on screen.
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Patterns, not compiled ones: re compiles (and caches) each on first use, so a command that
# never meets an unsafe character does not pay ~0.5 ms to compile them (start-up, issue 17).
_UNSAFE = "[\x00-\x1f\x7f-\x9f" + _BIDI + "]"
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_FORMULA_START = frozenset("=+-@\t\r")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str) -> str:
    """Return ``text`` with control and bidi characters made visible (``\\x1b``)."""
    if text.isprintable():  # fast path; isprintable() is False for every unsafe character
        return text
    return re.sub(_UNSAFE, _escape, text)


def csv_safe(cell: str) -> str:
    """Return ``cell`` neutralised for spreadsheets: ``'=cmd`` stays text, ``-1.5`` stays data."""
    if cell and cell[0] in _FORMULA_START and not re.fullmatch(_NUMBER, cell):
        return "'" + cell
    return cell


def for_terminal_lines(text: str) -> str:
    """Sanitise multi-line text (a message, pretty JSON) for a terminal, keeping its LFs."""
    if text.isprintable():
        return text
    return "\n".join(for_terminal(line) for line in text.split("\n"))
