"""Every credential the suite uses, in every form it could leak in (for the secret scanner)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote

from kraken_cli.config.sandbox_state import SANDBOX_FUTURES_KEY as DEFAULT_KEY
from kraken_cli.config.sandbox_state import SANDBOX_FUTURES_SECRET as DEFAULT_SECRET
from kraken_cli.sandbox.accounts import credentials

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "samples" / "test-vectors.json"

#: Keys and secrets the tests hand to krx, the sandbox or the clients. Shorter ones ("x", "fs",
#: "secret") are left out: they are ordinary words in any output and prove nothing.
TEST_CREDENTIALS = (
    "c2VjcmV0",  # base64("secret"): the tests' default secret
    "d3Jvbmc=",  # base64("wrong")
    "c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
    "c3BvdHNlY3JldA==",
    "super-secret-value",
    "literal-secret",
    "sandbox-secret",
    "beside-secret",
    "spot-key-123456",
    "SPOT-KEY-abcdef",
    "AAAAkeyvalue",
    "futures-test-key",
    "cassette-key",
    "literal-key",
    "sandbox-key",
    "serve-test-token-7f3a",  # PROVIDER_API_TOKEN of krx serve
    "docs-browser-token-91c2",
)

#: Sandbox seeds the suite starts (``--seed``); each has its own deterministic spot key pair.
SANDBOX_SEEDS = range(10)

#: Below this length a form is too likely to occur by chance (and "secret" itself is a word).
MIN_LENGTH = 8

#: A WebSocket token printed next to its name (tokens are minted at run time, so no list).
TOKEN_PATTERN = r"""token["']?\s*[:=]\s*["']?[A-Za-z0-9+/]{20,}"""


def _vector_secrets() -> Iterator[str]:
    """Yield the documented signing secrets of the test vectors (they are real-looking keys)."""
    for cases in json.loads(VECTORS.read_text()).values():
        for case in cases if isinstance(cases, list) else []:
            yield from (v for k, v in case.items() if k.endswith("secret_b64"))


def base_credentials() -> list[str]:
    """Return every key and secret the suite uses, as written."""
    sandbox = [part for seed in SANDBOX_SEEDS for part in credentials(seed)]
    return [*TEST_CREDENTIALS, *sandbox, DEFAULT_KEY, DEFAULT_SECRET, *_vector_secrets()]


def forms(secret: str) -> Iterator[str]:
    """Yield ``secret`` as written, base64-encoded, decoded (when it is base64 text), URL-quoted."""
    yield secret
    yield base64.b64encode(secret.encode()).decode()
    yield quote(secret, safe="")
    try:
        decoded = base64.b64decode(secret, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return
    if decoded.isprintable():
        yield decoded


def leak_pattern(secrets: Iterable[str]) -> re.Pattern[str]:
    """Return one regex matching any long-enough form of any secret, or a named token."""
    every = {form for secret in secrets for form in forms(secret) if len(form) >= MIN_LENGTH}
    literals = sorted(every, key=len, reverse=True)  # longest first: report the whole secret
    return re.compile("|".join([*map(re.escape, literals), TOKEN_PATTERN]))
