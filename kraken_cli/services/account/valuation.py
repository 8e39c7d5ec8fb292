"""Account figures that need market data too: balances valued in a quote, and fee tiers.

Both take the account and the market-data services of one invocation, so every front end gets
the same figures: prices are the last trade of each asset's direct pair with the quote (one
Ticker request for all), values are exact products, and assets without such a pair are named.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from kraken_cli.errors import UsageError
from kraken_cli.models.fees import FeeTier
from kraken_cli.models.valuation import Valuation, asset_of, value_balances
from kraken_cli.services.account import Account
from kraken_cli.services.market import MarketData

#: ``krx account fees`` without a symbol shows the tier on this pair (Kraken's tiers are per
#: schedule, and BTC/USD is on the standard one).
DEFAULT_FEE_PAIR = "BTC/USD"


def valued_balances(account: Account, market: MarketData, quote: str) -> Valuation:
    """Return the account's balances valued in ``quote`` at each pair's last price, with a total."""
    records = [pair.to_record() for pair in market.symbols(quote)]
    if not records:
        raise UsageError(f"no pair is quoted in {quote!r}", hint="try USD, EUR, USDT or BTC")
    symbol_of = {record["base"]: record["symbol"] for record in records}
    base_of = {symbol: base for base, symbol in symbol_of.items()}
    balances = [(b.asset, Decimal(str(b.balance or 0))) for b in account.balances()]
    wanted = sorted({asset_of(asset) for asset, _ in balances} & set(symbol_of))
    prices: dict[str, Decimal] = {}
    if wanted:
        for ticker in market.ticker([symbol_of[asset] for asset in wanted]):
            if ticker.last is not None:
                prices[base_of[ticker.symbol]] = ticker.last
    return value_balances(balances, records[0]["quote"], prices)


def fee_tiers(account: Account, market: MarketData, symbols: Sequence[str]) -> list[FeeTier]:
    """Return the key's fee tier on each symbol (BTC/USD when none is given)."""
    names = [market.resolve(s).to_record()["altname"] for s in symbols or [DEFAULT_FEE_PAIR]]
    return list(account.trade_volume(names))
