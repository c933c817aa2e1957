"""A courier's whistle run to its rating in the demo city, each person on a phone-sized
screen: the courier reports with a photo, the centre accepts and dispatches, 城管 takes and
handles it with evidence, the grid officer verifies, the centre closes, the courier rates."""

import re

from PIL import Image
from playwright.sync_api import expect

from e2e.conftest import fits_the_phone, shot


def jpeg(path, colour):
    Image.new("RGB", (640, 480), colour).save(path, format="JPEG")
    return str(path)


def status_of(page):
    return page.get_by_test_id("case-status")


def act(page, name):
    form = page.get_by_test_id(f"act-{name}")
    if not form.is_visible():
        form.locator("xpath=ancestor::details").locator("summary").click()
    return form


def test_a_whistle_runs_from_the_phone_to_the_rating(person, tmp_path):
    # The courier blows the whistle with a photo and the phone's position.
    courier = person("courier")
    courier.get_by_test_id("report-button").click()
    expect(courier.get_by_test_id("report-form")).to_be_visible()
    courier.select_option("#id_category", label="乱停乱放")
    courier.fill("#id_description", "翠平路口电动车乱停，堵住了消防通道")
    courier.get_by_test_id("use-location").click()
    expect(courier.get_by_test_id("location-status")).to_contain_text("117.0915")
    courier.set_input_files("#id_photos", jpeg(tmp_path / "whistle.jpg", (180, 40, 40)))
    fits_the_phone(courier)
    shot(courier, "case-report")
    courier.get_by_test_id("report-submit").click()

    expect(courier).to_have_url(re.compile(r"/cases/\d+/$"))
    case_url = courier.url
    number = courier.get_by_test_id("case-number").inner_text()
    expect(status_of(courier)).to_have_text("待受理")
    thumb = courier.get_by_test_id("case-photos").locator("img")
    expect(thumb).to_have_count(1)
    assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")
    case_map = courier.get_by_test_id("case-map")
    expect(case_map).to_have_class(re.compile("leaflet-container"))
    # The grid's outline and the reported point, drawn from local files without tiles.
    expect(case_map.locator("path.leaflet-interactive")).to_have_count(2)
    fits_the_phone(courier)
    shot(courier, "case-reported")

    # The centre sees it waiting, accepts it and dispatches it to 城管 (the category's lead).
    dispatcher = person("dispatcher")
    dispatcher.get_by_test_id("awaiting-count").click()
    row = dispatcher.locator(f"[data-testid=queue-row][data-case='{number}']")
    expect(
        dispatcher.get_by_test_id("case-map").locator("path.leaflet-interactive")
    ).not_to_have_count(0)
    shot(dispatcher, "case-workbench")
    expect(row.get_by_test_id("clock")).to_be_visible()
    row.get_by_role("link", name=number).click()
    act(dispatcher, "accept").locator("button").click()
    expect(status_of(dispatcher)).to_have_text("已立案")
    dispatch = act(dispatcher, "dispatch")
    expect(dispatch.locator("#id_dispatch-lead option:checked")).to_have_text("市城市管理局")
    dispatch.locator("button").click()
    expect(status_of(dispatcher)).to_have_text("办理中")
    fits_the_phone(dispatcher)
    shot(dispatcher, "case-dispatched")

    # 城管 takes the order from its inbox and reports it handled with evidence.
    handler = person("handler_cg")
    handler.get_by_test_id("inbox-count").click()
    item = handler.locator(f"[data-testid=inbox-item][data-case='{number}']")
    item.get_by_test_id("take").click()
    item = handler.locator(f"[data-testid=inbox-item][data-case='{number}']")
    expect(item).to_have_attribute("data-task-status", "taken")
    item.locator("summary").click()
    item.locator("textarea").fill("已联系车主挪车，并加装隔离桩")
    item.locator("input[type=file]").set_input_files(jpeg(tmp_path / "done.jpg", (40, 140, 40)))
    item.locator("form button").click()
    expect(handler.locator(f"[data-testid=inbox-item][data-case='{number}']")).to_have_count(0)
    fits_the_phone(handler)
    shot(handler, "case-inbox-handled")

    # The grid officer checks on the spot: passed.
    grid = person("gridofficer")
    grid.goto(case_url)
    expect(status_of(grid)).to_have_text("已处置，待核查")
    expect(grid.get_by_test_id("case-photos").locator("img")).to_have_count(2)
    verify = act(grid, "verify")
    verify.locator("input[value='1']").check()
    verify.locator("textarea").fill("现场已畅通")
    verify.locator("button").click()
    expect(status_of(grid)).to_have_text("已核查，待结案")

    # The centre closes it.
    dispatcher.goto(case_url)
    act(dispatcher, "close").locator("button").click()
    expect(status_of(dispatcher)).to_have_text("已结案")

    # The courier finds it closed on the home page and rates it.
    courier.goto("/")
    mine = courier.get_by_test_id("my-cases").locator(f"li[data-case='{number}']")
    expect(mine).to_have_attribute("data-status", "closed")
    mine.get_by_role("link").click()
    rate = act(courier, "rate")
    rate.locator("input[value='satisfied']").check()
    rate.locator("textarea").fill("处理很快，谢谢")
    rate.locator("button").click()
    expect(courier.get_by_test_id("case-rating")).to_have_attribute("data-rating", "satisfied")
    actions = (
        courier.get_by_test_id("timeline")
        .locator("li")
        .evaluate_all("items => items.map(li => li.dataset.action)")
    )
    assert [a for a in actions if a != "photo"] == [
        "report",
        "accept",
        "dispatch",
        "take",
        "handle",
        "verify",
        "close",
        "rate",
    ]
    fits_the_phone(courier)
    shot(courier, "case-rated")
