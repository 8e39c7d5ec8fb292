"""The secret scanner finds every form of a test credential, and only those."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest

from kraken_cli.sandbox.accounts import credentials
from tests.support.env import REPO_ROOT
from tests.support.secret_scan import SCANNER

SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQ="  # base64("secret-secret-secret")


@pytest.mark.parametrize(
    "text",
    [
        f"API-Sign: x\nsecret={SECRET}",
        f"{{'key': '{base64.b64encode(b'super-secret-value').decode()}'}}",
        f"nonce=1&otp={quote(credentials(1)[1], safe='')}",
        "decoded: secret-secret-secret",
        '{"token": "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/ab"}',
    ],
)
def test_every_form_is_found(text: str) -> None:
    assert SCANNER.find(text) is not None
    assert SCANNER.find(text.encode()) is not None


def test_clean_text_and_the_sandbox_banner_pass() -> None:
    key, secret = credentials(7)
    banner = f"krx sandbox ready\nAPI key   {key}\nAPI secret {secret}\nFutures http://x\n"
    assert SCANNER.find(banner) is None
    assert SCANNER.find('{"secret": "***", "key": "spot...3456", "token": "<redacted>"}') is None
    assert SCANNER.find(f"leaked: {secret}") == f"{secret[:4]}... ({len(secret)} chars)"


def test_a_leak_fails_the_test_and_names_the_place(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT))
    pytester.makeconftest('pytest_plugins = ["tests.support.secret_scan"]')
    pytester.makepyfile(
        f"""
        import subprocess, sys

        def test_printed(capsys):
            print("{SECRET}")
            assert capsys.readouterr().out

        def test_subprocess():
            subprocess.run([sys.executable, "-c", "print('{SECRET}')"], capture_output=True)

        def test_file(tmp_path):
            with open(tmp_path / "state.json", "w") as f:
                f.write("{SECRET}")

        def test_clean(capsys):
            print("nothing to see")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*c2Vj... (28 chars) in the captured stdout",
            "*c2Vj... (28 chars) in the stdout of `-c print('c2Vj... (28 chars)')`",
            "*c2Vj... (28 chars) in the file */state.json",
        ]
    )
