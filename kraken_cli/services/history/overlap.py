"""An archive chunk that overlaps trades already imported from another archive file.

Seconds strictly inside a stored range are whole in both files: they must be equal row for row
(else the files disagree: an error, never a guess). The first and last second of a stored range
may be partial (a file cut inside a second), so an incoming second on such an edge is aligned
with the stored one by its (price, volume) sequence: rows already stored are kept, the others
are added before or after them. Seconds no stored range touches are added as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import groupby

from kraken_cli.services.history.archive_store import ArchiveStore, Range

Fields = list[bytes]
Key = tuple[int, Decimal, Decimal]
Mismatch = Callable[[int, int, int, int, int], Exception]
"""(line, first second, last second, rows here, rows stored) -> the error to raise."""


def merge_chunk(
    archive: ArchiveStore,
    pid: int,
    import_id: int,
    rows: Sequence[Fields],
    stored: Sequence[Range],
    first_line: int,
    mismatch: Mismatch,
    cut: set[int],
) -> int:
    """Store what ``rows`` add to the ``stored`` ranges; return how many rows were added.

    ``cut``: seconds where the incoming file itself may be cut (its first and last second).
    """
    edges = {a for a, _ in stored} | {b - 1 for _, b in stored} | cut
    ends = {b - 1 for _, b in stored}

    def state(row: Fields) -> str:
        s = int(row[0])
        inside = any(a <= s < b for a, b in stored)
        if inside and s in edges:
            return f"edge{s}"
        return "known" if inside else "new"

    pending: list[Fields] = []
    added = 0
    line = first_line
    for kind, run in groupby(rows, key=state):
        group = list(run)
        if kind == "new":
            pending += group
        elif kind == "known":
            added += _flush(archive, pid, import_id, pending)
            s0, s1 = int(group[0][0]), int(group[-1][0])
            have = list(archive.trade_rows(pid, s0, s1 + 1))
            if [_key(r) for r in have] != [_key(r) for r in group]:
                raise mismatch(line, s0, s1, len(group), len(have))
        else:
            s = int(group[0][0])
            have = list(archive.trade_rows(pid, s, s + 1))
            before, after = align(have, group, after=s in ends and line == first_line)
            added += _flush(archive, pid, import_id, pending + before, first=not pending)
            pending = list(after)
        line += len(group)
    return added + _flush(archive, pid, import_id, pending)


def _flush(
    archive: ArchiveStore, pid: int, import_id: int, rows: list[Fields], *, first: bool = False
) -> int:
    """Store rows as one block (``first``: they go before stored rows of the same second)."""
    if not rows:
        return 0
    data = b"".join(b",".join(r) + b"\n" for r in rows)
    span = int(rows[0][0]), int(rows[-1][0])
    archive.add_block(pid, import_id, data, span, rows=len(rows), rank=-int(first))
    count = len(rows)
    rows.clear()
    return count


def align(
    have: Sequence[Fields], new: Sequence[Fields], *, after: bool
) -> tuple[list[Fields], list[Fields]]:
    """Return the rows of ``new`` (one second) to add before and after the stored ``have``."""
    x = [_key(r) for r in have]
    y = [_key(r) for r in new]
    n, m = len(x), len(y)
    for i in range(n - m + 1):
        if x[i : i + m] == y:
            return [], []
    for i in range(m - n + 1):
        if y[i : i + n] == x:
            return list(new[:i]), list(new[i + n :])
    for k in range(min(n, m) - 1, 0, -1):
        if x[n - k :] == y[:k]:
            return [], list(new[k:])
        if y[m - k :] == x[:k]:
            return list(new[: m - k]), []
    return ([], list(new)) if after else (list(new), [])


def _key(row: Fields) -> Key:
    return int(row[0]), Decimal(row[1].decode()), Decimal(row[2].decode())
