"""The workbench as people use it: headless Chromium (Debian's chromium and chromium-driver, via Selenium).

Skipped, with the reason, where the browser or its driver is not installed; under CI (CI set) their
absence fails instead, since .ci/run installs them. With OPSADVISOR_SCREENSHOTS=FOLDER, each page is
also saved as a PNG there (the pictures of docs/workbench.md).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .web_helpers import HR, LEDGER, MIXED, SCENARIOS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WAIT = 10  # seconds an element may take to appear (a page shows in well under one)
pytestmark = pytest.mark.no_faketime

if not (CHROMIUM and DRIVER):
    reason = "headless Chromium tests need Debian's chromium and chromium-driver (apt-get install chromium-driver)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support import expected_conditions as shows  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


class Server:
    """The workbench on a free port of 127.0.0.1, in a thread of the test process."""

    def __init__(self, folder: Path) -> None:
        import uvicorn

        from opsadvisor.web.app import create_app
        from opsadvisor.web.server import server_config

        self.server = uvicorn.Server(server_config(create_app(folder), "127.0.0.1", 0))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:
            threading.Event().wait(0.01)
        self.url = f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("workbench")
    for scenario in sorted(SCENARIOS.glob("*.json")):
        shutil.copy(scenario, path / scenario.name)
    return path


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[Server]:
    running = Server(folder)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1440,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=DRIVER))
    yield driver
    driver.quit()


def shot(browser: webdriver.Chrome, name: str, top: bool = True) -> None:
    folder = os.environ.get("OPSADVISOR_SCREENSHOTS")
    if folder:
        if top:
            browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(str(Path(folder) / f"{name}.png"))


def wait_for_text(browser: webdriver.Chrome, selector: str, text: str) -> None:
    WebDriverWait(browser, WAIT).until(shows.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text))


def in_view(browser: webdriver.Chrome, element: WebElement) -> bool:
    """Whether the element is inside the window as it is scrolled now."""
    top, bottom = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom]", element
    )
    return top >= 0 and bottom <= browser.execute_script("return window.innerHeight")


def test_create_a_scenario_through_the_form_and_see_the_model(
    browser: webdriver.Chrome, server: Server, folder: Path
) -> None:
    browser.get(f"{server.url}/")
    shot(browser, "scenarios")
    browser.get(f"{server.url}/new")
    browser.find_element(By.ID, "f-ambition").send_keys("Business operated")
    wait_for_text(browser, "#preview", "recommended model B")  # from the first answer, no id, name or file yet
    assert browser.find_element(By.ID, "e-service-id").text == ""  # nor an error for them while typing
    browser.find_element(By.ID, "f-hosting").send_keys("mainframe")
    wait_for_text(browser, "#e-hosting", "mainframe")  # the contract's message next to the field, as it is typed
    for field, text in (
        ("service-id", "expenses"),
        ("service-name", "Expense claims"),
        ("criticality", "2"),
        ("users", "1,200"),
    ):
        browser.find_element(By.ID, f"f-{field}").send_keys(text)
    WebDriverWait(browser, WAIT).until(
        lambda _: browser.find_element(By.ID, "f-file").get_attribute("value") == "expenses.json"
    )  # the file name is proposed from the service's id, next to the save button
    shot(browser, "new-scenario", top=False)
    browser.find_element(By.ID, "f-hosting").clear()
    wait_for_text(browser, "#preview", "recommended model B")
    WebDriverWait(browser, WAIT).until(lambda _: browser.find_element(By.ID, "e-hosting").text == "")
    browser.find_element(By.CSS_SELECTOR, "button.save").click()
    WebDriverWait(browser, WAIT).until(shows.url_to_be(f"{server.url}/s/expenses.json"))
    wait_for_text(browser, "#recommendation", "Recommended model: B")
    assert json.loads((folder / "expenses.json").read_text(encoding="utf-8"))["ambition"] == "business_operated"


def test_a_question_that_applies_after_an_answer_becomes_active_at_once(
    browser: webdriver.Chrome, server: Server
) -> None:
    browser.get(f"{server.url}/new")
    benefits = browser.find_element(By.ID, "q-expected_benefits")
    assert "not-asked" in benefits.get_attribute("class")
    browser.find_element(By.ID, "f-ambition").send_keys("Business operated")
    WebDriverWait(browser, WAIT).until(lambda _: "not-asked" not in benefits.get_attribute("class"))
    shot(browser, "new-scenario-benefits-active", top=False)
    browser.find_element(By.ID, "f-ambition").clear()
    browser.find_element(By.ID, "f-ambition").send_keys("IT operated")
    WebDriverWait(browser, WAIT).until(lambda _: "not-asked" in benefits.get_attribute("class"))


def test_decide_a_tbd_cell_and_see_the_file_and_the_risks_change(
    browser: webdriver.Chrome, server: Server, folder: Path
) -> None:
    browser.get(f"{server.url}/s/{LEDGER}/workshop")
    wait_for_text(browser, "#count-risks", "3 risks to accept")
    browser.find_element(By.CSS_SELECTOR, '[data-cell="problem/application"]').click()
    WebDriverWait(browser, WAIT).until(shows.presence_of_element_located((By.ID, "decide")))
    assert browser.current_url == f"{server.url}/s/{LEDGER}/workshop"  # the script asked for the form alone
    Select(browser.find_element(By.CSS_SELECTOR, "#decide select[name=application]")).select_by_value("business")
    Select(browser.find_element(By.CSS_SELECTOR, "#decide select[name=performed_by]")).select_by_value("vendor")
    shot(browser, "workshop-decide")
    browser.find_element(By.CSS_SELECTOR, "#decide button[type=submit]").click()
    wait_for_text(browser, "#count-risks", "4 risks to accept")
    assert browser.find_element(By.ID, "risk-business-operated-critical-service").is_displayed()
    decided = json.loads((folder / LEDGER).read_text(encoding="utf-8"))["decisions"]["problem"]
    assert decided == {"application": "business", "interface": "tbd", "performed_by": "vendor"}
    shot(browser, "workshop")


def test_the_board_says_the_effective_model_once_a_decision_departs_from_it(
    browser: webdriver.Chrome, server: Server, folder: Path
) -> None:
    name = "crm-decided.json"
    shutil.copy(SCENARIOS / "sales-crm-business-operated.json", folder / name)
    try:
        browser.get(f"{server.url}/s/{name}/workshop")
        wait_for_text(browser, "#model", "Model: B")
        browser.find_element(By.CSS_SELECTOR, '[data-cell="incident/application"]').click()
        WebDriverWait(browser, WAIT).until(shows.presence_of_element_located((By.ID, "decide")))
        Select(browser.find_element(By.CSS_SELECTOR, "#decide select[name=application]")).select_by_value("it_ops")
        browser.find_element(By.CSS_SELECTOR, "#decide button[type=submit]").click()
        wait_for_text(browser, "#model", "Model: effectively C (B recommended)")
        shot(browser, "workshop-effectively-c")
        browser.get(f"{server.url}/?q=crm-decided")
        assert browser.find_element(By.CSS_SELECTOR, "#scenarios td.model").text == "effectively C (B recommended)"
        shot(browser, "scenarios-effectively-c")
    finally:
        (folder / name).unlink(missing_ok=True)


def test_a_refused_acceptance_says_why_next_to_its_control_and_keeps_what_was_typed(
    browser: webdriver.Chrome, server: Server, folder: Path
) -> None:
    """The form offers only the roles the risk names (a role that may not accept it is not there to pick);
    a date after today, typed past the field's maximum, is refused by the API and nothing is written."""
    before = (folder / HR).read_bytes()
    browser.get(f"{server.url}/s/{HR}")
    shot(browser, "service")
    browser.find_element(By.CSS_SELECTOR, "#recommendation details.why summary").click()
    wait_for_text(browser, "#recommendation .explained", "Fired.")
    browser.get(f"{server.url}/s/{HR}/workshop")
    form = browser.find_element(By.CSS_SELECTOR, "#risk-personal-data-outside-it form.accept")
    roles = [
        option.get_attribute("value") for option in form.find_elements(By.CSS_SELECTOR, "select[name=role] option")
    ]
    assert roles == ["business_owner"]  # only the roles the risk names
    form = browser.find_element(By.CSS_SELECTOR, "#risk-vendor-desk-no-step-in form.accept")
    Select(form.find_element(By.NAME, "role")).select_by_value("accountable_executive")
    form.find_element(By.NAME, "name").send_keys("   ")  # spaces pass the browser's check, not the contract's
    date = form.find_element(By.NAME, "review_by")
    date.send_keys("01312027")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for_text(browser, "#risk-vendor-desk-no-step-in #accept-error-name", "expected a non-empty string")
    form = browser.find_element(By.CSS_SELECTOR, "#risk-vendor-desk-no-step-in form.accept")
    error = form.find_element(By.ID, "accept-error-name")
    assert in_view(browser, error) and browser.switch_to.active_element == form.find_element(By.NAME, "name")
    assert (
        Select(form.find_element(By.NAME, "role")).first_selected_option.get_attribute("value")
        == "accountable_executive"
    )
    assert form.find_element(By.NAME, "name").get_attribute("value") == "   "
    assert form.find_element(By.NAME, "review_by").get_attribute("value") == "2027-01-31"
    assert "--name" not in error.text
    shot(browser, "workshop-refused-acceptance", top=False)
    assert (folder / HR).read_bytes() == before


def test_accepting_a_risk_with_a_date_after_today_is_refused_next_to_the_date(
    browser: webdriver.Chrome, server: Server, folder: Path
) -> None:
    """A date after today, typed past the field's maximum, is refused by the API: said next to the date, the
    name kept, nothing written."""
    before = (folder / HR).read_bytes()
    browser.get(f"{server.url}/s/{HR}/workshop")
    form = browser.find_element(By.CSS_SELECTOR, "#risk-personal-data-outside-it form.accept")
    form.find_element(By.NAME, "name").send_keys("Chris")
    browser.execute_script(
        "arguments[0].removeAttribute('max'); arguments[0].value = '2999-01-01'", form.find_element(By.NAME, "date")
    )
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for_text(browser, "#risk-personal-data-outside-it #accept-error-date", "2999-01-01 is after today")
    form = browser.find_element(By.CSS_SELECTOR, "#risk-personal-data-outside-it form.accept")
    assert in_view(browser, form.find_element(By.ID, "accept-error-date"))
    assert form.find_element(By.NAME, "name").get_attribute("value") == "Chris"
    assert (folder / HR).read_bytes() == before


def test_every_page_works_without_javascript(browser: webdriver.Chrome, server: Server, folder: Path) -> None:
    """Links load pages and forms post and redirect: a cell, a decision, a refused acceptance, an explanation."""
    name = "no-script.json"
    shutil.copy(SCENARIOS / MIXED, folder / name)
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        browser.get(f"{server.url}/s/{name}/workshop")
        browser.find_element(By.CSS_SELECTOR, '[data-cell="licence/application"]').click()
        WebDriverWait(browser, WAIT).until(shows.url_contains("/cell?process=licence"))
        assert browser.find_element(By.ID, "matrix").is_displayed()  # the whole board, its decision form open
        Select(browser.find_element(By.CSS_SELECTOR, "#decide select[name=application]")).select_by_value("business")
        browser.find_element(By.CSS_SELECTOR, "#decide button[type=submit]").click()
        WebDriverWait(browser, WAIT).until(shows.url_to_be(f"{server.url}/s/{name}/workshop"))  # posted, redirected
        decided = json.loads((folder / name).read_text(encoding="utf-8"))["decisions"]["licence"]
        assert decided["application"] == "business"
        shot(browser, "workshop-without-javascript")
        browser.get(f"{server.url}/s/{name}")
        browser.find_element(By.CSS_SELECTOR, "#recommendation details.why summary").click()
        browser.find_element(By.CSS_SELECTOR, "#recommendation .explained a").click()
        wait_for_text(browser, "main", "Fired.")
        assert browser.find_element(By.CSS_SELECTOR, "header.top nav").is_displayed()  # a page of its own
        browser.get(f"{server.url}/new")
        browser.find_element(By.ID, "f-service-id").send_keys("no-script-new")
        browser.find_element(By.ID, "f-service-name").send_keys("Without script")
        browser.find_element(By.CSS_SELECTOR, "button.save").click()
        WebDriverWait(browser, WAIT).until(shows.url_to_be(f"{server.url}/s/no-script-new.json"))
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
        (folder / name).unlink(missing_ok=True)
        (folder / "no-script-new.json").unlink(missing_ok=True)


def test_the_portfolio_page_of_1000_scenarios(browser: webdriver.Chrome, tmp_path: Path) -> None:
    (tmp_path / "portfolio").mkdir()
    templates = [json.loads(path.read_text(encoding="utf-8")) for path in sorted(SCENARIOS.glob("*.json"))]
    for number in range(1000):
        document = templates[number % len(templates)]
        document["service"]["id"] = f"svc-{number:04d}"
        (tmp_path / "portfolio" / f"svc-{number:04d}.json").write_text(json.dumps(document), encoding="utf-8")
    big = Server(tmp_path / "portfolio")
    try:
        browser.get(f"{big.url}/portfolio")
        wait_for_text(browser, "main", "Services per model and mode")
        entries = browser.find_element(By.CSS_SELECTOR, "section.summary table tbody tr").text
        assert entries.split() == ["1000", "1000", "0"]
        shot(browser, "portfolio")
        browser.get(f"{big.url}/rules")
        shot(browser, "rules")
    finally:
        big.stop()


def test_a_click_on_a_board_whose_file_broke_on_disk_shows_the_problem_where_the_user_looks(
    browser: webdriver.Chrome, server: Server, folder: Path
) -> None:
    """The answer is 409 with the file's problem, and the page shows it in place of what the click asked for."""
    name = "broken-behind-the-board.json"
    shutil.copy(SCENARIOS / MIXED, folder / name)
    try:
        browser.get(f"{server.url}/s/{name}/workshop")
        browser.find_element(By.CSS_SELECTOR, '[data-cell="it_controls/application"]').click()
        WebDriverWait(browser, WAIT).until(shows.presence_of_element_located((By.ID, "decide")))
        (folder / name).write_text('{"service": ', encoding="utf-8")
        browser.find_element(By.CSS_SELECTOR, "#decide button[type=submit]").click()
        wait_for_text(browser, "#board", "cannot be used now")
        assert "invalid JSON" in browser.find_element(By.ID, "board").text
        shutil.copy(SCENARIOS / MIXED, folder / name)
        browser.get(f"{server.url}/s/{name}/workshop")
        (folder / name).unlink()
        browser.find_element(By.CSS_SELECTOR, '[data-cell="it_controls/application"]').click()
        wait_for_text(browser, "#panel", "cannot be used now")
        assert "No such file" in browser.find_element(By.ID, "panel").text
    finally:
        (folder / name).unlink(missing_ok=True)
