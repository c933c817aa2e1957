"""Duplicates (并单): a nearby report of the same category is flagged; the centre merges it,
and every reporter of the merged cases follows the surviving case."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from zhili.cases.models import Case, CaseEvent, CaseFollower, CaseStatus, Category
from zhili.cases.selectors import cases_for, distance_metres, find_duplicates
from zhili.cases.services.coordination import merge_cases
from zhili.cases.services.flow import (
    accept_case,
    dispatch_case,
    handle_task,
    take_task,
    void_case,
)
from zhili.cases.services.report import report_case
from zhili.cases.tests.conftest import IN_G1
from zhili.core.errors import Conflict, Forbidden, InvalidInput

LON, LAT = IN_G1
# Metres to degrees of latitude, for points due south of IN_G1.
DEG_PER_METRE = 1 / 111_195


def report(loop, *, south=0.0, actor=None, category=None, key="") -> Case:
    return report_case(
        actor=actor or loop.courier,
        category=category or loop.category,
        description="占道",
        longitude=LON,
        latitude=LAT - south * DEG_PER_METRE,
        idempotency_key=key,
    )


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def test_the_distance_is_the_great_circle():
    assert distance_metres(LON, LAT, LON, LAT - 40 * DEG_PER_METRE) == pytest.approx(40, abs=0.1)


def test_a_report_close_to_an_open_case_is_flagged(loop):
    first = report(loop)
    near = report(loop, south=40, actor=loop.resident)
    far = report(loop, south=90, key="far")
    assert fresh(near).possible_duplicate_of == first
    assert fresh(far).possible_duplicate_of is None
    assert find_duplicates(far) == []
    assert find_duplicates(first) == []  # reported before the others
    assert [c.pk for c in find_duplicates(near)] == [first.pk]


def test_another_category_an_old_or_a_finished_case_is_no_duplicate(loop):
    other = Category.objects.create(code="noise", name="噪音", default_lead=loop.cg)
    first = report(loop)
    assert fresh(report(loop, south=10, category=other)).possible_duplicate_of is None
    Case.objects.filter(pk=first.pk).update(reported_at=timezone.now() - dt.timedelta(days=31))
    assert fresh(report(loop, south=10, key="old")).possible_duplicate_of is None
    recent = report(loop, south=30, key="recent")
    void_case(actor=loop.dispatcher, case=recent, reason="误报")
    Case.objects.exclude(pk=recent.pk).delete()
    assert fresh(report(loop, south=20, key="after void")).possible_duplicate_of is None


def test_the_distance_and_window_are_settings(loop, settings):
    first = report(loop)
    settings.CASE_DUPLICATE_METRES = 150
    assert fresh(report(loop, south=120, key="a")).possible_duplicate_of == first
    settings.CASE_DUPLICATE_DAYS = 1
    Case.objects.filter(pk=first.pk).update(reported_at=timezone.now() - dt.timedelta(days=2))
    assert report(loop, south=10, key="b").possible_duplicate_of.pk != first.pk


def test_a_merged_case_is_voided_and_its_reporters_follow_the_survivor(loop):
    survivor = report(loop)
    by_resident = report(loop, south=10, actor=loop.resident)
    by_courier = report(loop, south=20, key="again")
    with translation.override("en"):
        merge_cases(actor=loop.dispatcher, case=by_resident, into=by_courier)
        merge_cases(actor=loop.dispatcher, case=by_courier, into=survivor)
    merged = fresh(by_resident)
    assert (merged.status, merged.merged_into) == (CaseStatus.VOIDED, by_courier)
    assert merged.reason == f"merged into {by_courier.number}"
    followers = CaseFollower.objects.filter(case=survivor).values_list("user__username", flat=True)
    assert sorted(followers) == ["courier", "resident"]  # each once
    assert survivor in cases_for(loop.resident)
    entry = CaseEvent.objects.filter(case=by_courier, action="merge").get()
    assert (entry.from_status, entry.to_status, entry.actor) == (
        "reported",
        "voided",
        loop.dispatcher,
    )
    assert not CaseEvent.objects.filter(case=survivor, action="merge").exists()


def test_merging_cancels_the_orders_of_the_merged_case(loop):
    survivor = report(loop)
    duplicate = report(loop, south=10, key="2")
    accept_case(actor=loop.dispatcher, case=duplicate)
    dispatch_case(actor=loop.dispatcher, case=duplicate, lead=loop.cg)
    merge_cases(actor=loop.dispatcher, case=duplicate, into=survivor)
    assert fresh(duplicate).tasks.get().status == "cancelled"


def test_merging_is_refused_out_of_order_and_to_others(loop):
    first = report(loop)
    second = report(loop, south=10, key="2")
    with pytest.raises(InvalidInput) as excinfo:
        merge_cases(actor=loop.dispatcher, case=first, into=first)
    assert list(excinfo.value.fields) == ["into"]
    for who in ("coordinator", "secretary", "handler", "courier"):
        with pytest.raises(Forbidden):
            merge_cases(actor=getattr(loop, who), case=second, into=first)
    void_case(actor=loop.dispatcher, case=first, reason="误报")
    with pytest.raises(Conflict):  # nothing to merge into
        merge_cases(actor=loop.dispatcher, case=second, into=first)
    handled = report(loop, south=5, key="3")
    accept_case(actor=loop.dispatcher, case=handled)
    dispatch_case(actor=loop.dispatcher, case=handled, lead=loop.cg)
    task = handled.tasks.get()
    take_task(actor=loop.handler, task=task)
    handle_task(actor=loop.handler, task=task, result="ok")
    with pytest.raises(Conflict):  # the departments have done it: verify, don't merge
        merge_cases(actor=loop.dispatcher, case=handled, into=second)
    assert fresh(handled).status == CaseStatus.HANDLED
