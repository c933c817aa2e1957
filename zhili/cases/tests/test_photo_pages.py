"""Photos added to a case later, from the case page's camera input and over the API: by
whoever services.photos.add_photos permits, shown with who added them and when, on the
timeline; a bad photo, too many or a closed case add none."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from zhili.cases.models import Case, CaseEvent, CasePhoto, PhotoKind
from zhili.cases.services.flow import (
    accept_case,
    close_case,
    dispatch_case,
    handle_task,
    take_task,
    verify_case,
)
from zhili.cases.tests.conftest import as_user, photo, whistle
from zhili.people.tests.helpers import zh
from zhili.people.tests.html import parse

RED, GREEN, BLUE = (200, 30, 30), (30, 160, 60), (30, 60, 200)


def dispatched(loop, **extra) -> Case:
    case = whistle(loop, **extra)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    return Case.objects.get(pk=case.pk)


def marked(response, testid):
    return parse(response.content).find_all(data_testid=testid)


def errors_of(response, field) -> list[str]:
    return [li.text() for el in marked(response, f"error-{field}") for li in el.find_all("li")]


def add(client, case, *photos):
    return client.post(f"/cases/{case.pk}/photos/", {"photo-photos": list(photos)})


def timeline(response) -> list[str]:
    return [li.attrs["data-action"] for li in marked(response, "timeline")[0].find_all("li")]


def test_the_grid_officer_adds_photos_from_the_phones_camera(client, loop):
    case = whistle(loop, photos=[photo(RED)])
    page = as_user(client, loop.grid_officer).get(f"/cases/{case.pk}/")
    [form] = marked(page, "add-photos")
    assert form.attrs["enctype"] == "multipart/form-data"
    [upload] = form.find_all("input", type="file")
    assert upload.attrs["capture"] == "environment" and upload.attrs["accept"].startswith("image/")
    assert "multiple" in upload.attrs

    response = add(client, case, photo(GREEN), photo(BLUE))

    assert response.status_code == 302 and response.url == f"/cases/{case.pk}/"
    page = client.get(response.url)
    shots = marked(page, "case-photo")
    assert [s.attrs["data-kind"] for s in shots] == ["report", "evidence", "evidence"]
    by = [s.find_all(data_testid="photo-by")[0].text() for s in shots]
    assert by == [str(loop.courier), str(loop.grid_officer), str(loop.grid_officer)]
    assert all(s.find_all("time")[0].attrs["datetime"] for s in shots)
    assert timeline(page)[-1] == "photo"
    assert CaseEvent.objects.filter(case=case, action="photo").count() == 1
    # Sent again, the same photo is not stored twice.
    add(client, case, photo(GREEN))
    assert case.photos.count() == 3


def test_the_reporter_and_the_department_with_its_order_in_hand_add_theirs(client, loop):
    case = dispatched(loop)
    task = case.tasks.get()

    # The department sees the case but adds evidence only once it has taken the order.
    page = as_user(client, loop.handler).get(f"/cases/{case.pk}/")
    assert not marked(page, "add-photos")
    assert add(client, case, photo(RED)).status_code == 403
    take_task(actor=loop.handler, task=task)
    assert marked(client.get(f"/cases/{case.pk}/"), "add-photos")
    assert add(client, case, photo(RED)).status_code == 302
    evidence = CasePhoto.objects.get(case=case)
    assert (evidence.kind, evidence.task_id, evidence.uploaded_by) == (
        PhotoKind.EVIDENCE,
        task.pk,
        loop.handler,
    )

    assert marked(as_user(client, loop.courier).get(f"/cases/{case.pk}/"), "add-photos")
    add(client, case, photo(GREEN))
    mine = CasePhoto.objects.get(case=case, uploaded_by=loop.courier)
    assert (mine.kind, mine.task_id) == (PhotoKind.REPORT, None)


def test_who_may_not_add_photos(client, loop, city):
    case = whistle(loop)
    url = f"/cases/{case.pk}/photos/"
    assert client.post(url, {"photo-photos": [photo()]}).status_code == 302  # to sign in
    # Sees the case but neither reported it nor checks it on the spot.
    page = as_user(client, loop.secretary).get(f"/cases/{case.pk}/")
    assert not marked(page, "add-photos")
    assert add(client, case, photo()).status_code == 403
    # Not within their area, or another department's case: "not found".
    for user in (loop.other_secretary, loop.police_handler, loop.resident, loop.outsider):
        assert add(as_user(client, user), case, photo()).status_code == 404
    assert as_user(client, loop.grid_officer).get(url).status_code == 405
    assert not CasePhoto.objects.exists()
    assert not CaseEvent.objects.filter(action="photo").exists()


def test_a_bad_photo_or_too_many_add_none(client, loop, settings):
    case = whistle(loop)
    as_user(client, loop.grid_officer)

    nothing = client.post(f"/cases/{case.pk}/photos/", {})
    assert nothing.status_code == 200
    assert errors_of(nothing, "photos") == [zh("Choose at least one photo.")]

    not_a_photo = SimpleUploadedFile("note.jpg", b"not an image at all", "image/jpeg")
    bad = add(client, case, photo(RED), not_a_photo)
    assert bad.status_code == 200 and errors_of(bad, "photos")
    # The form stays open with its error.
    assert "open" in marked(bad, "add-photos-box")[0].attrs

    settings.CASE_MAX_PHOTOS = 2
    many = add(client, case, photo(RED), photo(GREEN), photo(BLUE))
    assert errors_of(many, "photos") == [zh("At most %(n)d photos.") % {"n": 2}]

    assert not CasePhoto.objects.exists()
    assert Case.objects.get(pk=case.pk).version == case.version
    assert "photo" not in timeline(client.get(f"/cases/{case.pk}/"))


def closed(loop) -> Case:
    case = dispatched(loop)
    task = case.tasks.get()
    take_task(actor=loop.handler, task=task)
    handle_task(actor=loop.handler, task=task, result="已补装井盖")
    verify_case(actor=loop.grid_officer, case=case, passed=True)
    close_case(actor=loop.dispatcher, case=case)
    return Case.objects.get(pk=case.pk)


def test_a_closed_case_takes_no_more_photos(client, loop):
    case = closed(loop)
    page = as_user(client, loop.grid_officer).get(f"/cases/{case.pk}/")
    assert not marked(page, "add-photos")
    refused = add(client, case, photo())
    assert refused.status_code == 409
    assert not CasePhoto.objects.filter(case=case).exists()


# --- Over the API -------------------------------------------------------------------------------


def api_add(client, case, *photos, **fields):
    return client.post(f"/api/v1/cases/{case.pk}/photos", {"photos": list(photos), **fields})


def test_the_api_adds_photos_with_who_and_when(client, loop):
    case = whistle(loop)
    response = api_add(as_user(client, loop.grid_officer), case, photo(RED), photo(GREEN))
    assert response.status_code == 201
    body = response.json()
    assert [p["added_by"] for p in body["photos"]] == ["grid_officer", "grid_officer"]
    assert all(p["added_at"] and p["kind"] == "evidence" for p in body["photos"])
    assert body["timeline"][-1]["action"] == "photo"
    # Each already on the case: nothing added, nothing on the timeline.
    again = api_add(client, case, photo(RED))
    assert again.status_code == 200 and len(again.json()["photos"]) == 2
    assert CaseEvent.objects.filter(case=case, action="photo").count() == 1


def test_the_api_names_the_order_and_answers_a_stale_version(client, loop):
    case = dispatched(loop)
    task = case.tasks.get()
    take_task(actor=loop.handler, task=task)
    as_user(client, loop.handler)
    stale = api_add(client, case, photo(RED), task=task.pk, version=case.version)
    assert stale.status_code == 409
    current = Case.objects.get(pk=case.pk).version
    done = api_add(client, case, photo(RED), task=task.pk, version=current)
    assert done.status_code == 201
    assert CasePhoto.objects.get(case=case).task_id == task.pk


@pytest.mark.parametrize("count", [0, 3])
def test_the_api_answers_bad_photos_with_the_field(client, loop, settings, count):
    settings.CASE_MAX_PHOTOS = 2
    case = whistle(loop)
    shots = [photo((40 * n, 0, 0)) for n in range(count)]
    response = api_add(as_user(client, loop.grid_officer), case, *shots)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["photos"]
    broken = api_add(client, case, SimpleUploadedFile("x.png", b"\x89PNG broken", "image/png"))
    assert broken.status_code == 400 and list(broken.json()["fields"]) == ["photos"]
    assert not CasePhoto.objects.exists()


def test_the_api_refuses_as_the_page_does(client, loop):
    case = whistle(loop)
    assert api_add(as_user(client, loop.secretary), case, photo()).status_code == 403
    assert api_add(as_user(client, loop.other_secretary), case, photo()).status_code == 404
    assert api_add(as_user(client, loop.resident), case, photo()).status_code == 404
    assert not CasePhoto.objects.exists()
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/cases/{case_id}/photos" in paths
