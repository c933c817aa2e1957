"""Work owed first, on a 390 px phone in the demo city: the centre's queue opens on a tab of
owed work with counts, its home lists the extension requests with their facts, the street
sees its overdue cases, and a handler's inbox opens on the orders to take."""

import re

from playwright.sync_api import expect

from e2e.conftest import fits_the_phone, shot


def test_the_centre_opens_on_the_work_it_owes(person):
    centre = person("dispatcher")
    requests = centre.get_by_test_id("extension-requests")
    expect(requests).to_be_visible()
    count = int(centre.get_by_test_id("extension-count").inner_text())
    expect(centre.get_by_test_id("extension-request")).to_have_count(min(count, 8))
    fits_the_phone(centre)
    shot(centre, "work-owed-centre-home")

    centre.goto("/cases/")
    current = centre.locator("[data-testid=queue-tab][aria-current=page]")
    expect(current).to_have_count(1)
    expect(centre.get_by_test_id("queue-tab")).to_have_count(7)
    if int(current.get_attribute("data-count") or 0):
        expect(centre.get_by_test_id("queue-row").first).to_be_visible()
    fits_the_phone(centre)
    shot(centre, "work-owed-queue")
    centre.locator("[data-testid=queue-tab][data-tab=overdue]").click()
    expect(centre).to_have_url(re.compile(r"tab=overdue"))


def test_the_street_sees_its_overdue_cases(person):
    street = person("coordinator")
    expect(street.get_by_test_id("area-overdue")).to_be_visible()
    fits_the_phone(street)
    shot(street, "work-owed-street-home")
    street.get_by_test_id("area-overdue-count").click()
    expect(street).to_have_url(re.compile(r"/cases/\?tab=overdue"))


def test_the_handler_opens_on_the_orders_to_take(person):
    handler = person("handler_cg")
    handler.goto("/cases/inbox/")
    expect(handler.get_by_test_id("inbox-show")).to_have_count(3)
    fits_the_phone(handler)
    shot(handler, "work-owed-inbox")
