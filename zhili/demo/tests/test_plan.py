"""The demo city's people and accounts as data: valid records, a plausible mix, one seed
one city. No database needed: `plan_city` is a pure function."""

import re
from collections import Counter

import pytest

from zhili.core.personal import id_birth_date, id_gender, validate_id_number
from zhili.demo.plan import DEFAULT_SEED, PEOPLE_COUNT, plan_city
from zhili.people.models import PARTY_STATUSES, PoliticalStatus
from zhili.places.models import PlaceKind


@pytest.fixture(scope="module")
def plan():
    return plan_city(DEFAULT_SEED)


def test_id_numbers_are_valid_unique_and_agree_with_birth_date_and_gender(plan):
    assert len(plan.people) == PEOPLE_COUNT
    for person in plan.people:
        number = validate_id_number(person.id_number)
        assert number.startswith("360281")
        assert id_birth_date(number) == person.birth_date
        assert id_gender(number) == person.gender
        assert 1945 <= person.birth_date.year <= 2004
    assert len({p.id_number for p in plan.people}) == PEOPLE_COUNT


def test_phones_are_unique_mobile_numbers_across_people_and_accounts(plan):
    phones = [p.phone for p in plan.people]
    phones += [a.phone for a in plan.accounts if a.person_index is None]
    assert all(re.fullmatch(r"1[35789]\d{9}", p) for p in phones)
    assert len(set(phones)) == len(phones)


def test_political_status_mix_and_party_member_status(plan):
    statuses = Counter(p.political_status for p in plan.people)
    party_share = (statuses[PoliticalStatus.PARTY] + statuses[PoliticalStatus.PROBATIONARY]) / len(
        plan.people
    )
    assert 0.12 < party_share < 0.19
    assert statuses[PoliticalStatus.MASSES] > len(plan.people) / 2
    assert statuses[PoliticalStatus.LEAGUE] > 20
    assert 0 < statuses[PoliticalStatus.PROBATIONARY] < 40
    for person in plan.people:
        assert bool(person.party_member_status) == (person.political_status in PARTY_STATUSES)


def test_people_live_in_grids_and_compounds_with_an_address(plan):
    kinds = {p.code: p.kind for p in plan.places}
    for person in plan.people:
        assert kinds[person.place_code] in (PlaceKind.GRID, PlaceKind.COMPOUND)
        if kinds[person.place_code] == PlaceKind.COMPOUND:
            assert re.fullmatch(r"\d+栋\d单元\d{3,4}", person.address_detail)
        else:
            assert person.address_detail.endswith("号")
    assert {p.origin for p in plan.people} == {"乐平市本地", "景德镇市", "江西省其他地区", "外省"}


def test_the_same_seed_gives_the_same_city_and_another_seed_other_people():
    first, again, other = plan_city(7), plan_city(7), plan_city(8)
    assert first == again
    assert other.places == first.places
    assert [p.id_number for p in other.people] != [p.id_number for p in first.people]
    assert [p.name for p in other.people] != [p.name for p in first.people]
