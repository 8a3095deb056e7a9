"""Helpers for driving pages the way a person does. A click that submits a form or follows a link returns as soon
as Chrome has dispatched it, not when the next page has loaded; `load_after` waits until the page it started on
has gone and the new one is complete, so nothing is read from the page being left."""
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import PASSWORD


def load_after(driver, element, timeout=15):
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def left(_):
        # Chrome reports the old page's element as stale, or (mid-navigation) as "not belonging to the
        # document": either way the page it belonged to is gone.
        try:
            page.is_enabled()
            return False
        except WebDriverException:
            return True

    WebDriverWait(driver, timeout).until(left)
    WebDriverWait(driver, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")


def submit(driver, css="main form button[type=submit]"):
    load_after(driver, driver.find_element(By.CSS_SELECTOR, css))


def follow(driver, by, value):
    load_after(driver, driver.find_element(by, value))


def sign_in(driver, service, username):
    driver.get(service.url + "/")
    assert "/sign-in" in driver.current_url
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(driver)
    WebDriverWait(driver, 10).until(lambda d: "/sign-in" not in d.current_url)


def set_value(driver, element_id, value):
    """datetime-local and date inputs take typing in a locale-specific order; set the value as a form would."""
    driver.execute_script("document.getElementById(arguments[0]).value = arguments[1]", element_id, value)
