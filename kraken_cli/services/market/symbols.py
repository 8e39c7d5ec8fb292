"""Symbol resolution with an on-disk cache of AssetPairs + Assets (TTL, refresh on miss)."""

from __future__ import annotations

import contextlib
import json
import os
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kraken_cli.client.spot_public import SpotPublic
from kraken_cli.models.numbers import reply_of
from kraken_cli.models.symbols import Pair, SymbolIndex, unknown_symbol

CACHE_VERSION = 1


def cache_path(cache_dir: Path, rest_url: str) -> Path:
    """Return ``<cache_dir>/pairs-<CRC of rest_url>.json`` (one cache per Kraken server).

    The CRC only tells servers apart (hashlib would cost a one-shot command ~1.5 ms to load).
    """
    digest = zlib.crc32(rest_url.rstrip("/").encode())
    return cache_dir / f"pairs-{digest:08x}.json"


class SymbolResolver:
    """Resolve user symbols to pairs; the index comes from disk while fresh, else from Kraken."""

    def __init__(
        self,
        api: SpotPublic,
        rest_url: str,
        *,
        cache_dir: Path | None,
        ttl_s: float = 86400.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.path = cache_path(cache_dir, rest_url) if cache_dir is not None else None
        self.rest_url = rest_url
        self.ttl_s = ttl_s
        self._wall = wall
        self._index: SymbolIndex | None = None
        self._fresh = False  # fetched from Kraken during this process

    def index(self) -> SymbolIndex:
        """Return the symbol index (cached in memory, then on disk, then fetched)."""
        if self._index is None:
            self._index = self._load() or self.refresh()
        return self._index

    def refresh(self) -> SymbolIndex:
        """Fetch AssetPairs and Assets from Kraken and rewrite the cache."""
        pairs = self.api.asset_pairs()
        assets = self.api.assets()
        with reply_of("AssetPairs"):
            self._index = SymbolIndex.build(pairs, assets)
        self._fresh = True
        self._save(pairs, assets)
        return self._index

    def resolve(self, text: str) -> Pair:
        """Return the pair for ``text``; on a miss refresh a cached index once, then fail."""
        pair = self.index().lookup(text)
        if pair is None and not self._fresh:
            pair = self.refresh().lookup(text)
        if pair is None:
            raise unknown_symbol(text, self.index().suggest(text))
        return pair

    def resolve_many(self, texts: Sequence[str]) -> list[Pair]:
        """Resolve several symbols, keeping the order and dropping repeats."""
        # a dict keeps the order: ``pair not in list`` made 250 symbols 31,000 comparisons
        out: dict[Pair, None] = {}
        for text in texts:
            out.setdefault(self.resolve(text))
        return list(out)

    def _load(self) -> SymbolIndex | None:
        if self.path is None:
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if (
                data.get("version") != CACHE_VERSION
                or self._wall() - float(data["fetched_at"]) > self.ttl_s
                or float(data["fetched_at"]) > self._wall() + 60
            ):
                return None
            return SymbolIndex.build(data["asset_pairs"], data["assets"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # a missing or damaged cache is simply rebuilt

    def _save(self, pairs: dict[str, Any], assets: dict[str, Any]) -> None:
        if self.path is None:
            return
        data = {
            "version": CACHE_VERSION,
            "rest_url": self.rest_url,
            "fetched_at": self._wall(),
            "asset_pairs": pairs,
            "assets": assets,
        }
        # Write then rename, so a concurrent krx never reads half a file; a read-only cache dir
        # only costs a refetch next time.
        import tempfile  # only when the cache is rewritten (it pulls in random: ~2 ms)

        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".pairs-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    # dumps, not dump: only the one-shot encoder is C (1,500 pairs: 3x faster)
                    fh.write(json.dumps(data, separators=(",", ":")))
                os.replace(tmp, self.path)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def cached_symbols(cache_dir: Path) -> list[str]:
    """Return every pair's ``BASE/QUOTE`` symbol from the on-disk caches (no network, any age)."""
    found: set[str] = set()
    for path in sorted(cache_dir.glob("pairs-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            index = SymbolIndex.build(data["asset_pairs"], data["assets"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue  # a damaged cache offers nothing; completion never fails
        found.update(pair.symbol for pair in index.pairs)
    return sorted(found)
