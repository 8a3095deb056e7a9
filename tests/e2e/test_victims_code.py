"""An officer's worklist in a real browser: a voicemail leaves the duty owed, a successful call meets it, and
the worklist shows both. Every page visited is scanned with axe-core."""
import datetime
import random

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from a11y import assert_accessible
from browser import follow, sign_in, submit


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).isoformat(timespec="seconds")


def r9_status(driver):
    for row in driver.find_elements(By.CSS_SELECTOR, "main table tbody tr"):
        cells = row.find_elements(By.TAG_NAME, "td")
        if cells and cells[0].text.startswith("R9 "):
            return cells[3].text.split("\n")[0]
    raise AssertionError("no R9 row on the victim's page")


def test_voicemail_then_a_successful_call_on_the_worklist(service, driver, admin_token):
    headers = {"Authorization": f"Bearer {admin_token}"}
    now = datetime.datetime.now(datetime.timezone.utc)
    reference = f"SN/{random.randint(1000000, 9999999)}/26"
    body = {"reference": reference, "offence_code": "008/01", "command_unit": "SN", "channel": "telephone", "officer_in_case": "pc.browser",
            "occurred_at": iso(now - datetime.timedelta(days=3)), "reported_at": iso(now - datetime.timedelta(days=2)),
            "victims": [{"person": {"given_name": "Wilhelmina", "family_name": "Voicemail", "phone": "07700 900321", "phone_safe": True,
                                    "preferred_contact": "phone"}}]}
    created = requests.post(service.url + "/api/v1/crimes", json=body, headers=headers)
    assert created.status_code == 201, created.text
    crime = created.json()
    event = requests.post(service.url + f"/api/v1/crimes/{crime['id']}/events", headers=headers,
                          json={"type": "suspect_arrested", "at": iso(now - datetime.timedelta(hours=30))})
    assert event.status_code == 201, event.text

    sign_in(driver, service, "pc.browser")
    driver.get(service.url + "/worklist")
    assert driver.find_element(By.TAG_NAME, "h1").text == "My victims"
    assert "Wilhelmina Voicemail" in driver.page_source
    assert_accessible(driver)
    follow(driver, By.LINK_TEXT, "Wilhelmina Voicemail")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Wilhelmina Voicemail"
    assert r9_status(driver) in ("Due", "Overdue")
    assert_accessible(driver)

    # A voicemail is recorded as an attempt and the duty stays owed.
    driver.find_element(By.CSS_SELECTOR, "label[for=outcome-voicemail_left]").click()
    submit(driver, "form[action$='/contacts'] button[type=submit]")
    assert "Recorded as an attempt, not a successful contact." in driver.find_element(By.CSS_SELECTOR, ".notice").text
    assert r9_status(driver) in ("Due", "Overdue")

    # A call where the officer spoke to her, checked identity and welfare, and she could speak freely.
    driver.find_element(By.CSS_SELECTOR, "label[for=outcome]").click()  # the first outcome: spoke to the victim
    for box in ("identityVerified", "welfareChecked", "safeToSpeak"):
        driver.find_element(By.CSS_SELECTOR, f"label[for={box}]").click()
    submit(driver, "form[action$='/contacts'] button[type=submit]")
    assert "Successful contact recorded." in driver.find_element(By.CSS_SELECTOR, ".notice").text
    assert r9_status(driver) == "Met"
    assert_accessible(driver)

    driver.get(service.url + "/worklist")
    item = next(li for li in driver.find_elements(By.CSS_SELECTOR, ".worklist-item") if "Wilhelmina Voicemail" in li.text)
    assert "R9 " not in item.text, "the arrest duty is no longer owed"
    assert "R4 " in item.text, "written confirmation is still owed"

    # The needs assessment page is accessible too, and saving it decides rights.
    driver.get(service.url + f"/victims/{crime['victims'][0]['id']}/assessment")
    assert_accessible(driver)
    driver.find_element(By.CSS_SELECTOR, "label[for=vulnerability]").click()
    submit(driver)
    assert "Enhanced rights" in driver.find_element(By.CSS_SELECTOR, ".notice").text


def test_supervisor_desk_and_settings_pages_are_accessible(service, driver):
    for user, pages in (("demo.supervisor", ["/worklist/team"]), ("demo.lead", ["/worklist/unit"]), ("demo.desk", ["/desk", "/desk?q=smith"]),
                        ("auditor", ["/admin/victims-code"])):
        driver.delete_all_cookies()
        sign_in(driver, service, user)
        for page in pages:
            driver.get(service.url + page)
            assert driver.find_element(By.TAG_NAME, "h1").text
            assert_accessible(driver)
