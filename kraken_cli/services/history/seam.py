"""Where archive trades (no id, whole seconds) meet REST trades (ids, nanoseconds): one tape.

Both sources are in time order. A second held by only one source is taken from it. A second
held by both is matched, not guessed by time: the REST trades of that second (a run that may
start or stop mid-second, where a download began or ended) are looked up as a contiguous run of
the archive's (price, volume) sequence for that second. Found: the archive rows before the run,
the REST rows (they carry ids and exact times), then the archive rows after it. Not found: the
archive's rows alone, because an archive file covers whole seconds while a REST page may not.
Either way no trade is counted twice and none is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import groupby
from typing import Any

from kraken_cli.services.history.aggregate import NS

Row = tuple[Any, ...]
"""(time in ns, price text, volume text, *anything else the source carries)."""


def _second(row: Row) -> int:
    return int(row[0]) // NS


def merge_sources(rest: Iterable[Row], archive: Iterable[Row]) -> Iterator[Row]:
    """Yield REST and archive trades as one time-ordered tape, each trade once."""
    r_groups = groupby(rest, key=_second)
    a_groups = groupby(archive, key=_second)
    r = next(r_groups, None)
    a = next(a_groups, None)
    while r is not None or a is not None:
        if a is None or (r is not None and r[0] < a[0]):
            assert r is not None
            yield from r[1]
            r = next(r_groups, None)
        elif r is None or a[0] < r[0]:
            yield from a[1]
            a = next(a_groups, None)
        else:
            yield from splice(list(r[1]), list(a[1]))
            r, a = next(r_groups, None), next(a_groups, None)


def splice(rest: Sequence[Row], archive: Sequence[Row]) -> list[Row]:
    """Return one second's trades: REST's run matched inside the archive's, else the archive's."""
    wanted = [_key(t) for t in rest]
    have = [_key(t) for t in archive]
    n = len(wanted)
    for i in range(len(have) - n + 1):
        if have[i : i + n] == wanted:
            return [*archive[:i], *rest, *archive[i + n :]]
    return list(archive)


def _key(row: Row) -> tuple[Decimal, Decimal]:
    return Decimal(row[1]), Decimal(row[2])
