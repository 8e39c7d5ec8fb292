"""What ``krx setup`` writes: a config naming the key's variables, and a ``.env`` holding them.

Pure text builders plus one writer; the interactive part lives in ``cli/setup_cmd``. Both files
are written with mode 0600 and never through a symlink (``config.files.write_private``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kraken_cli.config.dotenv import parse_dotenv
from kraken_cli.config.files import example_text, write_private
from kraken_cli.config.loader import check_key_text
from kraken_cli.errors import ConfigError, UsageError

KEY_VAR, SECRET_VAR = "KRAKEN_API_KEY", "KRAKEN_API_SECRET"
SPOT_VARS = (KEY_VAR, SECRET_VAR)
FUTURES_VARS = ("KRAKEN_FUTURES_API_KEY", "KRAKEN_FUTURES_API_SECRET")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class KeySource:
    """Where the spot key comes from: the variables the config names, and pasted values."""

    key_var: str = KEY_VAR
    secret_var: str = SECRET_VAR
    #: Pasted key and secret (written to .env); None: the variables are set elsewhere.
    key: str | None = None
    secret: str | None = field(default=None, repr=False)

    @property
    def pasted(self) -> bool:
        """Whether the values were pasted (and so go to .env)."""
        return self.key is not None and self.secret is not None


def check_var_name(name: str) -> str:
    """Return ``name`` stripped if it is a valid environment variable name, else refuse it."""
    name = name.strip().removeprefix("$").strip("{}")
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"{name!r} is not an environment variable name",
            hint="letters, digits and _ only, not starting with a digit (e.g. KRAKEN_API_KEY)",
        )
    return name


def pasted_key(
    key: str, secret: str, key_var: str = KEY_VAR, secret_var: str = SECRET_VAR
) -> KeySource:
    """Return a pasted key pair after checking it is one line of printable ASCII each."""
    key, secret = key.strip(), secret.strip()
    if not key or not secret:
        raise UsageError("the API key and secret must not be empty")
    check_key_text(key, "the API key")
    check_key_text(secret, "the API secret")
    return KeySource(key_var, secret_var, key, secret)


def config_text(spot: KeySource, futures: KeySource | None = None) -> str:
    """Return the example config with each key and secret taken from its source's variables."""
    document = json.loads(example_text())
    connector = document["provider"]["connectors"][0]
    connector["key"] = f"${{{spot.key_var}}}"
    connector["secret"] = f"${{{spot.secret_var}}}"
    if futures is not None:
        connector["futuresKey"] = f"${{{futures.key_var}}}"
        connector["futuresSecret"] = f"${{{futures.secret_var}}}"
    return json.dumps(document, indent=2) + "\n"


def _quoted(value: str) -> str:
    # single quotes are literal in .env (and in shells); keys never hold one, but be exact
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'


def dotenv_text(existing: str, values: Mapping[str, str]) -> str:
    """Return ``existing`` .env text with ``values`` set: their lines replaced, others kept."""
    lines: list[str] = []
    for line in existing.splitlines():
        parsed, _ = parse_dotenv(line)
        if not any(name in values for name in parsed):
            lines.append(line)
    lines += [f"{name}={_quoted(value)}" for name, value in values.items()]
    return "\n".join(lines) + "\n"


def write_setup(
    config_path: Path, spot: KeySource, futures: KeySource | None = None, *, force: bool
) -> list[Path]:
    """Write the config (and .env beside it for pasted keys); return the files written."""
    write_private(config_path, config_text(spot, futures), force=force, what="--dir")
    values: dict[str, str] = {}
    for source in (spot, futures):
        if source is not None and source.key is not None and source.secret is not None:
            values |= {source.key_var: source.key, source.secret_var: source.secret}
    if not values:
        return [config_path]
    env_path = config_path.parent / ".env"
    existing = ""
    if env_path.is_symlink():
        raise ConfigError(
            f"{env_path} is a symbolic link; krx does not write through links",
            hint="remove the link and run `krx setup` again",
        )
    if env_path.exists():
        from kraken_cli.config.parse import read_regular

        data, _ = read_regular(env_path, ".env")
        existing = data.decode("utf-8", "replace")
    write_private(env_path, dotenv_text(existing, values), force=True, what="--dir")
    return [config_path, env_path]
