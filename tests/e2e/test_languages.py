"""Issue 13: a victim's pages are wholly in their language, in words written for them, for every language the
service has a catalogue for: the self-referral page (chosen by ?lang=) and the case page (the victim's language),
each with html lang and dir set, no translation's draft label, no officer's wording, an error summary that takes
the focus, and no axe-core violations at phone width."""
import datetime
import json
import pathlib
import random

import pytest
import requests
from selenium.webdriver.common.by import By

from a11y import assert_accessible
from browser import sign_in, submit
from test_feedback import decode_qr_on_page, iso

CATALOGUES = pathlib.Path(__file__).resolve().parents[2] / "Resources" / "Translations"
LANGUAGES = sorted(p.stem for p in CATALOGUES.glob("*.json"))
RIGHT_TO_LEFT = {"ar", "ur"}
# Staff wording that must never reach a victim's page.
STAFF_WORDS = ["Tell the victim", "Give written confirmation", "Complete the Victim Needs Assessment", "draft"]


def words(code):
    return json.loads((CATALOGUES / f"{code}.json").read_text(encoding="utf-8"))


def check_page(driver, code):
    html = driver.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == code
    assert html.get_attribute("dir") == ("rtl" if code in RIGHT_TO_LEFT else "ltr")
    text = driver.find_element(By.TAG_NAME, "body").text
    for staff in STAFF_WORDS:
        assert staff not in text, f"{code}: {staff!r} on a victim's page"
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 375
    assert_accessible(driver)


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_self_referral_page_in_every_language(service, driver, code):
    w = words(code)
    driver.set_window_size(375, 812)
    driver.get(service.url + f"/support/refer?lang={code}")
    assert driver.find_element(By.TAG_NAME, "h1").text == w["refer.title"]
    assert driver.find_element(By.ID, "exit-this-page").text.startswith(w["common.exit"])
    check_page(driver, code)
    # Sent empty: the errors come back in the same language, and the summary has the focus.
    submit(driver, "main form button[type=submit]")
    summary = driver.find_element(By.CSS_SELECTOR, ".error-summary")
    assert w["refer.error.given_name"] in summary.text
    assert driver.switch_to.active_element == summary
    check_page(driver, code)


@pytest.fixture(scope="module")
def victims_by_language(service, admin_token):
    """One crime per language, its victim speaking that language, and the case page link an officer shows."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    now = datetime.datetime.now(datetime.timezone.utc)
    made = {}
    for code in LANGUAGES:
        reference = f"SN/{random.randint(1000000, 9999999)}/26"
        body = {"reference": reference, "offence_code": "049/00", "command_unit": "SN", "channel": "telephone",
                "officer_in_case": "pc.browser", "occurred_at": iso(now - datetime.timedelta(days=3)),
                "reported_at": iso(now - datetime.timedelta(days=2)),
                "victims": [{"person": {"given_name": "Nadia", "family_name": f"Lang{code}", "date_of_birth": "1990-02-03",
                                        "phone": "07700 900321", "phone_safe": True, "preferred_contact": "phone",
                                        "language": code}}]}
        created = requests.post(service.url + "/api/v1/crimes", json=body, headers=headers)
        assert created.status_code == 201, created.text
        made[code] = (reference, created.json()["victims"][0]["id"])
    return made


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_case_page_in_every_language(service, driver, victims_by_language, code):
    w = words(code)
    reference, victim_id = victims_by_language[code]
    sign_in(driver, service, "pc.browser")
    driver.get(service.url + f"/victims/{victim_id}")
    submit(driver, f"form[action='/victims/{victim_id}/qr/track'] button")
    case = decode_qr_on_page(driver)
    driver.delete_all_cookies()
    driver.set_window_size(375, 812)
    driver.get(service.url + case)
    assert driver.find_element(By.TAG_NAME, "h1").text == w["case.title"]
    assert reference not in driver.page_source
    check_page(driver, code)
    # A wrong date of birth: told so in their language, with the focus on the summary.
    driver.find_element(By.ID, "dobDay").send_keys("1")
    driver.find_element(By.ID, "dobMonth").send_keys("1")
    driver.find_element(By.ID, "dobYear").send_keys("1999")
    submit(driver, "form[action$='/verify'] button[type=submit]")
    summary = driver.find_element(By.CSS_SELECTOR, ".error-summary")
    assert w["case.error.dob_wrong"] in summary.text
    assert driver.switch_to.active_element == summary
    check_page(driver, code)
    for field, value in (("dobDay", "3"), ("dobMonth", "2"), ("dobYear", "1990")):
        box = driver.find_element(By.ID, field)
        box.clear()
        box.send_keys(value)
    submit(driver, "form[action$='/verify'] button[type=submit]")
    assert driver.find_element(By.TAG_NAME, "h1").text == w["case.title_reference"].replace("{reference}", reference)
    page = driver.find_element(By.TAG_NAME, "body").text
    assert w["case.summary.status"] in page and w["duty.R4"] in page and w["case.rights.heading"] in page
    check_page(driver, code)
