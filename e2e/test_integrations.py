"""Zhili's doors to other systems, used as their users use them: a citizen app files a case
through Open311 over plain HTTP and follows it while the centre accepts it on a phone; the
administrator reads the data platform's webhook endpoint and replays a delivery."""

import json
import re
import urllib.parse
import urllib.request

from defusedxml import ElementTree as SafeET
from playwright.sync_api import expect

from e2e.conftest import login, shot
from zhili.demo.builder import DEMO_PASSWORD
from zhili.open311.demo import DEMO_KEY


def fetch(url: str, data: dict | None = None) -> bytes:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as answer:
        return answer.read()


def test_a_citizen_app_files_through_open311_and_follows_the_centre(server, page):
    base = f"{server}/open311/v2"
    discovery = json.loads(fetch(f"{server}/open311/discovery.json"))
    assert any(e["url"].endswith("/open311/v2") for e in discovery["endpoints"])
    services = {s["service_code"]: s for s in json.loads(fetch(f"{base}/services.json"))}
    assert services["jtsg"]["service_name"] == "交通事故"
    definition = SafeET.fromstring(fetch(f"{base}/services/jtsg.xml"))
    assert [a.findtext("code") for a in definition.iter("attribute")] == ["injured"]
    # A point in the city: where an earlier request of the app was.
    earlier = json.loads(fetch(f"{base}/requests.json"))[0]

    filed = json.loads(
        fetch(
            f"{base}/requests.json",
            {
                "api_key": DEMO_KEY,
                "service_code": "jtsg",
                "lat": earlier["lat"],
                "long": earlier["long"],
                "description": "两车剐蹭，占用一条车道",
                "attribute[injured]": "no",
                "first_name": "晓明",
                "last_name": "李",
                "phone": "13800138000",
            },
        )
    )[0]
    number, token = filed["service_request_id"], filed["token"]
    by_token = json.loads(fetch(f"{base}/tokens/{token}.json"))[0]
    assert by_token["service_request_id"] == number
    before = SafeET.fromstring(fetch(f"{base}/requests/{number}.xml")).find("request")
    assert before.findtext("status") == "open"
    assert before.findtext("service_code") == "jtsg"

    # The centre finds it by its number on a phone and accepts it.
    login(page, "dispatcher", DEMO_PASSWORD)
    page.goto(f"/cases/?number={number}")
    row = page.locator(f"[data-testid=queue-row][data-case='{number}']")
    expect(row).to_have_count(1)
    row.get_by_role("link", name=number).click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    # The reporter is the app; the citizen's phone is masked.
    expect(page.get_by_text("138****8000")).to_be_visible()
    accept = page.get_by_test_id("act-accept")
    if not accept.is_visible():
        accept.locator("xpath=ancestor::details").locator("summary").click()
    accept.locator("button").click()
    expect(page.get_by_test_id("case-status")).to_have_text("已立案")
    shot(page, "open311-case-accepted")

    after = SafeET.fromstring(fetch(f"{base}/requests/{number}.xml")).find("request")
    assert after.findtext("status") == "open"
    assert after.findtext("status_notes") != before.findtext("status_notes")
    assert after.findtext("updated_datetime") > before.findtext("updated_datetime")
    text = fetch(f"{base}/requests/{number}.json").decode()
    assert "13800138000" not in text and "晓明" not in text


def test_the_administrator_reads_the_webhook_and_replays_a_delivery(page):
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "admin", DEMO_PASSWORD)
    page.goto("/admin/webhooks/endpoint/")
    row = page.locator("#result_list tbody tr").filter(has_text="区城市运行中心数据中台")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("connection refused")
    shot(page, "webhook-endpoints")

    page.goto("/admin/webhooks/delivery/")
    first = page.locator("#result_list tbody tr").first
    first.locator("input.action-select").check()
    page.select_option("select[name=action]", "replay")
    page.locator("button[name=index]").click()
    expect(page.locator("ul.messagelist")).to_contain_text("重新推送")
    shot(page, "webhook-replayed")
