"""Words people understand, on a 390 px phone in the demo city (served with DEBUG off): the
street's 辖区最近变更 and a case's timeline say what was done in Chinese and who did it by
name; an unknown address is the site's own page in Chinese; an empty log-in says what is
missing."""

from playwright.sync_api import expect

from e2e.conftest import fits_the_phone, shot
from e2e.test_coordination_pages import hand_to_the_street


def test_the_street_reads_its_own_act_in_words(person):
    street = person("coordinator")
    name = street.locator(".who .name").inner_text()
    assert name != "coordinator"
    [(case_id, number)] = hand_to_the_street(street, 1)

    last = street.get_by_test_id("timeline").locator("li").last
    expect(last.locator("strong")).to_have_text(name)

    street.goto("/")
    newest = street.get_by_test_id("recent-audit").locator("li").first
    expect(newest).to_contain_text(f"{name} 提请街道统筹事件 {number}")
    expect(street.get_by_test_id("recent-audit")).not_to_contain_text("case.")
    expect(street.get_by_test_id("recent-audit")).not_to_contain_text("coordinator")
    fits_the_phone(street)
    shot(street, "phone-recent-changes")


def test_an_unknown_address_is_the_sites_own_page(person):
    street = person("coordinator")

    response = street.goto("/cases/no-such-page/")

    assert response.status == 404
    expect(street.locator("h1")).to_have_text("页面不存在")
    expect(street.get_by_test_id("nav-toggle")).to_be_visible()
    expect(street.locator("body")).not_to_contain_text("Not Found")
    fits_the_phone(street)
    shot(street, "phone-404")


def test_an_empty_log_in_says_what_is_missing(page):
    page.goto("/login/")
    page.click("button[type=submit]")

    expect(page.get_by_test_id("username-error")).to_have_text("请输入用户名或手机号。")
    expect(page.get_by_test_id("password-error")).to_have_text("请输入密码。")
    fits_the_phone(page)
    shot(page, "phone-empty-login")
