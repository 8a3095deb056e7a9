"""The Victim Information leaflet in a real browser at a phone's width: English and Arabic (right to left),
switching language by its own links, with zero axe-core violations."""
from selenium.webdriver.common.by import By

from a11y import assert_accessible
from browser import follow


def test_leaflet_on_a_phone_in_two_directions(service, driver):
    driver.set_window_size(375, 812)
    driver.get(service.url + "/leaflet?lang=en")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Your rights as a victim of crime"
    assert len(driver.find_elements(By.CSS_SELECTOR, "ol.rights li")) == 12
    # Nothing wider than the screen.
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 375
    assert_accessible(driver)
    follow(driver, By.CSS_SELECTOR, "a[hreflang=ar]")
    html = driver.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
    assert driver.find_element(By.TAG_NAME, "h1").text == "حقوقك بصفتك ضحية جريمة"
    assert driver.find_element(By.CSS_SELECTOR, "a[aria-current=page]").get_attribute("hreflang") == "ar"
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 375
    assert_accessible(driver)
