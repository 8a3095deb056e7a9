"""The compliance dashboard in a real browser, scanned with axe-core: the force and a unit, a metric's chart and
months, its breakdown by characteristic, the survey and workload pages. Every table's CSV must be exactly the
table on the screen, and every confidence interval the page shows must agree with SciPy's."""
import csv
import io
import re

import requests
from scipy.stats import binomtest
from scipy.stats.contingency import relative_risk
from selenium.webdriver.common.by import By

from a11y import assert_accessible
from browser import follow, sign_in, submit
from conftest import PASSWORD


def session(service, user):
    s = requests.Session()
    page = s.get(service.url + "/sign-in")
    token = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    r = s.post(service.url + "/sign-in", data={"_csrf": token, "username": user, "password": PASSWORD, "next": "/"},
               allow_redirects=False)
    assert r.status_code in (302, 303)
    return s


def screen_table(driver, table_id):
    rows = []
    for tr in driver.find_elements(By.CSS_SELECTOR, f"#{table_id}-table tr"):
        rows.append([cell.text.strip() for cell in tr.find_elements(By.CSS_SELECTOR, "th, td")])
    return rows


def csv_rows(text):
    # The CSV guards against spreadsheet formulas with a leading apostrophe; nothing on these pages starts with one.
    # It starts with a byte-order mark, so that Excel reads it as UTF-8 (issue 13).
    assert text.startswith("\ufeff"), "a CSV for Excel starts with a byte-order mark"
    return [row for row in csv.reader(io.StringIO(text[1:]))]


def test_a_lead_reads_the_dashboard_and_every_csv_is_the_screen(service, driver):
    sign_in(driver, service, "demo.lead")
    pages = []
    driver.get(service.url + "/dashboard")
    assert "Victims' Code compliance" in driver.find_element(By.TAG_NAME, "h1").text
    assert_accessible(driver, pages)
    cookie = {c["name"]: c["value"] for c in driver.get_cookies()}
    for table in driver.find_elements(By.CSS_SELECTOR, "main table"):
        table_id = table.get_attribute("id").removesuffix("-table")
        link = driver.find_element(By.CSS_SELECTOR, f"a[href*='csv={table_id}']").get_attribute("href")
        downloaded = requests.get(link, cookies=cookie)
        assert downloaded.headers["content-type"].startswith("text/csv")
        assert csv_rows(downloaded.text) == screen_table(driver, table_id), table_id
    # A metric: its definition, the chart (an image with a title) and its months, every unit, the lead's target.
    follow(driver, By.LINK_TEXT, "Needs assessment completed at reporting")
    svg = driver.find_element(By.CSS_SELECTOR, "figure svg[role=img]")
    assert "month by month" in svg.find_element(By.TAG_NAME, "title").get_attribute("textContent")
    assert_accessible(driver, pages)
    for table_id in ("months", "league"):
        link = driver.find_element(By.CSS_SELECTOR, f"a[href*='csv={table_id}']").get_attribute("href")
        assert csv_rows(requests.get(link, cookies=cookie).text) == screen_table(driver, table_id)
    assert len(screen_table(driver, "months")) == 25
    target = driver.find_element(By.ID, "target")
    target.clear()
    target.send_keys("95")
    submit(driver, "form[action$='/target'] button")
    assert "Target saved." in driver.page_source
    league = screen_table(driver, "league")
    targeted = [row for row in league if row[5] == "95.0%"]
    assert len(targeted) == 1 and targeted[0][6] in ("On target", "Close to target", "Off target")
    # From a month's figure to the victims behind it, each linking to the victim's record.
    driver.find_element(By.CSS_SELECTOR, "#months-table a[href*='/victims?']").click()
    assert "Victims behind the figure" in driver.find_element(By.TAG_NAME, "h1").text
    assert_accessible(driver, pages)
    # The same metric by characteristic.
    driver.back()
    driver.back()
    follow(driver, By.PARTIAL_LINK_TEXT, "by sex, age")
    assert_accessible(driver, pages)
    driver.get(service.url + "/dashboard/workload")
    assert_accessible(driver, pages)
    driver.find_element(By.ID, "officers").send_keys("7.5")
    submit(driver, "form[action$='/staffing'] button")
    assert "Staffing recorded." in driver.page_source
    assert any(row[2] == "7.5" for row in screen_table(driver, "teams"))
    driver.get(service.url + "/dashboard/definitions")
    assert_accessible(driver, pages)
    assert len(pages) == 6


def test_an_analyst_takes_the_weeks_survey_sample(service, driver):
    sign_in(driver, service, "demo.analyst")
    driver.get(service.url + "/dashboard/survey")
    assert_accessible(driver)
    size = driver.find_element(By.ID, "perStratum")
    size.clear()
    size.send_keys("2")
    submit(driver, "form[action$='/waves'] button")
    notice = driver.find_element(By.CSS_SELECTOR, ".notice").text
    invited, eligible = map(int, re.match(r"(\d+) invited of (\d+) eligible", notice).groups())
    assert 0 < invited <= eligible
    waves = screen_table(driver, "waves")
    assert waves[1][1:4] == ["2", str(eligible), str(invited)]
    results = screen_table(driver, "results")
    assert results[-1][0] == "The whole force" and int(results[-1][1]) >= invited
    assert_accessible(driver)


def pct(x):
    return "%.1f%%" % (x * 100)


def test_every_interval_shown_agrees_with_scipy(service):
    s = session(service, "demo.analyst")
    checked = 0
    for metric in ("confirmation", "leaflet", "needs-assessment", "contact-successful"):
        league = csv_rows(s.get(f"{service.url}/dashboard/metrics/{metric}?unit=&csv=league").text)
        for row in league[1:]:
            k, n = map(int, re.match(r"(\d+) of (\d+)", row[2]).groups())
            if n == 0:
                continue
            ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
            assert row[4] == f"{pct(ci.low)} to {pct(ci.high)}", (metric, row)
            checked += 1
        fairness = s.get(f"{service.url}/dashboard/metrics/{metric}/fairness?unit=")
        for dimension in ("sex", "age", "ethnicity", "disability", "language"):
            rows = csv_rows(s.get(f"{service.url}/dashboard/metrics/{metric}/fairness?unit=&csv=by-{dimension}").text)
            reference = [r for r in rows[1:] if r[4] == "1 (reference)"]
            for row in rows[1:]:
                if row[2] == "Suppressed":
                    assert row[1] == "Fewer than 10"
                    continue
                k, n = map(int, re.match(r"(\d+) of (\d+)", row[1]).groups())
                assert n >= 10 and (k == 0 or k >= 10), row
                ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
                assert row[3] == f"{pct(ci.low)} to {pct(ci.high)}", row
                checked += 1
                if reference and row is not reference[0] and k > 0 and row[4] != "Not estimable":
                    rk, rn = map(int, re.match(r"(\d+) of (\d+)", reference[0][1]).groups())
                    rr = relative_risk(k, n, rk, rn)
                    rci = rr.confidence_interval(0.95)
                    assert row[4] == "%.2f" % rr.relative_risk, row
                    assert row[5] == "%.2f–%.2f" % (rci.low, rci.high), row
                    assert row[6] == ("No" if rci.low <= 1 <= rci.high else ("Yes, higher" if rr.relative_risk > 1 else "Yes, lower"))
                    checked += 1
        assert fairness.status_code == 200
    assert checked > 30
