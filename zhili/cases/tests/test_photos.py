"""Photos of a case: cleaned before anything is written, stored once, evidence on the order."""

import pytest
from django.core.files.storage import default_storage
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
from zhili.cases.services.photos import add_photos
from zhili.cases.tests.conftest import photo, whistle
from zhili.core.errors import Conflict, Forbidden, InvalidInput, NotFound

RED, BLUE, GREEN = (200, 30, 30), (30, 30, 200), (30, 200, 30)


def taken(loop):
    case = whistle(loop)
    accept_case(actor=loop.dispatcher, case=case)
    dispatch_case(actor=loop.dispatcher, case=case, lead=loop.cg)
    task = case.tasks.get()
    take_task(actor=loop.handler, task=task)
    return case, task


def test_a_report_keeps_its_photos_cleaned_and_each_once(loop):
    case = whistle(loop, photos=[photo(RED), photo(BLUE), photo(RED, name="again.jpg")])
    photos = list(case.photos.all())
    assert len(photos) == 2
    for row in photos:
        assert (row.kind, row.task, row.uploaded_by) == (PhotoKind.REPORT, None, loop.courier)
        assert (row.width, row.height) == (64, 48)
        assert default_storage.exists(row.image.name)
        assert default_storage.exists(row.thumbnail.name)
        assert row.image.name.startswith(f"cases/{case.pk}/")
    assert CaseEvent.objects.filter(case=case).count() == 1  # the report itself


def test_a_bad_photo_files_nothing(loop, settings):
    broken = SimpleUploadedFile("x.jpg", b"not a photo at all", content_type="image/jpeg")
    with pytest.raises(InvalidInput) as excinfo:
        whistle(loop, photos=[photo(RED), broken])
    assert list(excinfo.value.fields) == ["photos"]
    assert (Case.objects.count(), CasePhoto.objects.count()) == (0, 0)
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_at_most_the_configured_number_of_photos(loop, settings):
    settings.CASE_MAX_PHOTOS = 2
    with pytest.raises(InvalidInput) as excinfo:
        whistle(loop, photos=[photo(RED), photo(BLUE), photo(GREEN)])
    assert list(excinfo.value.fields) == ["photos"]
    assert Case.objects.count() == 0


def test_evidence_comes_with_the_handling_and_the_same_photo_is_stored_once(loop):
    case, task = taken(loop)
    CasePhoto.objects.all().delete()
    add_photos(actor=loop.courier, case=case, photos=[photo(RED)])
    handle_task(actor=loop.handler, task=task, result="已清理", photos=[photo(RED), photo(BLUE)])
    rows = list(CasePhoto.objects.filter(case=case).values_list("kind", "task"))
    assert rows == [(PhotoKind.REPORT, None), (PhotoKind.EVIDENCE, task.pk)]


def test_a_bad_evidence_photo_leaves_the_order_in_hand(loop):
    case, task = taken(loop)
    broken = SimpleUploadedFile("x.png", b"\x89PNG broken", content_type="image/png")
    with pytest.raises(InvalidInput):
        handle_task(actor=loop.handler, task=task, result="已清理", photos=[broken])
    task.refresh_from_db()
    assert (task.status, CasePhoto.objects.count()) == ("taken", 0)


def test_photos_added_later_are_on_the_timeline(loop):
    case, task = taken(loop)
    add_photos(actor=loop.courier, case=case, photos=[photo(RED)])
    add_photos(actor=loop.handler, case=case, task=task, photos=[photo(BLUE)])
    add_photos(actor=loop.grid_officer, case=case, photos=[photo(GREEN)])
    kinds = list(case.photos.values_list("kind", flat=True))
    assert kinds == ["report", "evidence", "evidence"]
    steps = list(CaseEvent.objects.filter(case=case, action="photo").values_list("actor_label"))
    assert steps == [("courier",), ("handler",), ("grid_officer",)]
    # The same photo again stores nothing and writes no step.
    assert add_photos(actor=loop.courier, case=case, photos=[photo(RED)]) == []
    assert CaseEvent.objects.filter(case=case, action="photo").count() == 3


def test_who_may_add_photos(loop):
    case, task = taken(loop)
    for who in ("resident", "outsider", "police_handler", "other_secretary"):
        with pytest.raises(Forbidden):
            add_photos(actor=getattr(loop, who), case=case, photos=[photo(RED)])
    with pytest.raises(NotFound):  # another department's order
        add_photos(actor=loop.police_handler, case=case, task=task, photos=[photo(RED)])
    handle_task(actor=loop.handler, task=task, result="ok")
    verify_case(actor=loop.grid_officer, case=case, passed=True)
    close_case(actor=loop.dispatcher, case=case)
    with pytest.raises(Conflict):
        add_photos(actor=loop.courier, case=case, photos=[photo(RED)])
    with pytest.raises(InvalidInput):
        add_photos(actor=loop.handler, case=case, task=task, photos=[photo(RED)])
    assert CasePhoto.objects.count() == 0
