"""/docs in a real headless browser: the page loads offline and makes one authorised call.

Runs ``krx serve`` as a process (uvicorn, real sockets) and drives Chromium with Selenium.
Skipped where Chromium or its driver is missing; CI installs both (see .ci/run).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import SandboxHandle
from tests.support.env import krx_env

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

TOKEN = "docs-browser-token-91c2"
CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def served(sandbox_for_serve: SandboxHandle, tmp_path: Path) -> Iterator[str]:
    env = krx_env(tmp_path, sandbox=sandbox_for_serve, PROVIDER_API_TOKEN=TOKEN)
    process = subprocess.Popen(
        [sys.executable, "-m", "kraken_cli", "--sandbox", "serve", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    try:
        assert "ready on" in line, line
        yield line.split("ready on ", 1)[1].split()[0]
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.skipif(not (CHROMEDRIVER and CHROMIUM), reason="needs chromium + chromium-driver")
def test_docs_page_authorises_and_calls_a_route(served: str) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    wait = WebDriverWait(browser, 30)
    try:
        browser.get(f"{served}/docs")
        wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, "button.authorize"))).click()
        field = wait.until(
            ready.visibility_of_element_located((By.CSS_SELECTOR, ".modal-ux input"))
        )
        field.send_keys(TOKEN)
        browser.find_element(By.CSS_SELECTOR, ".modal-ux button.authorize").click()
        browser.find_element(By.CSS_SELECTOR, ".modal-ux button.btn-done").click()
        block = "#operations-default-symbols_api_symbols_kraken__market__get"
        wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, f"{block} .opblock-summary")))
        browser.find_element(By.CSS_SELECTOR, f"{block} .opblock-summary").click()
        wait.until(ready.element_to_be_clickable((By.CSS_SELECTOR, f"{block} .try-out__btn")))
        browser.find_element(By.CSS_SELECTOR, f"{block} .try-out__btn").click()
        market = wait.until(
            ready.visibility_of_element_located((By.CSS_SELECTOR, f"{block} select"))
        )
        market.send_keys("spot")
        browser.find_element(By.CSS_SELECTOR, f"{block} .execute").click()
        status = wait.until(
            ready.visibility_of_element_located(
                (By.CSS_SELECTOR, f"{block} .live-responses-table tbody .response-col_status")
            )
        )
        assert status.text.strip().startswith("200"), status.text
        body = browser.find_element(By.CSS_SELECTOR, f"{block} .live-responses-table").text
        assert "BTC/USD" in body
    finally:
        browser.quit()
