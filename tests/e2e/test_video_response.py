"""Issue 16, item 1, end to end: an officer triages a report and offers the victim a video call in Chromium; the
rules refuse it while the offender may be present and say why on the page; the victim, who reads Polish, gets
their case link by email at a real SMTP server (aiosmtpd), signs in on a phone-sized Chromium and asks for a visit
instead; the officer sees the request. axe checks every page at WCAG 2.2 AA."""
import datetime
import email
import email.policy
import random
import re
import time

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from a11y import assert_accessible
from browser import follow, sign_in, submit
from conftest import PASSWORD, chromium, iso, mailing_service


def check(driver, element_id):
    driver.find_element(By.ID, element_id).click()


def test_triage_offer_and_a_visit_asked_for_on_a_phone():
    svc, inbox, controller = mailing_service("victimcare-video-")
    officer = victim = None
    try:
        svc.cli("migrate")
        svc.cli("create-user", "--username", "pc.video", "--name", "PC Video", "--role", "officer", "--unit", "SN",
                "--rank", "PC", "--password", PASSWORD)
        token = svc.cli("create-token", "--name", "video", "--role", "administrator", "--quiet").stdout.strip()
        svc.start()
        now = datetime.datetime.now(datetime.timezone.utc)
        reference = f"SN/{random.randint(1000000, 9999999)}/26"
        body = {"reference": reference, "offence_code": "049/00", "offence": "Theft from the person", "command_unit": "SN",
                "channel": "online", "occurred_at": iso(now - datetime.timedelta(hours=5)),
                "reported_at": iso(now - datetime.timedelta(hours=1)), "officer_in_case": "pc.video",
                "victims": [{"person": {"given_name": "Zofia", "family_name": "Wójcik", "email": "zofia@example.com",
                                        "email_safe": True, "preferred_contact": "email", "language": "pl",
                                        "date_of_birth": "1990-03-07"}}]}
        created = requests.post(svc.url + "/api/v1/crimes", json=body, headers={"Authorization": f"Bearer {token}"})
        assert created.status_code == 201, created.text
        crime_id = created.json()["id"]
        victim_id = created.json()["victims"][0]["id"]

        officer = chromium()
        sign_in(officer, svc, "pc.video")
        officer.get(f"{svc.url}/crimes/{crime_id}")
        assert "Not triaged yet." in officer.page_source
        follow(officer, By.LINK_TEXT, "Triage and video offer")
        assert_accessible(officer)
        # Sent empty: every question is named in the summary and beside its field.
        submit(officer)
        summary = officer.find_element(By.CSS_SELECTOR, ".error-summary").text
        for text in ("Choose the threat", "Choose the risk", "Choose the harm", "Say whether an officer must attend now",
                     "Say why attendance is or is not needed"):
            assert text in summary, summary
        assert_accessible(officer)
        Select(officer.find_element(By.ID, "threat")).select_by_value("none")
        Select(officer.find_element(By.ID, "risk")).select_by_value("low")
        Select(officer.find_element(By.ID, "harm")).select_by_value("low")
        check(officer, "attendanceNeeded-no")
        reason = ("Telefon skradziony w autobusie linii 38; sprawca odjechał, ofiara bezpieczna w pracy. "
                  "Caller is calm, no injuries, no suspect known to her. ") * 6
        officer.find_element(By.ID, "reason").send_keys(reason)
        submit(officer)
        assert "a video call may be offered" in officer.page_source
        assert "Telefon skradziony w autobusie linii 38" in officer.page_source
        follow(officer, By.LINK_TEXT, "Zofia Wójcik")
        assert "The triage allows a video call" in officer.page_source
        assert_accessible(officer)
        # The offender may be with her: video refused, said beside the answer, and a visit offered.
        check(officer, "hasVideoDevice")
        check(officer, "hasConnection")
        check(officer, "offenderPresent")
        officer.find_element(By.ID, "accessNeeds").send_keys("Polish interpreter; prefers evenings after 6pm")
        check(officer, "choice")
        submit(officer, "main form button.button")
        summary = officer.find_element(By.CSS_SELECTOR, ".error-summary").text
        assert "The offender is or could be with them" in summary and "offer a visit" in summary, summary
        assert officer.find_element(By.ID, "accessNeeds").get_attribute("value") == \
            "Polish interpreter; prefers evenings after 6pm", "what was typed is kept"
        assert_accessible(officer)
        check(officer, "offenderPresent-no")
        check(officer, "choice")
        submit(officer, "main form button.button")
        assert f"/victims/{victim_id}" in officer.current_url
        assert "Recorded: they chose a video call." in officer.page_source
        assert "A video call, recorded by PC Video" in officer.page_source

        # Her case page link came by email, in Polish.
        deadline = time.time() + 30
        track = None
        while time.time() < deadline and track is None:
            for content in inbox.contents():
                msg = email.message_from_bytes(content, policy=email.policy.default)
                found = re.search(r"/track/[A-Za-z0-9_-]{43}", msg.get_body(preferencelist=("plain",)).get_content())
                if found:
                    track = found.group(0)
            time.sleep(0.2)
        assert track, svc.log_text()[-2000:]

        victim = chromium(window="390,844")
        # A phone's viewport, not a desktop window clamped to its minimum width.
        victim.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
        victim.get(svc.url + track)
        victim.find_element(By.ID, "dobDay").send_keys("7")
        victim.find_element(By.ID, "dobMonth").send_keys("3")
        victim.find_element(By.ID, "dobYear").send_keys("1990")
        submit(victim, "main form[action$='/verify'] button")
        assert "Poproś o wizytę" in victim.page_source
        assert_accessible(victim)
        heading = victim.find_element(By.ID, "visit-heading")
        assert heading.text == "Poproś o wizytę funkcjonariusza"
        wide = victim.execute_script(
            "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
            "document.documentElement.clientWidth + 1).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + "
            "Math.round(e.getBoundingClientRect().right)).slice(0, 12)")
        assert victim.execute_script("return document.documentElement.clientWidth") == 390
        assert victim.execute_script("return document.documentElement.scrollWidth") <= 390, f"sideways scrolling: {wide}"
        note = "Wolę spotkać się osobiście — mieszkam sama, proszę dzwonić po 18:00. " * 3
        victim.find_element(By.ID, "visitNote").send_keys(note)
        submit(victim, "main form[action$='/visit'] button")
        assert "Przekazaliśmy funkcjonariuszowi" in victim.find_element(By.CSS_SELECTOR, ".notice").text
        assert not victim.find_elements(By.ID, "visit-heading"), "asked once: the form is gone"
        assert_accessible(victim)

        officer.get(f"{svc.url}/victims/{victim_id}")
        assert "Asked for a visit instead of a video call" in officer.page_source
        assert "An officer visits, asked for on their case page" in officer.page_source
        assert "mieszkam sama" in officer.page_source
        log = svc.log_text()
        assert "zofia@example.com" not in log and "Wójcik" not in log and "mieszkam sama" not in log
    finally:
        for browser in (officer, victim):
            if browser:
                browser.quit()
        svc.stop()
        controller.stop()
