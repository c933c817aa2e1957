"""The bulletin as a page, an export built by the worker, and a command's file."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from zhili.bulletins.exports import header
from zhili.exports.tests.helpers import downloaded, export_of, sheet_rows, work

pytestmark = pytest.mark.urls("zhili.bulletins.tests.urls")
MARCH = "?from=2026-03-01&to=2026-03-31"


def chinese_header():
    with translation.override("zh-hans"):
        return tuple(header())


def page(client, user, query=MARCH):
    client.force_login(user)
    return client.get(f"/bulletins/{query}")


# 城管's line in March with the default minimum of 5 (test_metrics.py has the arithmetic):
# rank 1, 65.31, C, then dispatched 7, taken 6, on time 5, responded 6, returned 1,
# extended 1, reassigned 0, …
CG_START = (1, "城市管理局", 65.31, "C", 7, 6, 5, 6, 1, 1, 0, 6, 5, 4, 1, 1, 2, 5, 3, 2, 2, 1, 1, 0)


def test_the_centre_sees_the_citys_bulletin_with_its_lists(client, march):
    response = page(client, march.dispatcher)
    assert response.status_code == 200
    html = response.content.decode()
    assert "乐平市" in html and "65.31" in html and "公安" in html
    red = html.split('data-testid="red-list"')[1].split("</section>")[0]
    assert "城市管理局" in red and "公安局" not in red
    assert 'class="table-wrap"' in html  # the table scrolls on a phone
    # The summary comes first: rank, department, score, grade and the headline rates
    # (城管: 按期处置率 4/6, 结案率 3/5; its 满意率 rests on 2 ratings, shown all the same).
    summary = html.split('data-testid="bulletin-summary"')[1].split("</section>")[0]
    assert html.index("bulletin-summary") < html.index("bulletin-table")
    cg = next(row for row in summary.split("<tr>") if "65.31" in row)
    for cell in ("<td>1</td>", "65.31", "<td>C</td>", "66.67%", "60.00%", "95.00%"):
        assert cell in cg
    assert "white-space: nowrap" in html  # names kept whole; the frame scrolls instead


def test_a_street_coordinator_sees_their_street_by_default(client, march):
    html = page(client, march.coordinator).content.decode()
    assert "泊阳街道" in html and "65.31" in html


@pytest.mark.parametrize("who", ["handler", "courier", "outsider"])
def test_roles_without_cases_view_are_refused(client, march, who):
    assert page(client, getattr(march, who)).status_code == 403


def test_a_place_outside_the_readers_area_is_not_found(client, march, city):
    response = page(client, march.other_secretary, f"{MARCH}&place={city.s1.pk}")
    assert response.status_code == 404
    assert page(client, march.other_secretary, f"{MARCH}&place={city.c3.pk}").status_code == 200


def test_signed_out_readers_are_sent_to_sign_in_and_posts_are_refused(client, march):
    assert client.get(f"/bulletins/{MARCH}").status_code == 302
    client.force_login(march.dispatcher)
    assert client.post("/bulletins/").status_code == 405
    assert client.get("/bulletins/export/").status_code == 405


def test_a_period_ending_before_it_starts_is_explained(client, march):
    html = page(client, march.dispatcher, "?from=2026-03-31&to=2026-03-01").content.decode()
    assert 'role="alert"' in html and "bulletin-table" not in html


def test_the_page_is_a_fixed_number_of_queries(client, march, django_assert_max_num_queries):
    client.force_login(march.dispatcher)
    with django_assert_max_num_queries(20):
        client.get(f"/bulletins/{MARCH}")


@pytest.mark.django_db(transaction=True)
def test_the_export_button_queues_a_workbook_a_worker_builds(client, march, city, settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    client.force_login(march.dispatcher)
    data = {"from": "2026-03-01", "to": "2026-03-31", "place": city.city.pk, "idempotency_key": "k"}
    export = work(export_of(client.post("/bulletins/export/", data)))
    assert export.status == "done" and export.filename == "bulletin-360281-20260301-20260331.xlsx"
    rows = sheet_rows(downloaded(client.get(f"/exports/{export.pk}/download")))
    assert rows[0] == chinese_header()
    assert rows[1][: len(CG_START)] == CG_START
    client.force_login(march.handler)
    assert client.post("/bulletins/export/", data).status_code == 403


def test_the_command_writes_the_same_workbook(march, city, tmp_path):
    out = tmp_path / "march.xlsx"
    call_command(
        "bulletin",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--place",
        "360281",
        "--out",
        str(out),
        stdout=io.StringIO(),
    )
    book = load_workbook(out)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == chinese_header()
    assert rows[1][: len(CG_START)] == CG_START
    # 公安 is shown but ranked on nothing with the default minimum: "—".
    assert rows[2][:4] == ("—", "公安局", "—", "—")
    rates = rows[1][len(CG_START) + 2 :]  # after the two mean times
    assert rates[:4] == (0.7143, 1, 0.8571, 1)
    # Scores and mean times are kept to two decimals: 城管's 65.31 and 2.00 h show as such,
    # not as 65.31 and 2 (the General format drops the trailing zeros).
    cells = list(book.worksheets[0].iter_rows(min_row=2, max_row=2))[0]
    mean_take = len(CG_START)  # the column after CG_START's last count (0-based)
    assert (cells[2].value, cells[2].number_format) == (65.31, "0.00")
    assert (cells[mean_take].value, cells[mean_take].number_format) == (2, "0.00")
    assert (cells[mean_take + 1].value, cells[mean_take + 1].number_format) == (15.6, "0.00")
    # With one ranked department, the red list holds it and the black list nothing.
    lists = list(book.worksheets[1].iter_rows(values_only=True))
    assert [row[1:3] for row in lists[1:]] == [(1, "城市管理局")]
