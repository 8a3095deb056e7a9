"""Issue 18 in a real browser over real HTTP: an officer recording a person sees the other records of the same
person, but only those their unit may read; an analyst reviews a pair in the grey band side by side, decides, and
undoes the merge. Every page passes axe at WCAG 2.2 AA."""
import pathlib
import re
import tempfile
import time

import pytest
import requests
from selenium.webdriver.common.by import By

from a11y import assert_accessible
from browser import follow, load_after, set_value, sign_in, submit
from conftest import PASSWORD, make_service


@pytest.fixture(scope="module")
def linkage_service():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="victimcare-linkage-"))
    svc = make_service(tmp)
    svc.cli("migrate")
    svc.cli("create-user", "--username", "pc.sn", "--name", "PC North", "--role", "officer", "--unit", "SN", "--password", PASSWORD)
    svc.cli("create-user", "--username", "pc.ce", "--name", "PC Central", "--role", "officer", "--unit", "CE", "--password", PASSWORD)
    svc.cli("create-user", "--username", "analyst", "--name", "Ana Lyst", "--role", "force_analyst", "--password", PASSWORD)
    svc.start()
    yield svc
    svc.stop()


def token(service, unit):
    issued = service.cli("create-token", "--name", f"records-{unit}", "--role", "officer", "--unit", unit, "--quiet")
    return {"Authorization": f"Bearer {issued.stdout.strip()}"}


def create_person(service, headers, **fields):
    response = requests.post(service.url + "/api/v1/people", json=fields, headers=headers, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_officers_see_other_records_within_their_access_and_analysts_review_and_undo(linkage_service, driver):
    url = linkage_service.url
    ce = token(linkage_service, "CE")
    sn = token(linkage_service, "SN")
    # Central recorded her first, with her number.
    create_person(linkage_service, ce, given_name="Fatma", family_name="Begum", date_of_birth="1984-03-12",
                  phone="07700 900461", phone_safe=True)
    # Two men of one name in North, the second with day and month the other way round and another number: the
    # grey band.
    khan = create_person(linkage_service, sn, given_name="Mohammed", family_name="Khan", date_of_birth="1980-03-04",
                         phone="07700 900111", phone_safe=True)
    create_person(linkage_service, sn, given_name="Mohammed", family_name="Khan", date_of_birth="1980-04-03",
                  phone="07700 900222", phone_safe=True)

    # North records Fatima in the browser, with a long note in her own script.
    sign_in(driver, linkage_service, "pc.sn")
    driver.get(url + "/people/new")
    driver.find_element(By.ID, "givenName").send_keys("Fatima")
    driver.find_element(By.ID, "familyName").send_keys("Begum")
    set_value(driver, "dateOfBirth", "1984-03-12")
    note = "تتحدث العربية والبنغالية؛ تفضل الاتصال بعد الساعة السادسة مساءً. " * 20
    driver.find_element(By.ID, "communicationNeeds").send_keys(note)
    submit(driver)
    assert re.search(r"/people/[0-9a-fA-F-]{36}$", driver.current_url), driver.current_url
    body = driver.find_element(By.TAG_NAME, "main").text
    assert "Other records of this person" in body
    assert "1 linked record is held by another command unit" in body
    assert "Fatma" not in body, "another unit's record is not named through a link"
    assert_accessible(driver)

    # North's own possible match is named, with how likely it is.
    driver.get(url + f"/people/{khan}")
    body = driver.find_element(By.TAG_NAME, "main").text
    assert "Possibly the same person" in body and "likely" in body
    assert_accessible(driver)
    driver.get(url + "/linkage")
    assert "not allowed" in driver.page_source.lower() or "forbidden" in driver.page_source.lower()

    # The analyst reviews the pair.
    driver.delete_all_cookies()
    sign_in(driver, linkage_service, "analyst")
    driver.get(url + "/linkage")
    assert_accessible(driver)
    follow(driver, By.PARTIAL_LINK_TEXT, "Review")
    main = driver.find_element(By.TAG_NAME, "main").text
    assert "day and month swapped" in main and "07700900222" in main.replace(" ", "")
    assert_accessible(driver)
    submit(driver)  # no answer
    assert "Say whether these are the same person" in driver.find_element(By.TAG_NAME, "main").text
    summary = driver.find_element(By.CSS_SELECTOR, "[role=alert], .error-summary")
    assert summary.is_displayed()
    assert_accessible(driver)
    driver.find_element(By.ID, "decision").click()  # "Same person", the first choice
    submit(driver)
    assert "Their records are now linked" in driver.find_element(By.TAG_NAME, "main").text

    driver.get(url + "/linkage/changes")
    row = driver.find_element(By.XPATH, "//tr[td[contains(., 'Merged')]]")
    assert "Mohammed Khan" in row.text
    assert_accessible(driver)
    load_after(driver, row.find_element(By.TAG_NAME, "button"))
    assert "undone" in driver.find_element(By.TAG_NAME, "main").text
    assert "Undone" in driver.find_element(By.XPATH, "//tr[td[contains(., 'Merged')]]").text

    # Back with the officer: the two Khans are apart again, the pair decided.
    driver.delete_all_cookies()
    sign_in(driver, linkage_service, "pc.sn")
    driver.get(url + f"/people/{khan}")
    body = driver.find_element(By.TAG_NAME, "main").text
    assert "Linked as the same person" not in body


def test_victims_recorded_with_crimes_are_matched_by_the_worker_and_counted_as_repeat_victims(linkage_service, driver):
    """No form asks for the matching: the worker on the node finds the new person within seconds, and the second
    crime against one woman, recorded under another spelling of her name, makes her a repeat victim."""
    sn = token(linkage_service, "SN")
    ids = []
    for n, (given, reported) in enumerate([("Zainab", "2026-10-02T11:00:00Z"), ("Zaynab", "2026-11-20T18:30:00Z")]):
        body = {"reference": f"SN/777000{n}/26", "offence_code": "049/00", "command_unit": "SN", "channel": "online",
                "occurred_at": reported.replace("T1", "T0"), "reported_at": reported,
                "victims": [{"person": {"given_name": given, "family_name": "Hussain", "date_of_birth": "1972-11-30",
                                        "phone": "07700 900777"}}]}
        created = requests.post(linkage_service.url + "/api/v1/crimes", json=body, headers=sn, timeout=30)
        assert created.status_code == 201, created.text
        ids.append(created.json()["victims"][0]["person_id"])
    deadline = time.time() + 30
    status = ""
    while time.time() < deadline:
        status = linkage_service.cli("linkage", "status").stdout
        if "waiting 0" in status:
            break
        time.sleep(0.5)
    assert "waiting 0" in status, status
    sign_in(driver, linkage_service, "pc.sn")
    driver.get(linkage_service.url + f"/people/{ids[1]}")
    body = driver.find_element(By.TAG_NAME, "main").text
    assert "Zainab Hussain" in body and "Linked as the same person" in body
    assert "a victim in 2 crimes reported in the last 12 months" in body
    assert_accessible(driver)
