"""QR codes an officer shows, read by a real decoder (zbarimg), and the pages they open in a phone-sized
Chromium: the victim's own leaflet, the feedback form in Arabic (right to left), and the case page behind its
date-of-birth step. Every page is scanned with axe-core."""
import base64
import datetime
import random
import subprocess
import tempfile
import json
import pathlib
import urllib.parse

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from a11y import assert_accessible
from browser import follow, sign_in, submit


def words(code):
    path = pathlib.Path(__file__).resolve().parents[2] / "Resources" / "Translations" / f"{code}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).isoformat(timespec="seconds")


def decode_qr_on_page(driver):
    """The PNG the page offers for download, decoded by zbarimg; returns the path it points to."""
    href = driver.find_element(By.CSS_SELECTOR, "a[download]").get_attribute("href")
    assert href.startswith("data:image/png;base64,")
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(base64.b64decode(href.split(",", 1)[1]))
        f.flush()
        out = subprocess.run(["zbarimg", "--raw", "-q", f.name], capture_output=True, text=True, check=True)
    return urllib.parse.urlparse(out.stdout.strip()).path


def test_qr_codes_open_the_leaflet_feedback_and_case_pages_on_a_phone(service, driver, admin_token):
    headers = {"Authorization": f"Bearer {admin_token}"}
    now = datetime.datetime.now(datetime.timezone.utc)
    reference = f"SN/{random.randint(1000000, 9999999)}/26"
    body = {"reference": reference, "offence_code": "049/00", "command_unit": "SN", "channel": "telephone", "officer_in_case": "pc.browser",
            "occurred_at": iso(now - datetime.timedelta(days=2)), "reported_at": iso(now - datetime.timedelta(days=1)),
            "victims": [{"person": {"given_name": "Layla", "family_name": "Haddad", "date_of_birth": "1991-07-09", "phone": "07700 900654",
                                    "phone_safe": True, "preferred_contact": "phone", "language": "ar"}}]}
    created = requests.post(service.url + "/api/v1/crimes", json=body, headers=headers)
    assert created.status_code == 201, created.text
    victim_id = created.json()["victims"][0]["id"]

    sign_in(driver, service, "pc.browser")
    driver.get(service.url + f"/victims/{victim_id}")
    # A call where the officer spoke to her: it invites her to rate it.
    driver.find_element(By.CSS_SELECTOR, "label[for=outcome]").click()
    # The number called: a call with no number is not a contact (issue 13).
    Select(driver.find_element(By.ID, "contactPointID")).select_by_index(1)
    for box in ("identityVerified", "welfareChecked", "safeToSpeak"):
        driver.find_element(By.CSS_SELECTOR, f"label[for={box}]").click()
    submit(driver, "form[action$='/contacts'] button[type=submit]")
    assert "Successful contact recorded." in driver.find_element(By.CSS_SELECTOR, ".notice").text
    assert_accessible(driver)

    # The leaflet QR code opens her own leaflet, in Arabic, with her crime reference.
    submit(driver, f"form[action='/victims/{victim_id}/qr/leaflet'] button")
    assert driver.find_element(By.TAG_NAME, "h1").text == "The victim's own leaflet"
    assert_accessible(driver)
    leaflet = decode_qr_on_page(driver)
    assert leaflet.startswith("/l/")

    driver.get(service.url + f"/victims/{victim_id}")
    submit(driver, "form[action$='/qr'] button")
    feedback = decode_qr_on_page(driver)
    assert feedback.startswith("/f/")
    driver.get(service.url + f"/victims/{victim_id}")
    submit(driver, f"form[action='/victims/{victim_id}/qr/track'] button")
    case = decode_qr_on_page(driver)
    assert case.startswith("/track/")

    # Now the victim, on her phone, with no account.
    driver.delete_all_cookies()
    driver.set_window_size(375, 812)
    driver.get(service.url + leaflet)
    html = driver.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
    assert reference in driver.find_element(By.CSS_SELECTOR, ".personal").text
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 375
    assert_accessible(driver)

    driver.get(service.url + feedback)
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert driver.find_element(By.TAG_NAME, "h1").text == "أخبرنا كيف كان أداؤنا"
    assert_accessible(driver)
    submit(driver, "main form button[type=submit]")
    summary = driver.find_element(By.CSS_SELECTOR, ".error-summary")
    assert "اختر مدى رضاك" in summary.text
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 375
    assert_accessible(driver)
    driver.find_element(By.CSS_SELECTOR, "label[for=satisfaction]").click()  # the first choice: very satisfied
    for name in ("fair", "informed", "understood"):
        driver.find_element(By.CSS_SELECTOR, f"label[for={name}]").click()  # yes
    driver.find_element(By.ID, "comment").send_keys("شكرًا")
    submit(driver, "main form button[type=submit]")
    assert driver.find_element(By.TAG_NAME, "h1").text == "شكرًا لك"
    assert_accessible(driver)

    # The case page: nothing of the case until her date of birth.
    driver.get(service.url + case)
    assert reference not in driver.page_source
    assert_accessible(driver)
    driver.find_element(By.ID, "dobDay").send_keys("9")
    driver.find_element(By.ID, "dobMonth").send_keys("7")
    driver.find_element(By.ID, "dobYear").send_keys("1991")
    submit(driver, "form[action$='/verify'] button[type=submit]")
    assert reference in driver.find_element(By.TAG_NAME, "h1").text
    assert "PC Browser" in driver.page_source or "Browser" in driver.page_source
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 375
    assert_accessible(driver)
    driver.find_element(By.ID, "callBackTimes").send_keys("Weekdays after 6pm")
    submit(driver, "form[action$='/call-back'] button[type=submit]")
    # Her own language throughout: the case page, its notices and its headings.
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ar"
    assert words("ar")["case.done.call_back"] in driver.find_element(By.CSS_SELECTOR, ".notice").text
    assert_accessible(driver)
