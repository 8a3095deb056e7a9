"""An officer's day in a real browser: sign in, record a crime with a victim, find it, open it; an administrator
sees the audit entry; a record outside the officer's unit is refused until a reason is given. Every page visited
is scanned with axe-core at WCAG 2.2 AA."""
import random

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from a11y import assert_accessible
from browser import follow, set_value, sign_in, submit


def test_officer_records_finds_and_opens_a_crime_and_admin_sees_the_audit(service, driver):
    reference = f"SN/{random.randint(1000000, 9999999)}/26"
    driver.get(service.url + "/sign-in")
    assert_accessible(driver)
    sign_in(driver, service, "pc.browser")
    # An officer's day starts with the victims they owe something to (issue 13).
    assert driver.find_element(By.TAG_NAME, "h1").text == "My victims"
    assert_accessible(driver)
    follow(driver, By.LINK_TEXT, "My cases")
    assert driver.find_element(By.TAG_NAME, "h1").text == "My cases"
    assert_accessible(driver)

    follow(driver, By.LINK_TEXT, "Record a crime")
    assert_accessible(driver)
    # A first attempt with the reference missing comes back with an error summary linked to the field.
    submit(driver)
    summary = driver.find_element(By.CSS_SELECTOR, ".error-summary")
    assert "Enter the crime reference" in summary.text
    summary.find_element(By.LINK_TEXT, "Enter the crime reference").click()
    assert driver.switch_to.active_element.get_attribute("id") == "reference"
    assert_accessible(driver)

    driver.find_element(By.ID, "reference").send_keys(reference)
    Select(driver.find_element(By.ID, "offenceCode")).select_by_value("008/01")
    set_value(driver, "occurredFrom", "2026-11-20T21:30")
    driver.find_element(By.ID, "reportedAt").clear()
    set_value(driver, "reportedAt", "2026-11-21T08:15")
    driver.find_element(By.CSS_SELECTOR, "label[for=channel-999]").click()
    driver.find_element(By.CSS_SELECTOR, "label[for=flags]").click()  # the first flag: domestic abuse
    Select(driver.find_element(By.ID, "commandUnit")).select_by_value("SN")
    driver.find_element(By.ID, "victimGivenName").send_keys("Marigold")
    driver.find_element(By.ID, "victimFamilyName").send_keys("Quince")
    set_value(driver, "victimDateOfBirth", "1990-05-04")
    driver.find_element(By.ID, "victimPhone").send_keys("07700 900777")
    driver.find_element(By.CSS_SELECTOR, "label[for=victimPhoneSafe-no]").click()
    Select(driver.find_element(By.ID, "victimPreferredContact")).select_by_value("phone")
    submit(driver)

    assert f"Crime {reference} recorded." in driver.find_element(By.CSS_SELECTOR, ".notice").text
    assert driver.find_element(By.TAG_NAME, "h1").text == "Assault with injury"
    assert "Marigold Quince" in driver.page_source
    assert "Domestic abuse" in driver.page_source
    crime_url = driver.current_url
    assert_accessible(driver)

    # Find it again by reference, and by the victim's name.
    follow(driver, By.LINK_TEXT, "Crimes")
    driver.find_element(By.ID, "reference").send_keys(reference)
    submit(driver, "form.search-form button[type=submit]")
    assert_accessible(driver)
    follow(driver, By.LINK_TEXT, reference)
    assert driver.current_url == crime_url
    driver.get(service.url + "/crimes?name=Marigold+Quince")
    assert reference in driver.page_source

    driver.get(crime_url)
    # The crime page links her Victims' Code page and her person record; open the person record.
    follow(driver, By.XPATH, "//a[starts-with(@href, '/people/') and text()='Marigold Quince']")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Marigold Quince"
    assert "Not safe" in driver.page_source
    assert_accessible(driver)
    person_url = driver.current_url

    submit(driver, "form[action='/sign-out'] button")
    WebDriverWait(driver, 10).until(lambda d: "/sign-in" in d.current_url)
    sign_in(driver, service, "auditor")
    crime_id = crime_url.rsplit("/", 1)[1]
    driver.get(service.url + f"/admin/audit?recordID={crime_id}")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.audit tbody tr")
    actions = {(row.find_elements(By.TAG_NAME, "td")[1].text.split("\n")[0], row.find_elements(By.TAG_NAME, "td")[2].text) for row in rows}
    # Actions in words, not codes (issue 13).
    assert ("PC Browser", "Created") in actions
    assert ("PC Browser", "Viewed") in actions
    assert_accessible(driver)
    person_id = person_url.rsplit("/", 1)[1]
    driver.get(service.url + f"/admin/audit?recordID={person_id}&action=view")
    assert "PC Browser" in driver.find_element(By.CSS_SELECTOR, "table.audit").text
    for page in ("/admin/users", "/admin/tokens", "/admin/users/new", "/admin/outbox"):
        driver.get(service.url + page)
        assert_accessible(driver)


def test_record_outside_the_unit_is_refused_without_a_reason(service, driver, admin_token):
    crimes = requests.get(service.url + "/api/v1/crimes?command_unit=CE", headers={"Authorization": f"Bearer {admin_token}"}).json()["items"]
    other = crimes[0]
    sign_in(driver, service, "pc.browser")
    driver.get(service.url + "/crimes/" + other["id"])
    assert driver.find_element(By.TAG_NAME, "h1").text == "Why do you need this record?"
    assert other["reference"] not in driver.find_element(By.TAG_NAME, "h1").text
    assert "Central East" in driver.page_source
    assert_accessible(driver)
    submit(driver)
    assert "Give a reason of at least 10 characters" in driver.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert_accessible(driver)
    driver.get(service.url + "/crimes/" + other["id"])
    assert driver.find_element(By.TAG_NAME, "h1").text == "Why do you need this record?", "still refused without a reason"
    driver.find_element(By.ID, "reason").send_keys("Suspect in my case SN/0000001/26 named this victim")
    submit(driver)
    assert other["reference"] in driver.find_element(By.CSS_SELECTOR, ".caption").text
    assert_accessible(driver)


def test_pages_fit_a_phone_and_work_by_keyboard(service, driver):
    driver.set_window_size(375, 812)
    sign_in(driver, service, "pc.browser")
    for path in ("/", "/crimes?commandUnit=SN&name=smith", "/crimes/new", "/people?name=smith"):
        driver.get(service.url + path)
        overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        assert_accessible(driver)
    # The first Tab reaches the skip link, which moves focus to the main content.
    driver.get(service.url + "/")
    from selenium.webdriver.common.keys import Keys
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    assert focused.text == "Skip to main content"
    focused.send_keys(Keys.ENTER)
    assert driver.switch_to.active_element.get_attribute("id") == "main"


def test_the_accessibility_check_can_fail(driver):
    """The scan above is only worth something if it reports a real violation."""
    driver.get("data:text/html,<html lang=en><title>t</title><main><input type=text><img src=x.png></main></html>")
    try:
        assert_accessible(driver)
    except AssertionError as error:
        assert "label" in str(error) or "image-alt" in str(error)
    else:
        raise AssertionError("axe found nothing wrong with an unlabelled input and an image without alt text")
