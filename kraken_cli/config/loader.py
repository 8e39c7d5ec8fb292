"""Find, read, expand and validate config.provider.json, and build :class:`Settings` from it.

    find (--config / KRX_CONFIG, ./config/, ./, the user config dir)
    -> read (JSON or YAML) -> .env overlay -> expand ${VAR} -> validate (cached) -> Settings

Credentials: the first enabled ``kraken`` connector's ``key``/``secret`` (spot) and
``futuresKey``/``futuresSecret`` (futures); whatever the file does not give comes from
KRAKEN_API_KEY / KRAKEN_API_SECRET and KRAKEN_FUTURES_API_KEY / KRAKEN_FUTURES_API_SECRET.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from kraken_cli.config import settings as s
from kraken_cli.config.dotenv import overlay_env
from kraken_cli.errors import ConfigError

# Start-up (issue 17): reading, expanding and validating a file loads with the file; a command
# run without one (environment keys, the sandbox) does not pay for it.
if TYPE_CHECKING:
    from kraken_cli.config.expand import PathPart
    from kraken_cli.config.parse import RawConfig

CONFIG_NAME = "config.provider.json"
_ALT_NAMES = (CONFIG_NAME, "config.provider.yaml", "config.provider.yml")


class LoadResult(NamedTuple):
    """What :func:`load_settings` found: settings, warnings for stderr, and the file used.

    A NamedTuple, not a dataclass: about a tenth of the cost to create (start-up, issue 17).
    """

    settings: s.Settings
    warnings: list[str]
    source: Path | None
    #: The expanded document (None without a config file); `krx config show` prints it redacted.
    document: dict[str, Any] | None
    dotenv_files: list[Path]

    def __repr__(self) -> str:
        # never the document: it holds the expanded keys and secrets
        return f"LoadResult(settings={self.settings!r}, source={self.source!r})"


def search_paths(cwd: Path | None = None) -> list[Path]:
    """Return the implicit search order (after --config / KRX_CONFIG)."""
    base = cwd or Path.cwd()
    dirs = (base / "config", base, s.config_dir())
    return [directory / name for directory in dirs for name in _ALT_NAMES]


def find_config(
    config_path: Path | None, env: Mapping[str, str], cwd: Path | None = None
) -> tuple[Path | None, bool]:
    """Return (the config file to use or None, whether it was named explicitly)."""
    explicit = config_path or (Path(env["KRX_CONFIG"]) if env.get("KRX_CONFIG") else None)
    if explicit is not None:
        return explicit.expanduser(), True
    for candidate in search_paths(cwd):
        if candidate.is_file():
            return candidate, False
    return None, False


def validation_cache_file() -> Path:
    """Return where successful validations are remembered."""
    return s.state_dir() / "validated.json"


def load_settings(
    config_path: Path | None,
    *,
    env: Mapping[str, str] | None = None,
    sandbox: bool = False,
    require: bool = False,
    cwd: Path | None = None,
    use_cache: bool = True,
    defer_keys: bool = True,
) -> LoadResult:
    """Load the effective Settings from the config file (if any), .env files and environment.

    ``env`` defaults to ``os.environ``; ``cwd`` (default: the working directory) anchors the
    search and the second .env; ``use_cache=False`` validates even an unchanged file.
    ``defer_keys``: an undefined ``${VAR}`` used only by keys fails the private calls that
    need it (not the load); ``krx config validate`` passes False to report it.
    """
    base_env = dict(os.environ if env is None else env)
    cwd = cwd or Path.cwd()
    path, _explicit = find_config(config_path, base_env, cwd)
    if path is None and require:
        raise ConfigError(
            "no config file found",
            hint="searched ./config/, ./ and "
            f"{s.config_dir()} for {CONFIG_NAME}; create one with `krx setup` (interactive) or"
            " `krx config init`",
        )
    raw = None
    if path is not None:
        from kraken_cli.config.parse import read_config

        raw = read_config(path)
    dotenvs = [raw.path.parent / ".env", cwd / ".env"] if raw else [cwd / ".env"]
    full_env, used_dotenvs, warnings = overlay_env(base_env, dotenvs)
    document: dict[str, Any] | None = None
    if raw is not None:
        document, doc_warnings = _expand_and_validate(
            raw, full_env, use_cache=use_cache, defer_keys=defer_keys
        )
        warnings.extend(doc_warnings)
        warnings.extend(_permission_warnings(raw))
    settings, build_warnings = build_settings(document, full_env, source=path, sandbox=sandbox)
    warnings.extend(build_warnings)
    return LoadResult(settings, warnings, path, document, used_dotenvs)


def _reads(document: dict[str, Any], parts: Sequence[PathPart]) -> bool:
    """Whether krx reads the value at ``parts`` (it ignores other exchanges' connectors)."""
    parts = tuple(parts)
    if parts in ((), ("provider",), ("provider", "connectors")) or parts[0] == "krx":
        return True
    provider = document.get("provider")
    if parts[0] != "provider" or not isinstance(provider, dict):
        return False
    if parts[1] == "subscriptions":
        return True
    connectors = provider.get("connectors")
    if parts[1] != "connectors" or not isinstance(connectors, list):
        return False
    index = parts[2]
    connector = connectors[index] if isinstance(index, int) else None
    return (
        isinstance(connector, dict)
        and connector.get("connectorType") == "kraken"
        and connector.get("enabled", True) is not False
    )


_KEY_FIELDS = ("key", "secret", "futuresKey", "futuresSecret")


def _is_key_field(parts: Sequence[PathPart]) -> bool:
    """Whether ``parts`` is a connector's key or secret (``provider.connectors[i].key``)."""
    return (
        len(parts) == 4
        and tuple(parts[:2]) == ("provider", "connectors")
        and parts[3] in _KEY_FIELDS
    )


def _expand_and_validate(
    raw: RawConfig, env: Mapping[str, str], *, use_cache: bool, defer_keys: bool = True
) -> tuple[dict[str, Any], list[str]]:
    from kraken_cli.config import vcache
    from kraken_cli.config.expand import expand, format_path
    from kraken_cli.config.parse import plain_problems
    from kraken_cli.config.validate import (
        ConfigProblems,
        Problem,
        check,
        schema_version,
        soft_warnings,
    )

    document, undefined = expand(raw.document, env)
    # an environment value may carry undecodable bytes (surrogate escapes) into the document
    problems: list[Problem] = plain_problems(document)
    if problems:
        raise ConfigProblems(str(raw.path), problems, hint="an environment value is not text")
    warnings: list[str] = []
    undefined_paths: set[str] = set()
    for name, where in undefined.items():
        rendered = ", ".join(format_path(parts) for parts in where)
        read = [parts for parts in where if _reads(document, parts)]
        if defer_keys and read and all(_is_key_field(parts) for parts in read):
            # Only private calls need a key: they fail naming it (Settings.*_undefined).
            undefined_paths.update(format_path(parts) for parts in read)
        elif read:
            # Reported as undefined: a schema complaint about the placeholder would be noise.
            undefined_paths.update(format_path(parts) for parts in where)
            problems.append(Problem(f"${{{name}}}", f"not defined; used at {rendered}"))
        else:
            warnings.append(
                f"${{{name}}} is not defined (used at {rendered}); krx ignores that part, the"
                " platform would not"
            )
    key = vcache.make_key(raw.path, raw.data, raw.stat, document, schema_version())
    cache_file = validation_cache_file()
    cached = use_cache and not problems and vcache.is_validated(cache_file, key)
    if not cached:
        problems.extend(check(document, skip_paths=undefined_paths))
    if problems:
        beside = raw.path.parent / ".env"
        hint = "see the example: `krx config init --output -`"
        if any(p.path.startswith("${") for p in problems):
            hint = f"set each variable in the environment or in .env beside the config ({beside})"
        raise ConfigProblems(str(raw.path), problems, hint=hint)
    if not cached:
        vcache.record(cache_file, key)
    return document, warnings + soft_warnings(document)


def _permission_warnings(raw: RawConfig) -> list[str]:
    from kraken_cli.config.redaction import has_literal_secret

    mode = raw.stat.st_mode & 0o777
    if os.name == "nt" or not mode & 0o077 or not has_literal_secret(raw.document):
        return []
    return [
        f"{raw.path} holds secrets and is readable by group/others (mode {mode:04o});"
        f" run: chmod 600 {raw.path}"
    ]


def check_key_text(value: str, what: str) -> None:
    """Refuse a key or secret holding white space, control or non-ASCII characters (unechoed)."""
    for index, char in enumerate(value, 1):
        if "!" <= char <= "~":
            continue
        kind = (
            "line break" if char in "\r\n"
            else "space" if char.isspace()
            else "control character" if ord(char) < 128
            else "non-ASCII character"
        )  # fmt: skip
        raise ConfigError(
            f"{what} holds a {kind} at position {index} of {len(value)}",
            hint="copy it again from Kraken's API page as one line; API keys and secrets are"
            " plain ASCII (krx never prints them)",
        )


def _credentials(
    key: object, secret: object, where: str, warnings: list[str]
) -> s.Credentials | None:
    if not isinstance(key, str) or not isinstance(secret, str):
        return None
    key, secret = key.strip(), secret.strip()
    if not key or not secret:
        warnings.append(f"{where}: key or secret is empty, so it is not used")
        return None
    check_key_text(key, f"the API key of {where}")
    check_key_text(secret, f"the API secret of {where}")
    return s.Credentials(key, secret)


def _env_credentials(env: Mapping[str, str], prefix: str) -> s.Credentials | None:
    key, secret = env.get(f"{prefix}_KEY", "").strip(), env.get(f"{prefix}_SECRET", "").strip()
    if not key or not secret:
        return None
    check_key_text(key, f"{prefix}_KEY")
    check_key_text(secret, f"{prefix}_SECRET")
    return s.Credentials(key, secret)


def _quantity(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")  # repr: the shortest text that round-trips
    return str(value)


def _markets(connector: dict[str, Any]) -> tuple[s.MarketSpec, ...]:
    out = []
    for market in connector.get("markets") or []:
        symbols = tuple(
            s.SymbolSpec(
                name=sym["name"],
                leverage=float(sym["leverage"]) if sym.get("leverage") is not None else None,
                quantity=_quantity(sym.get("quantity")),
            )
            for sym in market.get("symbols") or []
        )
        out.append(s.MarketSpec(market_type=market["marketType"], symbols=symbols))
    return tuple(out)


def _subscriptions(items: object) -> list[s.SubscriptionSpec]:
    return [
        s.SubscriptionSpec(
            type=item["type"],
            symbols=tuple(item.get("symbols") or ()),
            intervals=tuple(item.get("intervals") or ()),
            active=bool(item.get("active", True)),
        )
        for item in (items if isinstance(items, list) else [])
    ]


def krx_options(section: object) -> s.KrxOptions:
    """Build KrxOptions from the (validated) top-level ``krx`` section."""
    if not isinstance(section, dict):
        return s.KrxOptions()
    default = s.KrxOptions()
    custom = section.get("customTier") or {}
    return s.KrxOptions(
        tier=section.get("tier", default.tier),
        custom_max_counter=custom.get("maxCounter"),
        custom_decay_per_s=custom.get("decayPerSecond"),
        max_clock_skew_s=float(section.get("maxClockSkewSeconds", default.max_clock_skew_s)),
        public_calls_per_s=float(section.get("publicCallsPerSecond", default.public_calls_per_s)),
        cache_ttl_s=float(section.get("cacheTtlSeconds", default.cache_ttl_s)),
        timeout_s=float(section.get("timeoutSeconds", default.timeout_s)),
        max_retries=int(section.get("maxRetries", default.max_retries)),
    )


def _kraken_connector(document: dict[str, Any], warnings: list[str]) -> dict[str, Any] | None:
    from kraken_cli.config.expand import format_path

    connectors = document.get("provider", {}).get("connectors") or []
    enabled = [
        (index, c)
        for index, c in enumerate(connectors)
        if c.get("connectorType") == "kraken" and c.get("enabled", True)
    ]
    for index, _ in enabled[1:]:
        used = format_path(["provider", "connectors", enabled[0][0]])
        warnings.append(
            f"{format_path(['provider', 'connectors', index])}: another enabled kraken connector,"
            f" ignored (krx uses {used})"
        )
    return enabled[0][1] if enabled else None


def _api_token(doc: Mapping[str, Any], env: Mapping[str, str]) -> str | None:
    """Return ``provider.apiToken`` when it is set and expanded, else ``PROVIDER_API_TOKEN``.

    An unexpanded ``${VAR}`` is not an error here: only ``krx serve`` needs the token, and it
    refuses to start without one.
    """
    provider = doc.get("provider")
    token = provider.get("apiToken") if isinstance(provider, Mapping) else None
    if isinstance(token, str) and token.strip() and "${" not in token:
        return token.strip()
    return env.get("PROVIDER_API_TOKEN", "").strip() or None


def _undefined_in(connector: Mapping[str, Any], *fields: str) -> tuple[str, ...]:
    """Return the ``${VAR}`` names still unexpanded in ``fields`` (left so by the loader)."""
    from kraken_cli.config.expand import PLACEHOLDER

    names: list[str] = []
    for name in fields:
        value = connector.get(name)
        if isinstance(value, str):
            names += [n for n in PLACEHOLDER.findall(value) if n not in names]
    return tuple(names)


def build_settings(
    document: dict[str, Any] | None,
    env: Mapping[str, str],
    *,
    source: Path | None = None,
    sandbox: bool = False,
) -> tuple[s.Settings, list[str]]:
    """Build Settings from a validated, expanded document (or none) and the environment."""
    warnings: list[str] = []
    doc = document or {}
    connector = _kraken_connector(doc, warnings) if document else None
    where = "the kraken connector"
    spot = futures = None
    markets: tuple[s.MarketSpec, ...] = ()
    subscriptions = _subscriptions(doc.get("provider", {}).get("subscriptions"))
    spot_undefined: tuple[str, ...] = ()
    futures_undefined: tuple[str, ...] = ()
    if connector is not None:
        spot_undefined = _undefined_in(connector, "key", "secret")
        futures_undefined = _undefined_in(connector, "futuresKey", "futuresSecret")
        if not spot_undefined:
            spot = _credentials(connector.get("key"), connector.get("secret"), where, warnings)
        if not futures_undefined:
            futures = _credentials(
                connector.get("futuresKey"), connector.get("futuresSecret"), where, warnings
            )
        markets = _markets(connector)
        subscriptions += _subscriptions(connector.get("subscriptions"))
    endpoints = s.Endpoints.from_env(env)
    if sandbox:
        from kraken_cli.config.sandbox_env import sandbox_access

        # The sandbox's own keys, never the config's: a real key is not sent to a sandbox.
        endpoints, spot, futures = sandbox_access(env)
        spot_undefined = futures_undefined = ()
    if not spot_undefined:
        spot = spot or _env_credentials(env, "KRAKEN_API")
    if not futures_undefined:
        futures = futures or _env_credentials(env, "KRAKEN_FUTURES_API")
    settings = s.Settings(
        endpoints=endpoints,
        spot=spot,
        futures=futures,
        krx=krx_options(doc.get("krx")),
        markets=markets,
        subscriptions=tuple(subscriptions),
        config_path=source,
        sandbox=sandbox,
        api_token=_api_token(doc, env),
        spot_undefined=spot_undefined,
        futures_undefined=futures_undefined,
    )
    return settings, warnings
