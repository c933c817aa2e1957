"""The demo city as plain data: `plan_city(seed)` is a pure function of its seed.

The map (`geography.plan_places`) does not depend on the seed: a city's geography stays
put, and the demo journeys can name 翠平社区第一网格. The seed chooses the people and the
account holders. Everything random comes from one `random.Random`, never the global one.
"""

import datetime as dt
import random
from dataclasses import dataclass

from zhili.core.permissions import Role
from zhili.core.personal import id_check_character
from zhili.demo import data
from zhili.demo.geography import PlacePlan, plan_places
from zhili.people.models import Education, Gender, PartyMemberStatus, PoliticalStatus
from zhili.places.models import PlaceKind

DEFAULT_SEED = 2026
PEOPLE_COUNT = 2000
# The source's whistle-blowing couriers (快递小哥): the demo account `courier` and 146 more,
# courier002 …, residents of the city drawn from the population (not listed at the login).
COURIER_COUNT = 147
# Ages are counted at this date, not today, so that a plan never changes as time passes.
REFERENCE_DATE = dt.date(2026, 1, 1)
_CITY = data.CITY[0]
_BOYANG, _TASHAN = (code for code, _name, _rows in data.STREETS)


@dataclass(frozen=True)
class PersonPlan:
    name: str
    gender: str
    birth_date: dt.date
    id_number: str
    phone: str
    political_status: str
    party_member_status: str
    education: str
    origin: str
    place_code: str
    address_detail: str


@dataclass(frozen=True)
class AccountPlan:
    username: str
    role: str
    full_name: str
    phone: str
    place_code: str
    department_code: str = ""
    person_index: int | None = None  # the account holder's row in CityPlan.people
    is_admin: bool = False


@dataclass(frozen=True)
class CityPlan:
    seed: int
    places: list[PlacePlan]
    people: list[PersonPlan]
    accounts: list[AccountPlan]


# The demo accounts in the order the command lists them.
DEMO_USERNAMES = (
    "admin",
    "dispatcher",
    "coordinator",
    "secretary",
    "gridofficer",
    *(f"handler_{code}" for code, *_ in data.DEPARTMENTS),
    "industry",
    "property",
    "owners",
    "volunteer",
    "courier",
    "resident",
)


# --- The people -------------------------------------------------------------------------------

_SURNAME_WEIGHTS = [1 / (i + 4) for i in range(len(data.SURNAMES))]
_BIRTH_DECADES = [1945, 1955, 1965, 1975, 1985, 1995]
_BIRTH_DECADE_WEIGHTS = [12, 18, 20, 18, 17, 15]
_EDUCATION_BY_AGE = [  # (from age, {level: weight})
    (
        66,
        {
            Education.PRIMARY: 40,
            Education.JUNIOR: 35,
            Education.SENIOR: 18,
            Education.COLLEGE: 5,
            Education.BACHELOR: 2,
        },
    ),
    (
        46,
        {
            Education.PRIMARY: 10,
            Education.JUNIOR: 38,
            Education.SENIOR: 32,
            Education.COLLEGE: 12,
            Education.BACHELOR: 7,
            Education.POSTGRADUATE: 1,
        },
    ),
    (
        31,
        {
            Education.PRIMARY: 3,
            Education.JUNIOR: 25,
            Education.SENIOR: 30,
            Education.COLLEGE: 22,
            Education.BACHELOR: 17,
            Education.POSTGRADUATE: 3,
        },
    ),
    (
        0,
        {
            Education.JUNIOR: 12,
            Education.SENIOR: 28,
            Education.COLLEGE: 30,
            Education.BACHELOR: 26,
            Education.POSTGRADUATE: 4,
        },
    ),
]


def _age(born: dt.date) -> int:
    return (
        REFERENCE_DATE.year
        - born.year
        - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (born.month, born.day))
    )


class _Census:
    """Draws people from one seeded generator, keeping phone and ID numbers unique."""

    def __init__(self, rng: random.Random, places: list[PlacePlan]):
        self.rng = rng
        self.phones: set[str] = set()
        self.id_numbers: set[str] = set()
        self.homes: dict[str, tuple[list[str], list[str]]] = {}  # community: (grids, compounds)
        self.places = {p.code: p for p in places}
        for p in places:
            if p.kind in (PlaceKind.GRID, PlaceKind.COMPOUND):
                grids, compounds = self.homes.setdefault(p.parent_code, ([], []))
                (grids if p.kind == PlaceKind.GRID else compounds).append(p.code)

    def name(self, gender: str) -> str:
        rng = self.rng
        given = data.MALE_GIVEN if gender == Gender.MALE else data.FEMALE_GIVEN
        size = 2 if rng.random() < 0.7 else 1
        surname = rng.choices(data.SURNAMES, weights=_SURNAME_WEIGHTS)[0]
        return surname + "".join(rng.choice(given) for _ in range(size))

    def phone(self) -> str:
        while True:
            number = self.rng.choice(data.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def id_number(self, born: dt.date, gender: str) -> str:
        # GB 11643: region, birth date, a 3-digit sequence whose last digit is odd for men.
        digits = "13579" if gender == Gender.MALE else "02468"
        while True:
            first17 = f"360281{born:%Y%m%d}{self.rng.randrange(100):02d}{self.rng.choice(digits)}"
            number = first17 + id_check_character(first17)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def birth_date(self, years: tuple[int, int] | None) -> dt.date:
        rng = self.rng
        if years is None:  # the whole population, born 1945-2004, by decade
            first = rng.choices(_BIRTH_DECADES, weights=_BIRTH_DECADE_WEIGHTS)[0]
            years = (first, first + 9)
        start, end = dt.date(years[0], 1, 1), dt.date(years[1], 12, 31)
        return start + dt.timedelta(days=rng.randrange((end - start).days + 1))

    def political(self, age: int, gender: str) -> tuple[str, str]:
        rng = self.rng
        if age <= 28 and rng.random() < 0.4:  # League membership ends at 28
            return PoliticalStatus.LEAGUE, ""
        draw = rng.random()
        if 20 <= age <= 40 and draw < 0.02:
            return PoliticalStatus.PROBATIONARY, PartyMemberStatus.IN_SERVICE
        if age >= 22 and draw < 0.15:
            retired = age >= 60 or (gender == Gender.FEMALE and age >= 55 and rng.random() < 0.6)
            return PoliticalStatus.PARTY, (
                PartyMemberStatus.RETIRED if retired else PartyMemberStatus.IN_SERVICE
            )
        return PoliticalStatus.MASSES, ""

    def education(self, age: int) -> str:
        weights = next(w for floor, w in _EDUCATION_BY_AGE if age >= floor)
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def home(self, community: str | None) -> str:
        """A grid or compound of the community (of any, if None)."""
        rng = self.rng
        grids, compounds = self.homes[community or rng.choice(sorted(self.homes))]
        if compounds and rng.random() < 0.55:
            return rng.choice(compounds)
        return rng.choice(grids)

    def address(self, place_code: str) -> str:
        """A flat in a compound (3栋2单元501), else a house on a street of the community."""
        rng, place = self.rng, self.places[place_code]
        if place.kind == PlaceKind.COMPOUND:
            return (
                f"{rng.randint(1, 16)}栋{rng.randint(1, 3)}单元"
                f"{rng.randint(1, 11)}{rng.randint(1, 4):02d}"
            )
        stem = self.places[place.parent_code].name.removesuffix("社区")
        return f"{stem}{rng.choice(data.ROAD_SUFFIXES)}{rng.randint(1, 220)}号"

    def person(
        self,
        *,
        gender: str | None = None,
        years: tuple[int, int] | None = None,
        political: tuple[str, str] | None = None,
        education: str | None = None,
        origin: str | None = None,
        community: str | None = None,
        place_code: str | None = None,
    ) -> PersonPlan:
        """A person drawn at random; keywords fix what an account holder's role requires."""
        rng = self.rng
        gender = gender or rng.choice([Gender.MALE, Gender.FEMALE])
        born = self.birth_date(years)
        age = _age(born)
        status, party_status = political or self.political(age, gender)
        place_code = place_code or self.home(community)
        detail = self.address(place_code)
        origin = (
            origin
            or rng.choices([o for o, _ in data.ORIGINS], weights=[w for _, w in data.ORIGINS])[0]
        )
        return PersonPlan(
            name=self.name(gender),
            gender=gender,
            birth_date=born,
            id_number=self.id_number(born, gender),
            phone=self.phone(),
            political_status=status,
            party_member_status=party_status,
            education=education or self.education(age),
            origin=origin,
            place_code=place_code,
            address_detail=detail,
        )


def _account_holders(census: _Census, places: list[PlacePlan]) -> dict[str, PersonPlan]:
    """The people behind the member accounts, each drawn to fit the role."""
    cuiping = next(p for p in places if p.kind == PlaceKind.COMMUNITY)  # 翠平社区
    first_grid = f"{cuiping.code}001"
    first_compound = f"{cuiping.code}501"
    tashan = next(p for p in places if p.kind == PlaceKind.COMMUNITY and p.parent_code == _TASHAN)
    party_in_service = (PoliticalStatus.PARTY, PartyMemberStatus.IN_SERVICE)
    return {
        "secretary": census.person(
            years=(1968, 1980),
            political=party_in_service,
            education=Education.BACHELOR,
            origin="乐平市本地",
            community=cuiping.code,
        ),
        "gridofficer": census.person(
            years=(1986, 1996),
            political=party_in_service,
            education=Education.COLLEGE,
            origin="乐平市本地",
            place_code=first_grid,
        ),
        "volunteer": census.person(
            years=(1952, 1962),
            political=(PoliticalStatus.PARTY, PartyMemberStatus.RETIRED),
            community=cuiping.code,
        ),
        "courier": census.person(
            gender=Gender.MALE,
            years=(1993, 2001),
            political=(PoliticalStatus.MASSES, ""),
            education=Education.SENIOR,
            origin="外省",
            community=tashan.code,
        ),
        "resident": census.person(
            years=(1975, 1990), political=(PoliticalStatus.MASSES, ""), place_code=first_compound
        ),
    }


def plan_city(seed: int = DEFAULT_SEED, people: int = PEOPLE_COUNT) -> CityPlan:
    """The whole demo city for `seed`, as data; the same seed always gives the same city."""
    places = plan_places()
    census = _Census(random.Random(seed), places)
    holders = _account_holders(census, places)
    population = list(holders.values())
    population += [census.person() for _ in range(people - len(population))]
    index = {username: i for i, username in enumerate(holders)}
    community = next(p for p in places if p.kind == PlaceKind.COMMUNITY)

    def staff(username, role, place_code, department_code="", is_admin=False):
        return AccountPlan(
            username,
            role,
            census.name(census.rng.choice(list(Gender))),
            census.phone(),
            place_code,
            department_code,
            is_admin=is_admin,
        )

    def member(username, role, place_code):
        person = holders[username]
        return AccountPlan(
            username, role, person.name, person.phone, place_code, person_index=index[username]
        )

    accounts = [
        staff("admin", Role.ADMIN, _CITY, is_admin=True),
        staff("dispatcher", Role.DISPATCHER, _CITY),
        staff("coordinator", Role.STREET_COORDINATOR, _BOYANG),
        member("secretary", Role.COMMUNITY_SECRETARY, community.code),
        member("gridofficer", Role.GRID_OFFICER, f"{community.code}001"),
        *(staff(f"handler_{code}", Role.HANDLER, _CITY, code) for code, *_ in data.DEPARTMENTS),
        staff("industry", Role.INDUSTRY_BRANCH, _CITY),
        staff("property", Role.PROPERTY_COMPANY, f"{community.code}501"),
        staff("owners", Role.OWNERS_COMMITTEE, f"{community.code}501"),
        member("volunteer", Role.VOLUNTEER, community.code),
        member("courier", Role.COURIER, _CITY),
        member("resident", Role.RESIDENT, f"{community.code}501"),
    ]
    # The other couriers: working-age residents who hold no account yet.
    working_age = [
        i
        for i in range(len(holders), len(population))
        if 20 <= _age(population[i].birth_date) <= 50
    ]
    for n, i in enumerate(census.rng.sample(working_age, COURIER_COUNT - 1), start=2):
        person = population[i]
        accounts.append(
            AccountPlan(
                f"courier{n:03d}", Role.COURIER, person.name, person.phone, _CITY, person_index=i
            )
        )
    return CityPlan(seed=seed, places=places, people=population, accounts=accounts)
