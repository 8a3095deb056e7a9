"""An administrator uploads a records-system extract in Chromium, follows the run's page until it finishes
(the page updates itself), reads the rejected rows and downloads them; the same file from the command line
then changes nothing. Every page is scanned with axe-core."""
import pathlib
import random
import tempfile

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from a11y import assert_accessible
from browser import sign_in, submit
from conftest import ROOT


def extract(tag):
    """The documented example with fresh ids and references, and one bad row at the end (line 9)."""
    text = (ROOT / "docs" / "import-example.csv").read_text()
    text = text.replace("CR-", f"CR{tag}-").replace("IMP/", f"I{tag}/").replace("P-", f"P{tag}-").replace("EV-", f"EV{tag}-")
    bad = f"crime,CR{tag}-9,,I{tag}/9/26,999/99,,CN,2026-10-01T21:30:00+01:00,2026-10-02T09:15:00+01:00,telephone" + "," * 16
    return text + bad + "\n"


def test_an_administrator_uploads_an_extract_and_reads_the_report(service, driver):
    tag = str(random.randint(10000, 99999))
    path = pathlib.Path(tempfile.mkdtemp(prefix="victimcare-import-")) / "nightly.csv"
    path.write_text(extract(tag))

    sign_in(driver, service, "auditor")
    driver.get(service.url + "/admin/imports")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Imports"
    assert_accessible(driver)
    # Nothing chosen: the error summary names the file field.
    submit(driver)
    assert "Choose a CSV file to import" in driver.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert driver.find_element(By.ID, "file").get_attribute("aria-invalid") == "true"
    assert_accessible(driver)

    source = driver.find_element(By.ID, "source")
    source.clear()
    source.send_keys("CRIS")
    driver.find_element(By.ID, "file").send_keys(str(path))
    submit(driver)
    assert "/admin/imports/" in driver.current_url
    WebDriverWait(driver, 60).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "[data-field=state]").text == "finished")
    figures = {dt.text: dd.text for dt, dd in zip(driver.find_elements(By.CSS_SELECTOR, ".summary-list dt"),
                                                   driver.find_elements(By.CSS_SELECTOR, ".summary-list dd"))}
    assert figures == {"Rows read": "8", "Created": "7", "Updated": "0", "Unchanged": "0", "Rejected": "1"}
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "table tbody tr")]
    assert rows == ["9 offence_code: Offence code 999/99 is not a known offence"]
    assert_accessible(driver)

    # The download is the same report, for the records team.
    href = driver.find_element(By.CSS_SELECTOR, "a[download]").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in driver.get_cookies()}
    csv = requests.get(href, cookies=cookies)
    assert csv.status_code == 200
    assert csv.text == "\ufeffline,reason\r\n9,offence_code: Offence code 999/99 is not a known offence\r\n"

    # The imported crime is a real record, found by its reference.
    driver.get(service.url + f"/crimes?reference=I{tag}/1002/26")
    assert f"I{tag}/1002/26" in driver.find_element(By.TAG_NAME, "main").text

    # The same file from the command line: nothing changes.
    out = service.cli("import", "crimes", str(path), "--source", "CRIS").stdout
    assert "8 rows — 0 created, 0 updated, 7 unchanged, 1 rejected" in out
    assert "line 9: offence_code: Offence code 999/99 is not a known offence" in out
