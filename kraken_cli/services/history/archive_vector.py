"""Whole-chunk validation of archive trade rows with numpy (the ``archive`` extra's fast path).

Accepts exactly what the pure path accepts (``archive_csv``: ``dddddddddd,d+[.d+],d+[.d+]`` rows,
seconds never going back), or answers None and leaves the verdict, and the exact line of the
first bad row, to the pure path. A 1 MB chunk is a handful of passes over its bytes plus a few
over the positions of its separators, instead of a Python loop over ~30,000 lines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, NamedTuple

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

_NL: Final = 10
_COMMA: Final = 44
_DOT: Final = 46
_DIGIT_MAX: Final = 57  # "9"; every separator the grammar allows (\n , .) is below "0"
_TS_WIDTH: Final = 10
# glibc mallopt(): blocks above the mmap threshold get their own mapping (faulted in afresh on
# every allocation); the top pad is what a shrinking heap keeps for the next allocations
_M_TOP_PAD: Final = -2
_M_MMAP_THRESHOLD: Final = -3
_KEEP_BYTES: Final = 32 << 20


class Checked(NamedTuple):
    """What a valid chunk tells its reader: row count, seconds, where its last second begins."""

    rows: int
    first_s: int
    last_s: int
    cut_row: int  # index of the first row of the chunk's last second
    cut_offset: int  # byte offset of that row
    before_cut_s: int  # the second of row ``cut_row - 1`` (-1 when ``cut_row`` is 0)


def check_rows(body: bytes, prev_s: int) -> Checked | None:
    """Return the chunk's shape if every row is valid and in time order from ``prev_s``, else None.

    ``body`` is whole lines, each ending with ``\\n``, no ``\\r``, no header.
    """
    import numpy as np

    b = np.frombuffer(body, np.uint8)
    if not len(b) or int(b.max()) > _DIGIT_MAX:
        return None  # letters, spaces, non-ASCII: the pure path names them
    sep = np.flatnonzero(b < ord("0"))  # every byte that is not a digit
    kinds = b[sep]
    is_nl, is_comma = kinds == _NL, kinds == _COMMA
    n, commas = int(np.count_nonzero(is_nl)), int(np.count_nonzero(is_comma))
    dots = int(np.count_nonzero(kinds == _DOT))
    if not n or commas != 2 * n or n + commas + dots != len(sep):
        return None  # another separator ("+", "-", " ", "/") or a wrong field count
    # digits between any two separators: no empty field, a dot has digits on both sides
    if not (np.diff(sep) > 1).all():
        return None
    # a dot comes right after a comma: one per field at most, none in the timestamp
    if dots and (kinds[0] == _DOT or ((kinds[1:] == _DOT) & ~is_comma[:-1]).any()):
        return None
    ends = np.flatnonzero(is_nl)  # index of each line's newline among the separators
    firsts = np.empty_like(ends)  # index of each line's first separator
    firsts[0] = 0
    firsts[1:] = ends[:-1] + 1
    nl = sep[ends]
    starts = np.empty_like(nl)
    starts[0] = 0
    starts[1:] = nl[:-1] + 1
    # each line: a comma right after its 10-digit timestamp, then a second comma (after a dot,
    # maybe) before the newline; two commas a line at least and 2n in all: exactly two each
    after = kinds.take(firsts + 1, mode="clip")
    second = (after == _COMMA) | ((after == _DOT) & (kinds.take(firsts + 2, mode="clip") == _COMMA))
    if not (
        (kinds[firsts] == _COMMA).all()
        and (sep[firsts] == starts + _TS_WIDTH).all()
        and second.all()
    ):
        return None
    return _shape(body, starts, prev_s)


def _shape(body: bytes, starts: NDArray[np.intp], prev_s: int) -> Checked | None:
    """Return the chunk's shape if its seconds never go back (from ``prev_s`` on), else None."""
    import numpy as np

    first_s = int(body[:_TS_WIDTH])
    if first_s < prev_s:
        return None
    hi, lo = _stamps(np.frombuffer(body, np.uint8), starts)
    hi_step, lo_step = np.diff(hi), np.diff(lo)
    if ((hi_step < 0) | ((hi_step == 0) & (lo_step < 0))).any():
        return None
    n = len(starts)
    cut = n - int(np.count_nonzero((hi == hi[-1]) & (lo == lo[-1])))
    last_s = _second_at(body, int(starts[-1]))
    before = _second_at(body, int(starts[cut - 1])) if cut else -1
    return Checked(n, first_s, last_s, cut, int(starts[cut]), before)


Stamps = tuple["NDArray[np.int64]", "NDArray[np.int64]"]


def _stamps(b: NDArray[np.uint8], starts: NDArray[np.intp]) -> Stamps:
    """Return each row's timestamp text as two integers (its first 8 bytes, its last 2).

    Same-width digit text orders like its value, so the pair orders rows as their seconds do.
    The views read a big-endian integer at every byte offset, so each row is one gather.
    """
    import numpy as np

    def at(dtype: str, offsets: NDArray[np.intp]) -> NDArray[np.int64]:
        width = np.dtype(dtype).itemsize
        view = np.ndarray((len(b) - width + 1,), dtype, buffer=b, strides=(1,))
        return view[offsets].astype(np.int64)  # ASCII digits: below 2**63

    return at(">u8", starts), at(">u2", starts + 8)


def _second_at(body: bytes, start: int) -> int:
    return int(body[start : start + _TS_WIDTH])


def keep_freed_memory() -> None:
    """Let glibc keep 32 MB of freed heap for reuse instead of handing it back at once.

    Each chunk's arrays (a few MB) are freed, returned to the system and faulted in again for
    the next chunk; that page churn cost as much CPU as the checks themselves. Elsewhere than
    glibc this does nothing.
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, _KEEP_BYTES)
        libc.mallopt(_M_TOP_PAD, _KEEP_BYTES)
    except (OSError, AttributeError):
        return
