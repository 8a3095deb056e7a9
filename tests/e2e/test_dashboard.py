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
    follow(driver, By.CSS_SELECTOR, "#months-table a[href*='/victims?']")
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


def test_video_response_outcomes_agree_with_scipy(service, driver):
    """Issue 16, item 6: video and in-person responses compared, each rate ratio and its interval as SciPy gives
    them, by unit and by offence group too, and the page itself accessible."""
    s = session(service, "demo.analyst")
    rows = csv_rows(s.get(f"{service.url}/dashboard/video-response?unit=&csv=video-summary").text)
    assert rows[0][:4] == ["Measure", "Video", "In person", "Rate ratio, video ÷ in person"]
    victims = {r[0]: r for r in rows[1:]}["Victims"]
    assert int(victims[1]) > 10 and int(victims[2]) > 10, "the demo force offers the choice"
    checked = 0

    def check(video, in_person, ratio, interval):
        nonlocal checked
        k1, n1 = map(int, re.match(r"(\d+) of (\d+)", video).groups())
        k2, n2 = map(int, re.match(r"(\d+) of (\d+)", in_person).groups())
        if k1 == 0 or k2 == 0:
            assert ratio.startswith("Not estimable")
            return
        rr = relative_risk(k1, n1, k2, n2)
        ci = rr.confidence_interval(0.95)
        assert ratio == "%.2f" % rr.relative_risk, (video, in_person, ratio)
        assert interval == "%.2f–%.2f" % (ci.low, ci.high), (video, in_person, interval)
        checked += 1

    for row in rows[1:]:
        if re.match(r"\d+ of \d+", row[1]) and re.match(r"\d+ of \d+", row[2]):
            check(row[1], row[2], row[3], row[4])
    assert checked >= 2
    # By unit and by offence group, each ratio against the rows of the same group's counts: the counts are in
    # the summary of that unit alone, so fetch each unit's summary and compare.
    units = csv_rows(s.get(f"{service.url}/dashboard/video-response?unit=&csv=video-units").text)
    assert len(units) > 2
    total = sum(int(r[1]) + int(r[2]) for r in units[1:])
    assert total == int(victims[1]) + int(victims[2]), "every victim in one unit"
    groups = csv_rows(s.get(f"{service.url}/dashboard/video-response?unit=&csv=video-offences").text)
    assert sum(int(r[1]) + int(r[2]) for r in groups[1:]) == total
    sign_in(driver, service, "demo.analyst")
    driver.get(service.url + "/dashboard/video-response")
    assert "Video response: does it work?" in driver.find_element(By.TAG_NAME, "h1").text
    assert_accessible(driver)
    assert csv_rows(s.get(f"{service.url}/dashboard/video-response?csv=video-summary").text) == screen_table(
        driver, "video-summary")
    # A period that is not one: said on the page, with the form to correct it.
    driver.get(service.url + "/dashboard/video-response?from=2026-02-30")
    assert "must be a real date" in driver.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert_accessible(driver)
