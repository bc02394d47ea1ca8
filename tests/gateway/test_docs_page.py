"""The gateway's /docs page in a real browser: headless Chromium, driven by Selenium, against a real gateway in
front of a real gRPC server.

What a user of /docs depends on: Swagger UI renders the contract's routes from the gateway's own files (nothing
from a CDN, nothing from outside this machine); opening an operation does not freeze the page; "Authorize", "Try
it out" and "Execute" send the request to this gateway, which calls the gRPC method with the typed id and the
credentials, and the page shows the 200 answer with the message's REST JSON and the forwarded ``x-request-id``.
The credentials never reach the gateway's logs.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make test`` installs them with apt-get); the test is skipped,
saying so, where either is missing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc.aio
import pytest
from gateway.upstream import FakeUpstream
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from yc_contracts import to_rest
from yc_contracts.contract.registry import default_registry

if TYPE_CHECKING:
    from gateway.conftest import GatewayFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason=f"the /docs browser test needs Debian's chromium ({CHROMIUM}) and chromium-driver ({CHROMEDRIVER}): "
    "`apt-get install chromium chromium-driver` (make test installs them)",
)

RENDER_TIMEOUT = 20.0
"""Seconds Swagger UI may take to fetch /openapi.json and draw the operations."""

STEP_TIMEOUT = 15.0
"""Seconds any later step (a panel opening, a response showing) may take; also chromedriver's limit on one command,
so a renderer that hangs fails the step instead of the whole run."""

TEST_BUDGET = 60.0
"""Seconds the whole test may take, browser start and stop included."""

REGISTRY = default_registry()
OPERATION = "yandex.cloud.operation.Operation"
OPERATION_ID = "e03sup6d5h1qa1b2c3d4"
IAM_TOKEN = "t1.9euelZqBrowserSecretIamToken0123456789"
REQUEST_ID = "req-docs-page-1"


def _operation(operation_id: str) -> Any:
    """The Operation the fake upstream answers ``Get`` with: a finished one, with a timestamp and a description."""
    op = REGISTRY.message_class(OPERATION)(
        id=operation_id, description="from the fake upstream", created_by="ajeexampleuser", done=True
    )
    op.created_at.FromSeconds(1_767_225_600)  # 2026-01-01T00:00:00Z
    return op


async def _get_operation(request: Any, context: grpc.aio.ServicerContext) -> Any:
    await context.send_initial_metadata([("x-request-id", REQUEST_ID)])
    return _operation(request.operation_id)


def _browser() -> WebDriver:
    """Headless Chromium that can reach loopback only: other hosts go to a proxy on a closed loopback port."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,2400",
        # loopback bypasses a proxy by default; everything else would fail here rather than leave the machine
        "--proxy-server=http://127.0.0.1:9",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(STEP_TIMEOUT)
    driver.set_script_timeout(STEP_TIMEOUT)
    return driver


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    """A headless Chromium, quit when the test ends."""
    driver = _browser()
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver: WebDriver, timeout: float = STEP_TIMEOUT) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, timeout, poll_frequency=0.1)


def _one(driver: WebDriver | WebElement, css: str, timeout: float = STEP_TIMEOUT) -> WebElement:
    """The first element matching ``css`` under ``driver``, once it is there and shown."""

    def found(_: object) -> WebElement | bool:
        for element in driver.find_elements(By.CSS_SELECTOR, css):
            if element.is_displayed():
                return element
        return False

    root = driver if isinstance(driver, WebDriver) else driver.parent
    element: WebElement = _wait(root, timeout).until(found, f"nothing shown matches {css!r}")
    return element


def _operation_block(driver: WebDriver, verb: str, path: str) -> WebElement:
    """Swagger UI's block of one operation, found by its verb and path as the page shows them."""
    xpath = f"//div[contains(@class, 'opblock-{verb.lower()}')][.//*[@data-path='{path}']]"
    element: WebElement = _wait(driver).until(
        lambda d: d.find_element(By.XPATH, xpath), f"no block for {verb} {path} on the page"
    )
    return element


@contextlib.contextmanager
def _evidence_on_failure(driver: WebDriver, folder: Path) -> Iterator[None]:
    """When the block fails, a screenshot and the HTML of the page go to ``folder`` (pytest's ``tmp_path``, never
    the repository), and the failure says where."""
    try:
        yield
    except BaseException as error:
        try:
            driver.save_screenshot(str(folder / "docs-page.png"))
            (folder / "docs-page.html").write_text(driver.page_source, encoding="utf-8")
            error.add_note(f"screenshot and HTML of the page: {folder}/docs-page.png, docs-page.html")
        except Exception as e:  # a browser that hung may not answer these either
            error.add_note(f"no screenshot of the page: {type(e).__name__}")
        raise


def test_docs_page_renders_the_routes_and_tries_one_out(
    contract_upstream: FakeUpstream,
    gateway_over: GatewayFactory,
    browser: WebDriver,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Swagger UI at /docs lists the contract's routes; GET /operations/{operation_id} with "Authorize" (an IAM
    token), "Try it out" and "Execute" calls OperationService.Get with the typed id and the token, and the page
    shows 200, the Operation's REST JSON and the upstream's x-request-id. Every resource the page loaded came from
    the gateway; the token is in no log line."""
    started = time.monotonic()
    for logger in ("yc_contracts.gateway", "uvicorn"):
        caplog.set_level(logging.DEBUG, logger=logger)
    contract_upstream.on("OperationService/Get", _get_operation)
    server = gateway_over(contract_upstream, access_log=True, log_level="debug")
    with _evidence_on_failure(browser, tmp_path):
        browser.get(server.url + "/docs")
        _one(browser, ".opblock", RENDER_TIMEOUT)
        shown = {
            f"{b.find_element(By.CSS_SELECTOR, '.opblock-summary-method').text} "
            f"{b.find_element(By.CSS_SELECTOR, '.opblock-summary-path').get_attribute('data-path')}"
            for b in browser.find_elements(By.CSS_SELECTOR, ".opblock")
        }
        assert shown == {str(route) for route in REGISTRY.routes()}

        # Authorize: the bearer scheme (an IAM token), then close the dialog
        _one(browser, ".auth-wrapper .authorize").click()
        dialog = _one(browser, ".modal-ux")
        bearer = next(c for c in dialog.find_elements(By.CSS_SELECTOR, ".auth-container") if "iamToken" in c.text)
        _one(bearer, "input").send_keys(IAM_TOKEN)
        _one(bearer, "button.modal-btn.authorize").click()
        _wait(browser).until(lambda d: "Logout" in bearer.text, "the IAM token was not taken")
        _one(dialog, "button.close-modal").click()

        # open the operation, "Try it out", type an id, "Execute"
        block = _operation_block(browser, "GET", "/operations/{operation_id}")
        _one(block, ".opblock-summary-control").click()
        try_out = _one(block, ".try-out__btn")
        if try_out.text.strip() == "Try it out":  # the page turns it on for every operation (tryItOutEnabled)
            try_out.click()
        field = _one(block, "tr[data-param-name='operation_id'] input")
        field.clear()
        field.send_keys(OPERATION_ID)
        _one(block, ".btn.execute").click()

        status = _one(block, ".live-responses-table .response .response-col_status")
        assert status.text.strip() == "200"
        body = _one(block, ".live-responses-table .highlight-code pre")
        assert json.loads(body.text) == to_rest(_operation(OPERATION_ID))
        headers = {
            line.text.strip() for line in block.find_elements(By.CSS_SELECTOR, ".live-responses-table .headerline")
        }
        assert {"content-type: application/json", f"x-request-id: {REQUEST_ID}"} <= headers
        request_url = _one(block, ".request-url pre")
        assert request_url.text.strip() == f"{server.url}/operations/{OPERATION_ID}"

        resources: list[str] = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        assert resources, "the page loaded no resource at all"
        foreign = [url for url in resources if not url.startswith(server.url + "/")]
        assert foreign == [], "the /docs page loaded resources from outside the gateway"
        assert {f"{server.url}/docs/swagger-ui-bundle.js", f"{server.url}/docs/swagger-ui.css"} <= set(resources)
        assert f"{server.url}/operations/{OPERATION_ID}" in resources
        # the browser asks for /favicon.ico on its own (the page names none): that 404 is not the page's error
        errors = [
            e["message"]
            for e in browser.get_log("browser")
            if e["level"] == "SEVERE" and not e["message"].startswith(f"{server.url}/favicon.ico ")
        ]
        assert errors == [], "the page logged errors in the browser's console"

    [call] = contract_upstream.received
    assert call.method == "/yandex.cloud.operation.OperationService/Get"
    assert call.request.operation_id == OPERATION_ID
    assert call.metadata.get("authorization") == f"Bearer {IAM_TOKEN}"
    assert "GET /operations/" in caplog.text  # the access log and the gateway's own line are there...
    assert IAM_TOKEN not in caplog.text  # ...and the token is not
    assert time.monotonic() - started < TEST_BUDGET


def test_every_operation_opens_without_freezing_the_page(
    contract_upstream: FakeUpstream, gateway_over: GatewayFactory, browser: WebDriver, tmp_path: Path
) -> None:
    """Each of the 9 operations opens and shows its parameters, its example response and its schema. (The
    published document checks a ``google.protobuf.Any`` against each of the ~100 types it may hold; drawn as is,
    Swagger UI spends minutes merging them and the page stops answering: every operation returning an Operation
    froze it. chromedriver gives up on a renderer that does not answer within STEP_TIMEOUT, which fails this.)"""
    server = gateway_over(contract_upstream)
    with _evidence_on_failure(browser, tmp_path):
        browser.get(server.url + "/docs")
        _one(browser, ".opblock", RENDER_TIMEOUT)
        opened = []
        for route in REGISTRY.routes():
            block = _operation_block(browser, route.verb, route.path)
            _one(block, ".opblock-summary-control").click()
            _one(block, ".opblock-body")
            example = _one(block, ".responses-wrapper .response[data-code='200'] .model-example")
            assert example.text.strip(), f"{route}: no example response"
            opened.append(str(route))
            _one(block, ".opblock-summary-control").click()  # closed again, to keep the page small
        assert sorted(opened) == sorted(str(route) for route in REGISTRY.routes())
        assert contract_upstream.received == []  # opening sends nothing
