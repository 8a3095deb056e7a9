"""Issue 12 over real HTTP and in a real browser: the victims' public pages can be left at once for a neutral site
(button or Shift pressed three times); two hundred wrong passwords sent at once to a running server lock the
account, and an attack from a shared address does not lock out the officer who signs in there every day."""
import concurrent.futures
import pathlib
import re
import tempfile

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from a11y import assert_accessible
from conftest import PASSWORD, make_service

NEUTRAL = "https://www.bbc.co.uk/weather"


@pytest.mark.parametrize("path,label", [("/support/refer", "Exit this page"), ("/leaflet?lang=cy", "Gadewch y dudalen hon")])
def test_exit_this_page_by_button_at_phone_width(service, driver, path, label):
    driver.set_window_size(375, 812)
    driver.get(service.url + path)
    button = driver.find_element(By.ID, "exit-this-page")
    assert button.is_displayed() and label in button.text
    assert_accessible(driver)
    button.click()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.startswith(NEUTRAL))


def test_exit_this_page_by_pressing_shift_three_times(service, driver):
    driver.get(service.url + "/support/refer")
    # Typing in the form first: only three Shift presses in a row, within a second, leave.
    field = driver.find_element(By.ID, "givenName")
    field.send_keys("Amara")
    assert driver.current_url.startswith(service.url)
    actions = ActionChains(driver)
    for _ in range(3):
        actions.key_down(Keys.SHIFT).key_up(Keys.SHIFT)
    actions.perform()
    WebDriverWait(driver, 10).until(lambda d: d.current_url.startswith(NEUTRAL))


@pytest.fixture(scope="module")
def own_service():
    """A server of its own: this test makes its address look like an attacker's."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="victimcare-trust-"))
    svc = make_service(tmp)
    svc.cli("migrate")
    svc.cli("create-user", "--username", "pc.daily", "--name", "PC Daily", "--role", "officer", "--unit", "SN", "--password", PASSWORD)
    svc.cli("create-user", "--username", "pc.target", "--name", "PC Target", "--role", "officer", "--unit", "SN", "--password", PASSWORD)
    svc.start()
    yield svc
    svc.stop()


def form_token(session, url):
    page = session.get(url + "/sign-in")
    return re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)


def sign_in(session, url, username, password):
    token = form_token(session, url)
    return session.post(url + "/sign-in", data={"_csrf": token, "username": username, "password": password, "next": "/"},
                        allow_redirects=False)


def signed_in_before(url, username):
    """A browser the officer has signed in on (it holds their device cookie), signed out again."""
    session = requests.Session()
    assert sign_in(session, url, username, PASSWORD).status_code == 303
    token = re.search(r'name="_csrf" value="([^"]+)"', session.get(url + "/account/password").text).group(1)
    session.post(url + "/sign-out", data={"_csrf": token}, allow_redirects=False)
    return session


def test_a_burst_of_wrong_passwords_locks_the_account_and_spares_the_daily_officer(own_service):
    url = own_service.url
    daily = signed_in_before(url, "pc.daily")
    target = signed_in_before(url, "pc.target")
    # Another browser learns the target's password only after 200 wrong guesses sent at once, from the same address.
    attacker = requests.Session()
    token = form_token(attacker, url)
    cookies = attacker.cookies.get_dict()

    def guess(n):
        return requests.post(url + "/sign-in", cookies=cookies, allow_redirects=False, timeout=60,
                             data={"_csrf": token, "username": "pc.target", "password": f"wrong guess {n}", "next": "/"}).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(guess, range(200)))
    assert set(statuses) <= {401, 429}
    assert statuses.count(429) >= 150, "the address limit stops most of the burst before any password is checked"
    # The right password, now, is refused even on the target's own browser: the account locked on the few
    # attempts that reached it.
    refused = sign_in(target, url, "pc.target", PASSWORD)
    assert refused.status_code == 401 and "locked" in refused.text
    # The officer who signs in here every day still can, from the same address.
    assert sign_in(daily, url, "pc.daily", PASSWORD).status_code == 303
