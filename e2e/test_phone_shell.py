"""The site's shell on a 390 px phone in the demo city: the main navigation folds under one
菜单 button with the inbox beside it, one tab marks the page, the case queue reads as cards
with whole category names, and the maps' zoom buttons speak Chinese."""

from playwright.sync_api import expect

from e2e.conftest import PHONE, fits_the_phone, shot


def within_the_phone(locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["width"] > 0, "not shown"
    assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], box


def test_the_menu_opens_every_item_and_the_inbox_stays_in_view(person):
    street = person("coordinator")

    nav = street.locator("nav.mainnav")
    toggle = street.get_by_test_id("nav-toggle")
    expect(toggle).to_have_text("菜单")
    within_the_phone(toggle)
    inbox = street.get_by_test_id("nav-inbox")
    expect(inbox).to_contain_text("消息通知")
    within_the_phone(inbox)
    expect(nav.get_by_role("link", name="事件", exact=True)).to_be_hidden()
    shot(street, "phone-nav-closed")

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for label in ("首页", "事件", "统筹协调", "定期通报", "我的导出", "上报问题"):
        link = nav.get_by_role("link", name=label, exact=True)
        expect(link).to_be_visible()
        within_the_phone(link)
    within_the_phone(inbox)
    fits_the_phone(street)
    shot(street, "phone-nav-open")

    nav.get_by_role("link", name="统筹协调", exact=True).click()
    expect(street).to_have_url(f"{street.url.split('/cases/')[0]}/cases/coordination/")
    expect(street.locator("nav.mainnav [aria-current=page]")).to_have_count(1)
    expect(street.locator("nav.mainnav .nav-current")).to_have_text("统筹协调")


def test_the_centre_reaches_its_exports_from_the_menu(person):
    centre = person("dispatcher")

    centre.get_by_test_id("nav-toggle").click()
    centre.locator("nav.mainnav").get_by_role("link", name="我的导出", exact=True).click()
    expect(centre.locator("h1")).to_have_text("我的导出")


def test_the_case_queue_is_a_list_of_cards_with_whole_category_names(person):
    centre = person("dispatcher")
    centre.goto("/cases/")

    rows = centre.get_by_test_id("queue-row")
    expect(rows.first).to_be_visible()
    fits_the_phone(centre)
    for i in range(min(rows.count(), 5)):
        category = rows.nth(i).locator("td").nth(1)
        expect(category).to_have_attribute("data-label", "事件分类")
        # Half a card, not one character wide: the name stands on one line.
        assert category.bounding_box()["width"] >= 120
        lines = category.evaluate(
            "td => { const r = document.createRange(); r.selectNodeContents(td.lastChild);"
            " return r.getClientRects().length; }"
        )
        assert lines == 1
    shot(centre, "phone-case-queue")


def test_the_maps_zoom_buttons_are_titled_in_chinese(person):
    centre = person("dispatcher")
    centre.goto("/cases/")
    expect(centre.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "放大")
    expect(centre.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "缩小")

    centre.goto("/places/")
    centre.locator("main .card a").first.click()  # the city, with its streets drawn
    expect(centre.locator("#map .leaflet-control-zoom-in")).to_have_attribute("title", "放大")
    expect(centre.locator("#map .leaflet-control-zoom-out")).to_have_attribute("title", "缩小")
    shot(centre, "phone-place-map")
