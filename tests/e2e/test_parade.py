"""A remote video identification end to end (issue 15, PACE Code D Annex A): an independent inspector builds the
foil library and a set in Chromium, the suspect's solicitor reviews it by their link, the witness's link arrives
by email at a real SMTP server (aiosmtpd), and the witness, in a phone-sized Chromium with a fake camera, watches
the whole set twice before the answer form opens, while their viewing is recorded into the evidence store.
axe checks every page at WCAG 2.2 AA."""
import datetime
import email
import email.policy
import io
import pathlib
import random
import re
import subprocess
import tempfile
import time

import pytest
import requests
from tusclient import client as tus

from conftest import PASSWORD, chromium, iso, mailing_service


def csrf(html):
    return re.search(r'name="_csrf" value="([^"]+)"', html).group(1)


def clip(path, seconds=2, colour="testsrc"):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"{colour}=size=160x120:rate=10:duration={seconds}",
                    "-c:v", "libvpx", "-deadline", "realtime", str(path)], check=True)
    return path


@pytest.fixture(scope="module")
def force():
    svc, inbox, controller = mailing_service("victimcare-parade-")
    tmp = svc.workdir
    svc.cli("migrate")
    svc.cli("create-user", "--username", "dc.oic", "--name", "DC Oak", "--role", "officer", "--unit", "SN", "--rank", "DC",
            "--password", PASSWORD)
    svc.cli("create-user", "--username", "insp.ward", "--name", "Inspector Ward", "--role", "officer", "--unit", "SN",
            "--rank", "Inspector", "--password", PASSWORD)
    svc.token = svc.cli("create-token", "--name", "kit", "--role", "officer", "--unit", "SN", "--quiet").stdout.strip()
    svc.start()
    svc.inbox = inbox
    svc.tmp = tmp
    yield svc
    svc.stop()
    controller.stop()


def signed_in(node, username):
    session = requests.Session()
    page = session.get(node.url + "/sign-in")
    response = session.post(node.url + "/sign-in", data={"_csrf": csrf(page.text), "username": username, "password": PASSWORD, "next": "/"},
                            allow_redirects=False)
    assert response.status_code == 303, response.text
    return session


def camera():
    return chromium("390,844", camera=True)


def test_a_remote_video_identification_from_library_to_answer(force, driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
    from a11y import assert_accessible
    from browser import sign_in, submit

    headers = {"Authorization": f"Bearer {force.token}"}
    now = datetime.datetime.now(datetime.timezone.utc)
    body = {"reference": f"SN/{random.randint(1000000, 9999999)}/26", "offence_code": "008/01", "command_unit": "SN",
            "channel": "telephone", "officer_in_case": "dc.oic",
            "occurred_at": iso(now - datetime.timedelta(days=2)), "reported_at": iso(now - datetime.timedelta(days=1)),
            "victims": [{"person": {"given_name": "Agnieszka", "family_name": "Wójcik-Kowalczyk", "email": "agnieszka@example.pl",
                                    "email_safe": True, "preferred_contact": "email", "language": "pl"}}]}
    crime = requests.post(force.url + "/api/v1/crimes", json=body, headers=headers)
    assert crime.status_code == 201, crime.text
    crime_id = crime.json()["id"]
    suspect = requests.post(force.url + f"/api/v1/crimes/{crime_id}/people", headers=headers,
                            json={"role": "suspect", "person": {"given_name": "Marek", "family_name": "Nowak"}})
    assert suspect.status_code in (200, 201), suspect.text
    interview = requests.post(force.url + f"/api/v1/crimes/{crime_id}/interviews", headers=headers, json={
        "person_link_id": suspect.json()["id"], "kind": "suspect_under_caution", "place": "station_room",
        "interviewers": "DC Oak", "consent": True})
    assert interview.status_code == 201, interview.text
    work = pathlib.Path(tempfile.mkdtemp(prefix="parade-clips-"))
    suspect_clip = clip(work / "suspect.webm", colour="smptebars")
    tus.TusClient(force.url + "/uploads", headers=headers).uploader(
        file_stream=io.BytesIO(suspect_clip.read_bytes()), chunk_size=1 << 20,
        metadata={"interview": interview.json()["id"], "filename": "suspect.webm", "filetype": "video/webm"}).upload()

    # The inspector builds the library: one clip through the page (checked by axe), the rest by the same form.
    sign_in(driver, force, "insp.ward")
    driver.get(force.url + "/parades/foils")
    assert_accessible(driver)
    foil = clip(work / "foil.webm")
    driver.find_element(By.ID, "clip").send_keys(str(foil))
    Select(driver.find_element(By.ID, "ageBand")).select_by_value("26-35")
    Select(driver.find_element(By.ID, "sex")).select_by_value("male")
    Select(driver.find_element(By.ID, "ethnicity")).select_by_value("white-north-european")
    driver.find_element(By.ID, "build").send_keys("Slim")
    driver.find_element(By.ID, "hair").send_keys("Short, brown")
    driver.find_element(By.ID, "marks").send_keys("Small scar under the right eye — «blizna»")
    submit(driver)
    assert "Clip added to the foil library." in driver.page_source
    assert_accessible(driver)
    inspector = signed_in(force, "insp.ward")
    for n in range(8):
        page = inspector.get(force.url + "/parades/foils")
        added = inspector.post(force.url + "/parades/foils", data={
            "_csrf": csrf(page.text), "ageBand": "26-35" if n % 2 else "36-45", "sex": "male",
            "ethnicity": "white-north-european", "build": "medium", "hair": "short"},
            files={"clip": ("foil.webm", foil.read_bytes(), "video/webm")}, allow_redirects=False)
        assert added.status_code == 303, added.text[-2000:]

    # The suspect's clip must have been read (its length) before a set is made of it.
    deadline = time.time() + 60
    while time.time() < deadline and "0:02" not in inspector.get(force.url + f"/interviews/{interview.json()['id']}").text:
        time.sleep(1)
    driver.get(force.url + f"/crimes/{crime_id}/parades/new")
    assert_accessible(driver)
    Select(driver.find_element(By.ID, "suspectItem")).select_by_index(1)
    Select(driver.find_element(By.ID, "ageBand")).select_by_value("26-35")
    Select(driver.find_element(By.ID, "sex")).select_by_value("male")
    Select(driver.find_element(By.ID, "ethnicity")).select_by_value("white-north-european")
    driver.find_element(By.ID, "build").send_keys("Slim")
    driver.find_element(By.ID, "hair").send_keys("Short, brown")
    submit(driver)
    assert "/parades/" in driver.current_url and "Set made." in driver.page_source, driver.page_source[-3000:]
    parade_url = driver.current_url
    assert len(driver.find_elements(By.CSS_SELECTOR, "ol.parade video")) == 9
    assert_accessible(driver)

    # The suspect's solicitor: a link shown once, a review page with every clip, one answer.
    submit(driver, "form[action$='/solicitor-link'] button")
    link = driver.find_element(By.ID, "solicitor-link").get_attribute("value")
    assert_accessible(driver)
    solicitor = camera()
    try:
        solicitor.get(link)
        assert len(solicitor.find_elements(By.CSS_SELECTOR, "ol.parade video")) == 9
        assert_accessible(solicitor)
        solicitor.find_element(By.ID, "name").send_keys("Zofia Wiśniewska, Wiśniewska & Co")
        solicitor.find_element(By.ID, "objects-no").click()
        submit(solicitor)
        assert "Your answer is recorded" in solicitor.page_source
        assert_accessible(solicitor)
        solicitor.get(link)
        assert "used or has expired" in solicitor.page_source
    finally:
        solicitor.quit()

    # The witness is invited with nobody for the suspect attending: the viewing will be recorded.
    driver.get(parade_url)
    assert "Ready for witnesses" in driver.page_source
    Select(driver.find_element(By.ID, "victim")).select_by_index(1)
    submit(driver, "form[action$='/viewings'] button")
    assert "Witness invited" in driver.page_source
    deadline = time.time() + 30
    link = None
    while time.time() < deadline and not link:
        for content in force.inbox.contents():
            msg = email.message_from_bytes(content, policy=email.policy.default)
            text = msg.get_body(preferencelist=("plain",)).get_content()
            found = re.search(r"https?://[^\s]+/id/[A-Za-z0-9_-]{43}", text)
            if found:
                link = found.group(0)
        time.sleep(0.5)
    assert link, force.log_text()[-3000:]

    witness = camera()
    try:
        witness.get(link)
        assert_accessible(witness)
        submit(witness)
        assert witness.find_element(By.ID, "answer-form").get_attribute("hidden") is not None
        assert_accessible(witness)
        witness.find_element(By.ID, "start").click()
        # Nine clips of two seconds, twice: the form opens only when the server has counted both passes.
        WebDriverWait(witness, 120).until(lambda d: d.find_element(By.ID, "viewing").get_attribute("data-done") == "true")
        assert witness.find_element(By.ID, "answer-form").get_attribute("hidden") is None
        assert "2 times" in witness.find_element(By.ID, "status").text
        assert_accessible(witness)
        witness.find_element(By.ID, "answer-not_sure").click()
        witness.find_element(By.ID, "mediaSeen-no").click()
        # The answer waits for the recording to finish sending, then goes.
        witness.find_element(By.CSS_SELECTOR, "#answer-form button[type=submit]").click()
        WebDriverWait(witness, 90).until(lambda d: "Your answer is recorded" in d.page_source)
        assert_accessible(witness)
    finally:
        witness.quit()

    driver.get(parade_url)
    assert "Not sure" in driver.page_source
    assert "2 times" in driver.page_source
    recording = driver.find_element(By.LINK_TEXT, "recording").get_attribute("href")
    page = inspector.get(recording).text
    assert "video-identification.webm" in page
    assert "Video identification viewing (recorded)" in page
