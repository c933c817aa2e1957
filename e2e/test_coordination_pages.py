"""The street and the grid on a phone-sized screen in the demo city: the street coordinator
hands two cases to the street (街道吹哨) and records a joint enforcement action (联合执法)
for both, then finds it on each case's page; a grid officer adds a photo to a case later,
from the phone's camera input."""

import re
from urllib.parse import urlparse

from PIL import Image
from playwright.sync_api import expect

from e2e.conftest import fits_the_phone, shot


def case_id(url: str) -> str:
    return re.search(r"/cases/(\d+)/", url).group(1)


def hand_to_the_street(page, wanted: int) -> list[tuple[str, str]]:
    """Open the street's cases with the departments, one after another, and hand the first
    `wanted` that the street does not coordinate yet to the street; (id, number) of each."""
    page.goto("/cases/?status=dispatched")
    links = (
        page.get_by_test_id("queue-row")
        .locator("a")
        .evaluate_all("links => links.map(a => a.getAttribute('href'))")
    )
    handed = []
    for href in links:
        page.goto(href)
        coordinate = page.get_by_test_id("act-coordinate")
        if not coordinate.count():
            continue  # coordinated already: the street has it
        if not coordinate.is_visible():
            coordinate.locator("xpath=ancestor::details").locator("summary").click()
        coordinate.locator("textarea").fill("多部门职责交叉，街道吹哨统筹处置")
        coordinate.locator("button").click()
        expect(page.get_by_test_id("timeline").locator("li").last).to_have_attribute(
            "data-action", "coordinate"
        )
        handed.append((case_id(page.url), page.get_by_test_id("case-number").inner_text()))
        if len(handed) == wanted:
            return handed
    raise AssertionError("the demo street has too few cases with the departments")


def test_the_street_records_a_joint_action_for_two_cases(person):
    street = person("coordinator")
    (first_id, first), (second_id, second) = hand_to_the_street(street, 2)

    # The coordination view lists both; the form opens from the second case's page with that
    # case ticked, and the first is offered beside it.
    street.goto("/cases/coordination/")
    for number in (first, second):
        expect(
            street.locator(f"[data-testid=coordination-item][data-case='{number}']")
        ).to_be_visible()
    street.goto(f"/cases/{second_id}/")
    street.get_by_test_id("record-joint-action").click()
    expect(street.get_by_test_id("joint-action-form")).to_be_visible()
    expect(street.locator(f"input[name=cases][value='{second_id}']")).to_be_checked()
    street.locator(f"input[name=cases][value='{first_id}']").check()
    expect(street.locator("#id_place option:checked")).to_have_text("泊阳街道")
    street.get_by_label("城管", exact=True).check()
    street.get_by_label("公安", exact=True).check()
    street.fill("#id_cases_solved", "2")
    street.fill("#id_notes", "占道经营集中整治：清理流动摊点12处")
    fits_the_phone(street)
    shot(street, "joint-action-form")
    street.get_by_test_id("joint-action-submit").click()

    expect(street).to_have_url(re.compile(r"/cases/joint-actions/\d+/$"))
    action_url = street.url
    linked = street.get_by_test_id("joint-action-cases").locator("li")
    expect(linked).to_have_count(2)
    assert sorted(linked.evaluate_all("items => items.map(li => li.dataset.case)")) == sorted(
        [first, second]
    )
    expect(street.get_by_test_id("joint-action-departments")).to_have_text("城管、公安")
    fits_the_phone(street)
    shot(street, "joint-action-detail")

    # Each case's page shows the action and the step on its timeline.
    for number_id in (first_id, second_id):
        street.goto(f"/cases/{number_id}/")
        item = street.get_by_test_id("case-joint-action")
        expect(item).to_have_count(1)
        expect(item.locator("a")).to_have_attribute("href", urlparse(action_url).path)
        expect(
            street.get_by_test_id("timeline").locator("li[data-action='joint_action']")
        ).to_have_count(1)
        fits_the_phone(street)
    shot(street, "joint-action-on-case")

    # The street's list shows it first.
    street.goto("/cases/joint-actions/")
    expect(street.get_by_test_id("joint-action-item").first.locator("a")).to_have_attribute(
        "href", re.compile(r"/cases/joint-actions/\d+/$")
    )
    fits_the_phone(street)


def test_a_grid_officer_adds_a_photo_to_a_case_later(person, tmp_path):
    # A courier reports from the grid officer's grid (the demo's today may have nothing open
    # there); the grid officer adds a photo to that case later.
    courier = person("courier")
    courier.get_by_test_id("report-button").click()
    courier.select_option("#id_category", label="乱停乱放")
    courier.fill("#id_description", "翠平路口共享单车倒伏，挡住盲道")
    courier.get_by_test_id("use-location").click()
    expect(courier.get_by_test_id("location-status")).not_to_be_empty()
    courier.get_by_test_id("report-submit").click()
    expect(courier).to_have_url(re.compile(r"/cases/\d+/$"))
    grid = person("gridofficer")
    grid.goto("/" + courier.url.split("/", 3)[3])
    expect(grid).to_have_url(re.compile(r"/cases/\d+/$"))
    before = grid.get_by_test_id("case-photo").count()
    grid.get_by_test_id("add-photos-box").locator("summary").click()
    upload = grid.locator("#id_photo-photos")
    expect(upload).to_have_attribute("capture", "environment")
    path = tmp_path / "later.jpg"
    Image.new("RGB", (640, 480), (30, 120, 200)).save(path, format="JPEG")
    upload.set_input_files(str(path))
    fits_the_phone(grid)
    grid.get_by_test_id("add-photos-submit").click()

    photos = grid.get_by_test_id("case-photo")
    expect(photos).to_have_count(before + 1)
    me = grid.locator(".who .name").inner_text()
    expect(photos.last.get_by_test_id("photo-by")).to_have_text(me)
    thumb = photos.last.locator("img")
    thumb.scroll_into_view_if_needed()
    grid.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    expect(grid.get_by_test_id("timeline").locator("li").last).to_have_attribute(
        "data-action", "photo"
    )
    fits_the_phone(grid)
    shot(grid, "case-photo-added")
