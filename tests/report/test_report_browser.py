"""report.html in a real browser: Debian's chromium, headless, driven by selenium 4.

Every picture must load (``complete`` with a ``naturalWidth``), the console must hold no
error, and the sections must be there. A full-page screenshot is saved for a person to
look at (its path is printed; a copy goes to /tmp/report_screenshot.png).

CI installs chromium and chromedriver (apt: chromium chromium-driver); where they are
missing the test is skipped and says so.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kerazoo.report._write import write_report
from tests.report.conftest import FULL_HEADINGS

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENSHOT_COPY = Path("/tmp/report_screenshot.png")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A headless chromium that never reaches the network (no Selenium Manager download)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.skip(f"no {', '.join(missing)}: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,900",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver, report: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(report.resolve().as_uri())
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && "
            "Array.from(document.images).every(i => i.complete)"
        )
    )


def _images(driver) -> list[dict]:
    return driver.execute_script(
        "const main = document.querySelector('main').getBoundingClientRect();"
        "return Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete, "
        "width: i.naturalWidth, shown: i.getBoundingClientRect().width, "
        "inside: i.getBoundingClientRect().right <= main.right}))"
    )


def _screenshot(driver, path: Path) -> Path:
    """A PNG of the whole page (the window stretched to the page's height)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1200, min(int(height) + 100, 16000))
    driver.save_screenshot(str(path))
    return path


def test_every_picture_loads_and_nothing_errors(browser, full_run: Path, tmp_path: Path) -> None:
    report = write_report(full_run)
    _open(browser, report)
    images = _images(browser)
    assert len(images) >= 9, images  # curves, 3 evaluation, lr, 2 GIFs, stats, 3 views
    broken = [i for i in images if not i["complete"] or i["width"] == 0]
    assert not broken, broken
    assert all(i["shown"] > 0 and i["inside"] for i in images), images  # none wider than the page
    assert browser.execute_script("return document.documentElement.scrollWidth <= innerWidth")
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe
    headings = [h.text for h in browser.find_elements("tag name", "h2")]
    assert headings == FULL_HEADINGS
    shot = _screenshot(browser, tmp_path / "report.png")
    shutil.copyfile(shot, SCREENSHOT_COPY)
    print(f"screenshot: {shot} (copy: {SCREENSHOT_COPY})")


def test_a_report_of_what_training_alone_writes_loads(browser, plain_run: Path) -> None:
    _open(browser, write_report(plain_run))
    images = _images(browser)
    assert "curves.png" in [i["alt"] for i in images]
    assert all(i["complete"] and i["width"] > 0 for i in images), images
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    headings = [h.text for h in browser.find_elements("tag name", "h2")]
    assert headings[:2] == ["Settings", "Curves"] and headings[-1] == "Files in the folder"
