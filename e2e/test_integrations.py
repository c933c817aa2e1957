"""Zhili's doors to other systems, used as their users use them: a citizen app files a case
through Open311 over plain HTTP and follows it while the centre accepts it on a phone; the
couriers' app sends whistles to the fast intake and follows its receipts while the worker
files them; the administrator reads the data platform's webhook endpoint and replays a
delivery."""

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request

from defusedxml import ElementTree as SafeET
from playwright.sync_api import expect

from e2e.conftest import login, shot, zhili
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


def call(url: str, token: str, payload: dict | None = None, key: str = "") -> tuple[int, dict]:
    """A program's JSON call with its API token; (status, answer), errors included."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read()), answer.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers


def follow(url: str, token: str, seconds: float = 30) -> dict:
    """Poll a receipt until the worker has filed or refused it."""
    deadline = time.monotonic() + seconds
    while True:
        _status, receipt, _headers = call(url, token)
        if receipt["status"] != "pending" or time.monotonic() > deadline:
            return receipt
        time.sleep(0.3)


def test_the_couriers_app_whistles_through_the_fast_intake(server, page):
    token = zhili("api-token", "courier", "快递小哥App").strip().splitlines()[-1]
    # A point in the city: where a request of the citizen app was.
    earlier = json.loads(fetch(f"{server}/open311/v2/requests.json"))[0]
    _status, categories, _ = call(f"{server}/api/v1/categories/", token)
    [manhole] = [c["id"] for c in categories if c["name"] == "设施损坏"]
    whistle = {
        "category_id": manhole,
        "description": "快递途中发现：人行道井盖缺失，夜里有人险些踩空",
        "longitude": float(earlier["long"]),
        "latitude": float(earlier["lat"]),
        "address": "e2e 快递途中",
    }
    status, receipt, headers = call(f"{server}/api/v1/reports/", token, whistle, key="e2e-w1")
    assert status == 202 and receipt["status"] == "pending"
    location = f"{server}{headers['Location']}"
    # The app lost the answer and sends again: the same receipt.
    status, again, _ = call(f"{server}/api/v1/reports/", token, whistle, key="e2e-w1")
    assert status == 200 and again["id"] == receipt["id"]

    filed = follow(location, token)
    assert filed["status"] == "filed" and filed["status_label"] == "已登记", filed
    number = filed["case_number"]
    status, case, _ = call(f"{server}{filed['case_url']}", token)
    assert status == 200 and case["number"] == number and case["channel"] == "courier"

    # A phone that sends a point far outside the city is told why, in Chinese.
    far = dict(whistle, longitude=116.397, latitude=39.908)
    status, refused, headers = call(f"{server}/api/v1/reports/", token, far, key="e2e-w2")
    assert status == 202
    refused = follow(f"{server}{headers['Location']}", token)
    assert refused["status"] == "refused" and refused["status_label"] == "未予登记"
    assert refused["errors"]["fields"]["longitude"] == ["该位置不在任何已知地点范围内。"]

    # The centre sees the whistle on its workbench, filed once.
    login(page, "dispatcher", DEMO_PASSWORD)
    page.goto(f"/cases/?number={number}")
    row = page.locator(f"[data-testid=queue-row][data-case='{number}']")
    expect(row).to_have_count(1)
    row.get_by_role("link", name=number).click()
    expect(page.get_by_text("人行道井盖缺失")).to_be_visible()
    shot(page, "intake-case-on-workbench")
