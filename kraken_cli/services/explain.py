"""Results that say why they are empty or short: rows plus typed notes the front end shows.

A service wraps its lazy rows in :class:`Explained`; once the rows are consumed, ``notes``
holds the reasons (forming candle left out, history starting later than asked, a filter that
removed everything). The CLI prints them on stderr; stdout stays data only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

#: Note kinds: the forming candle was left out; history starts later than asked; a filter
#: removed every row.
FORMING, HISTORY_STARTS, FILTERED = "forming_left_out", "history_starts", "filtered_out"


@dataclass(frozen=True)
class Note:
    """One reason a result is empty or shorter than asked."""

    kind: str
    message: str


class Explained(Iterator[T], Generic[T]):
    """Rows of a result; ``notes`` are added by ``explain(rows seen)`` when they run out."""

    def __init__(
        self,
        rows: Iterable[T],
        explain: Callable[[list[T]], list[Note]] | None = None,
        *,
        keep: int = 1,
    ) -> None:
        self._rows = iter(rows)
        self._explain = explain
        self._keep = keep  # rows remembered for ``explain`` (the first ones)
        self._seen: list[T] = []
        self.count = 0
        self.notes: list[Note] = []

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        try:
            row = next(self._rows)
        except StopIteration:
            self._finish()
            raise
        self.count += 1
        if len(self._seen) < self._keep:
            self._seen.append(row)
        return row

    def _finish(self) -> None:
        if self._explain is not None:
            explain, self._explain = self._explain, None
            self.notes.extend(explain(self._seen))

    def close(self) -> None:
        """Close the underlying rows (a generator's ``finally`` runs now)."""
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()


class NotedList(list[T]):
    """A list result (already complete) with its notes."""

    def __init__(self, rows: Iterable[T], notes: Iterable[Note] = ()) -> None:
        super().__init__(rows)
        self.notes = list(notes)


def notes_of(result: object) -> list[Note]:
    """Return the notes of a result (none for plain iterables)."""
    return list(result.notes) if isinstance(result, Explained | NotedList) else []


def filtered_list(rows: Iterable[T], what: str | None) -> NotedList[T]:
    """Return ``rows`` as a list, noting ``what`` (a filter's description) when it is empty."""
    out = NotedList(rows)
    if not out and what:
        out.notes.append(Note(FILTERED, what))
    return out


def filtered(rows: Iterable[T], message: str) -> Explained[T]:
    """Return ``rows`` with a FILTERED note when they are empty."""
    return Explained(rows, lambda seen: [] if seen else [Note(FILTERED, message)])
