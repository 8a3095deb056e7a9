"""axe-core accessibility scan of the page a browser is on, at WCAG 2.2 AA."""
import json

from axe_selenium_python import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def assert_accessible(driver, pages_seen=None):
    axe = Axe(driver)
    axe.inject()
    results = axe.run(options=json.dumps({"runOnly": {"type": "tag", "values": WCAG_TAGS}}))
    violations = results["violations"]
    if pages_seen is not None:
        pages_seen.append(driver.current_url)
    assert not violations, f"{driver.current_url}\n" + axe.report(violations)
