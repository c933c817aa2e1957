"""People using the demo city on a phone-sized screen, as they would."""

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from e2e.conftest import login, shot
from zhili.core.permissions import Role
from zhili.core.personal import id_check_character
from zhili.demo.builder import DEMO_PASSWORD
from zhili.demo.plan import plan_city

ACCOUNTS = plan_city().accounts

# The heading each role's home page opens with (the Chinese catalogue's words).
HOME_TITLES = {
    Role.ADMIN: "管理员工作台",
    Role.DISPATCHER: "综治中心工作台",
    Role.STREET_COORDINATOR: "街道统筹协调",
    Role.COMMUNITY_SECRETARY: "社区党组织工作台",
    Role.GRID_OFFICER: "网格员",
    Role.HANDLER: "部门工作台",
    Role.INDUSTRY_BRANCH: "行业党支部",
    Role.PROPERTY_COMPANY: "物业服务企业",
    Role.OWNERS_COMMITTEE: "业主委员会",
}


@pytest.mark.parametrize("account", ACCOUNTS, ids=[a.username for a in ACCOUNTS])
def test_each_demo_role_signs_in_and_sees_its_home(page, account):
    login(page, account.username, DEMO_PASSWORD)
    title = page.get_by_test_id("home-title")
    expected = HOME_TITLES.get(account.role, f"您好，{account.full_name}")
    expect(title).to_have_text(expected)
    expect(page.get_by_test_id("role")).to_have_text(str(Role(account.role).label))
    # Nothing overflows the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, f"home-{account.username}")


def test_wrong_password_is_refused_in_chinese(page):
    login(page, "dispatcher", "not-the-password")
    expect(page.get_by_test_id("login-error")).to_contain_text("用户名、手机号或密码错误")
    expect(page).to_have_url(re.compile(r"/login/$"))
    shot(page, "login-wrong-password")


def test_sign_in_with_a_phone_number(page):
    dispatcher = next(a for a in ACCOUNTS if a.username == "dispatcher")
    login(page, dispatcher.phone, DEMO_PASSWORD)
    expect(page.get_by_test_id("home-title")).to_have_text("综治中心工作台")


def test_dispatcher_sees_masked_phones_and_secretary_sees_them_whole(page):
    login(page, "dispatcher", DEMO_PASSWORD)
    page.get_by_test_id("nav-toggle").click()  # the menu folds at phone size
    page.locator("nav.mainnav").get_by_role("link", name="人员", exact=True).click()
    first_phone = page.get_by_test_id("people-table").locator("tbody tr td").nth(1)
    expect(first_phone).to_have_text(re.compile(r"^1\d\d\*{4}\d{4}$"))
    page.get_by_role("button", name="退出").click()
    login(page, "secretary", DEMO_PASSWORD)
    page.goto("/people/")
    first_phone = page.get_by_test_id("people-table").locator("tbody tr td").nth(1)
    expect(first_phone).to_have_text(re.compile(r"^1\d{10}$"))


def test_secretary_registers_a_person_and_a_bad_id_number_is_explained(page):
    login(page, "secretary", DEMO_PASSWORD)
    page.goto("/people/new/")
    page.fill("#id_name", "测试居民")
    good = "36028119800517123" + id_check_character("36028119800517123")
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    page.fill("#id_id_number", bad)
    page.select_option("#id_address_place", index=1)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("error-id_number")).to_contain_text("校验位不正确")
    shot(page, "register-bad-id")
    page.fill("#id_id_number", good)
    page.fill("#id_phone", "139 0798 0001")
    page.get_by_role("button", name="保存").click()
    facts = page.get_by_test_id("person-facts")
    expect(facts).to_contain_text("1980-05-17")
    expect(page.get_by_test_id("phone")).to_have_text("13907980001")
    expect(page.locator("#audit-trail")).to_contain_text("登记人员")


def test_coordinator_picks_a_community_with_the_place_picker(page):
    login(page, "coordinator", DEMO_PASSWORD)
    expect(page.get_by_test_id("current-place")).to_have_text("泊阳街道")
    page.locator("#place-picker summary").click()
    page.get_by_placeholder("按名称或编码搜索地点").fill("翠平社区")
    page.locator("#picker-results button", has_text="翠平社区").first.click()
    expect(page.get_by_test_id("current-place")).to_have_text("翠平社区")
    shot(page, "picker-picked")


def test_what_was_typed_in_the_picker_before_the_scripts_came_is_searched(page):
    """On a slow phone the page shows before its scripts run; a search typed meanwhile is not
    lost (the picker's input searches what it holds once htmx starts)."""
    login(page, "coordinator", DEMO_PASSWORD)
    expect(page.get_by_test_id("current-place")).to_have_text("泊阳街道")
    script = page.locator("script[src*='htmx']").first.get_attribute("src")
    page.route("**/*htmx*.js", lambda route: route.abort())  # the scripts have not come yet
    page.goto("/")
    page.locator("#place-picker summary").click()
    page.get_by_placeholder("按名称或编码搜索地点").fill("翠平社区")
    expect(page.locator("#picker-results button")).to_have_count(0)
    page.unroute("**/*htmx*.js")
    page.add_script_tag(url=script)  # they come
    page.locator("#picker-results button", has_text="翠平社区").first.click()
    expect(page.get_by_test_id("current-place")).to_have_text("翠平社区")


def test_a_community_page_draws_its_grids_on_a_map_without_internet(page):
    login(page, "secretary", DEMO_PASSWORD)
    page.goto("/places/")
    page.get_by_role("link", name="翠平社区").click()
    map_box = page.get_by_test_id("place-map")
    expect(map_box).to_have_class(re.compile("leaflet-container"))
    # The community's outline plus one shape per grid and compound, drawn from local files.
    children = page.locator("table tbody tr").count()
    expect(map_box.locator("path.leaflet-interactive")).to_have_count(children + 1)
    shot(page, "place-map")


def test_the_street_coordinator_sees_people_per_community_as_a_chart(page):
    login(page, "coordinator", DEMO_PASSWORD)
    chart = page.get_by_test_id("community-chart")
    # ECharts (from the npm registry at build time, served by us) draws one bar per community.
    rows = page.locator("table").first.locator("tbody tr").count()
    expect(chart.locator("svg path[fill='#b3261e']")).to_have_count(rows)
    shot(page, "street-chart")


def test_secretary_exports_the_registry_and_downloads_the_workbook(page):
    login(page, "secretary", DEMO_PASSWORD)
    page.goto("/people/")
    shot(page, "people-list-export")
    page.get_by_role("button", name="导出 Excel").click()
    # The export's own page: the worker beside the server builds the file meanwhile, and
    # the status fragment asks again every second until it is done.
    expect(page).to_have_url(re.compile(r"/exports/\d+/$"))
    expect(page.get_by_test_id("export-status")).to_have_attribute("data-status", "done")
    shot(page, "export-done")
    with page.expect_download() as info:
        page.get_by_test_id("export-download").click()
    download = info.value
    assert re.fullmatch(r"people-\d{8}-\d{4}\.xlsx", download.suggested_filename)
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).worksheets[0]
    header, first, *_ = sheet.iter_rows(values_only=True)
    assert header == (
        "姓名",
        "性别",
        "出生日期",
        "手机号",
        "身份证号",
        "政治面貌",
        "党员状态",
        "学历",
        "来源",
        "居住地点",
        "详细地址",
    )
    # The secretary sees phone numbers whole, on the page and in the file.
    assert re.fullmatch(r"1\d{10}", first[3])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_phone_number_search_travels_in_the_body_not_the_address(page):
    login(page, "secretary", DEMO_PASSWORD)
    page.goto("/people/")
    first = page.get_by_test_id("people-table").locator("tbody tr").first
    name, phone = first.locator("td").nth(0).inner_text(), first.locator("td").nth(1).inner_text()

    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.get_by_role("searchbox", name="搜索人员").fill(phone)

    sent = answered.value.request
    assert answered.value.status == 200
    assert phone not in sent.url and phone in (sent.post_data or "")
    rows = page.get_by_test_id("people-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").nth(0)).to_have_text(name)
    assert phone not in page.url


def test_the_dispatcher_downloads_last_months_bulletin_and_it_opens_in_excel(page):
    login(page, "dispatcher", DEMO_PASSWORD)
    today = dt.date.today()
    end = today.replace(day=1) - dt.timedelta(days=1)
    start = end.replace(day=1)
    page.goto(f"/bulletins/?from={start}&to={end}")
    # Every department of the demo city has orders in a month of its year of cases.
    table = page.get_by_test_id("bulletin-table")
    for department in ("城管", "公安", "民政", "住建", "生态环境"):
        expect(table).to_contain_text(department)
    expect(page.get_by_test_id("red-list")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "bulletin")
    page.get_by_role("button", name="导出 Excel").click()
    expect(page.get_by_test_id("export-status")).to_have_attribute("data-status", "done")
    with page.expect_download() as info:
        page.get_by_test_id("export-download").click()
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    names = {cell for row in rows for cell in row if isinstance(cell, str)}
    assert {"市城市管理局", "市公安局", "市民政局", "市住房和城乡建设局", "市生态环境局"} <= names
