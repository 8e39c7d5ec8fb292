"""The suite's secret scanner (a pytest plugin, loaded by tests/conftest.py).

Every test's output is searched for the test credentials (tests/support/secrets.py): what
capsys/capfd hand the test, what pytest captured and the test never read, CliRunner results,
the stdout/stderr of every subprocess the test waited for (``subprocess.run``,
``Popen.communicate``), and every file under the test's ``tmp_path`` and XDG dirs. A hit fails
the test, naming where the secret was (never the secret itself).

Files the test code itself wrote (its inputs: a config file holding a key on purpose) are left
out, as long as nothing rewrote them. Output read line by line from a pipe (a long-running
sandbox or stream) is not seen; files it leaves behind are.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click.testing
import pytest

from tests.support.secrets import TOKEN_PATTERN, base_credentials, forms

TESTS_DIR = str(Path(__file__).resolve().parents[1]) + os.sep
#: The one place a credential may show: the sandbox's ready banner prints its own made-up key and
#: secret, so that any client can be pointed at it (kraken_cli/sandbox/server.py).
SANDBOX_BANNER = re.compile(r"^API (key|secret) +\S+$", re.MULTILINE)
#: A file larger than this is read only in part (the suite writes nothing this big).
MAX_FILE_BYTES = 32 * 1024 * 1024


class Scanner:
    """Find any form of any credential in text or bytes."""

    def __init__(self, secrets: list[str]) -> None:
        literals = {f for s in secrets for f in forms(s) if len(f) >= 8}
        self.literals = sorted(literals, key=len, reverse=True)
        self.literal_bytes = [s.encode() for s in self.literals]
        self.token = re.compile(TOKEN_PATTERN)
        self.token_bytes = re.compile(TOKEN_PATTERN.encode())

    def find(self, data: str | bytes) -> str | None:
        """Return a description of the first leak in ``data`` (None if it is clean)."""
        if isinstance(data, bytes):
            hit_b = next((s for s in self.literal_bytes if s in data), None)
            if hit_b is not None:
                return _masked(hit_b.decode())
            match_b = self.token_bytes.search(data)
            return f"a token ({_masked(match_b.group().decode())})" if match_b else None
        data = SANDBOX_BANNER.sub("", data)
        hit = next((s for s in self.literals if s in data), None)
        if hit is not None:
            return _masked(hit)
        match = self.token.search(data)
        return f"a token ({_masked(match.group())})" if match else None

    def mask(self, text: str) -> str:
        """Return ``text`` with every credential in it shortened to a hint."""
        for secret in self.literals:
            text = text.replace(secret, _masked(secret))
        return text


def _masked(secret: str) -> str:
    return f"{secret[:4]}... ({len(secret)} chars)"


class Findings:
    """What the current test leaked, and the files it wrote itself."""

    def __init__(self) -> None:
        self.leaks: list[str] = []
        self.inputs: dict[Path, str] = {}  # path -> digest of what the test wrote

    def check(self, where: str, data: str | bytes | None) -> None:
        if data and (what := SCANNER.find(data)) is not None:
            self.leaks.append(f"{what} in {where}")


SCANNER = Scanner(base_credentials())
FINDINGS = Findings()


def _called_from_tests() -> bool:
    """Tell whether the code writing a file is test code (not krx, the sandbox or a library)."""
    caller = sys._getframe(3).f_code.co_filename  # 1: _note_input, 2: the wrapper
    return caller.startswith(TESTS_DIR)


def _wrap(owner: Any, name: str, after: Callable[..., None]) -> None:
    """Replace ``owner.name`` with a version that calls ``after(args, kwargs, result)``."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        after(args, kwargs, result)
        return result

    setattr(owner, name, wrapper)


def _note_input(args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
    if _called_from_tests():
        path = Path(args[0])
        FINDINGS.inputs[path.resolve()] = _digest(path)


def _digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def _readouterr(args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
    FINDINGS.check("the captured stdout", result.out)
    FINDINGS.check("the captured stderr", result.err)


def _communicate(args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
    out, err = result
    FINDINGS.check(f"the stdout of {_command(args[0])}", out)
    FINDINGS.check(f"the stderr of {_command(args[0])}", err)


def _command(process: subprocess.Popen[Any]) -> str:
    argv = process.args if isinstance(process.args, list | tuple) else [process.args]
    return "`" + SCANNER.mask(" ".join(str(a) for a in argv[1:4])) + "`"


def _invoke(args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
    FINDINGS.check("a CliRunner result", result.output)
    with contextlib.suppress(ValueError):  # click < 8.2 without a separate stderr
        FINDINGS.check("a CliRunner result's stderr", result.stderr)


def pytest_configure(config: pytest.Config) -> None:
    """Hook the places where a test sees output or writes its inputs."""
    _wrap(Path, "write_text", _note_input)
    _wrap(Path, "write_bytes", _note_input)
    _wrap(pytest.CaptureFixture, "readouterr", _readouterr)
    _wrap(subprocess.Popen, "communicate", _communicate)
    _wrap(click.testing.CliRunner, "invoke", _invoke)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Start each test with nothing found."""
    FINDINGS.leaks.clear()
    FINDINGS.inputs.clear()


def _roots(item: pytest.Item) -> set[Path]:
    """Return the test's own directories: tmp_path and the XDG dirs, never outside basetemp."""
    base = item.config._tmp_path_factory.getbasetemp().resolve()  # type: ignore[attr-defined]
    funcargs = getattr(item, "funcargs", {})
    found = {Path(funcargs["tmp_path"])} if "tmp_path" in funcargs else set()
    for kind in ("CONFIG", "CACHE", "STATE", "DATA"):
        if value := os.environ.get(f"XDG_{kind}_HOME"):
            found.add(Path(value))
    roots = {p.resolve() for p in found if p.resolve().is_relative_to(base) and p.exists()}
    return {r for r in roots if not any(r != o and r.is_relative_to(o) for o in roots)}


def _files(roots: set[Path]) -> Iterator[Path]:
    for root in sorted(roots):
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder, name)
                if path.is_file() and not path.is_symlink():
                    yield path


def _scan_files(item: pytest.Item) -> None:
    for path in _files(_roots(item)):
        if path in FINDINGS.inputs and FINDINGS.inputs[path] == _digest(path):
            continue
        with path.open("rb") as handle:
            FINDINGS.check(f"the file {path}", handle.read(MAX_FILE_BYTES))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Fail the test's call phase if anything it produced holds a credential."""
    outcome = yield
    if call.when != "call":
        return
    report: pytest.TestReport = outcome.get_result()
    for title, text in report.sections:
        FINDINGS.check(title.lower(), text)
    _scan_files(item)
    if FINDINGS.leaks:
        found = "\n".join(f"  - {leak}" for leak in dict.fromkeys(FINDINGS.leaks))
        message = f"secret scanner: a test credential leaked\n{found}"
        if report.failed:
            message = f"{report.longreprtext}\n\n{message}"
        report.outcome = "failed"
        report.longrepr = message
