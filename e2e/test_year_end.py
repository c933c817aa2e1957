"""The year's end as the centre and the administrator meet it on a phone: the warning that
next year's holiday notice is missing, and entering it in one form (docs/calendar.md).

The warning shows from 60 days before the calendar the server knows runs out; the journey
reads the server's own calendar, so it holds whichever year it runs in."""

import datetime as dt

from playwright.sync_api import expect

from e2e.conftest import fits_the_phone, shot, zhili


def missing_year() -> int | None:
    """The year the server's home pages ask for, as the server itself counts it."""
    out = zhili(
        "shell",
        "-c",
        "from django.utils import timezone; from zhili.core.workcalendar import missing_year;"
        "print(missing_year(timezone.localdate()))",
    ).split()[-1]  # after what the shell says of itself
    return None if out == "None" else int(out)


def test_the_centre_is_warned_and_the_administrator_enters_the_notice(person):
    year = missing_year()
    if year is None:  # more than 60 days before the calendar ends: nothing to say
        page = person("dispatcher")
        expect(page.get_by_test_id("calendar-warning")).to_have_count(0)
        return

    centre = person("dispatcher")
    warning = centre.get_by_test_id("calendar-warning")
    expect(warning).to_contain_text(f"尚未录入国务院办公厅{year}年部分节假日安排")
    expect(warning).to_contain_text("请联系管理员录入")
    fits_the_phone(centre)
    shot(centre, "year-end-centre-warned")

    admin = person("admin")
    admin.get_by_test_id("calendar-warning").get_by_role("link").click()
    expect(admin.locator("h1")).to_contain_text("录入年度放假安排")
    expect(admin.locator("#content-main")).to_contain_text("春节")  # the statutory days
    new_year = dt.date(year, 1, 1)
    admin.fill("#id_days_off", f"{new_year:%Y-%m-%d} 元旦\n{year}-10-01 至 {year}-10-07 国庆节")
    admin.fill("#id_workdays", f"{year}-10-09 国庆节调休上班")
    admin.fill("#id_note", "国办发明电")
    shot(admin, "year-end-notice-form")
    admin.get_by_test_id("save-notice").click()
    expect(admin.locator(".messagelist")).to_contain_text(f"{year}年放假安排已录入（9天）")
    shot(admin, "year-end-notice-saved")

    # The list of entries shows them; the server now knows the year (each web worker sees
    # it within a minute: docs/calendar.md, "Changes take effect").
    expect(admin.locator("#result_list")).to_contain_text("国庆节调休上班")
    assert missing_year() != year
