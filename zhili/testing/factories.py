import datetime as dt

import factory

from zhili.core.personal import id_check_character
from zhili.orgs.models import Department
from zhili.people.models import Person, RoleGrant, User
from zhili.places.models import Place


def square(lon: float, lat: float, size: float) -> dict:
    """A GeoJSON square with its south-west corner at (lon, lat)."""
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon, lat],
                [lon + size, lat],
                [lon + size, lat + size],
                [lon, lat + size],
                [lon, lat],
            ]
        ],
    }


def make_place(
    kind: str, code: str, name: str, parent: Place | None = None, boundary: dict | None = None
) -> Place:
    place = Place(kind=kind, code=code, name=name, parent=parent, boundary=boundary)
    place.set_tree_fields()
    place.set_bbox()
    place.save()
    return place


def valid_id_number(
    region: str = "360281", born: dt.date = dt.date(1980, 5, 17), seq: int = 12, male: bool = True
) -> str:
    """A GB 11643 ID number with the right check digit (seq: 0..99; the 17th digit = sex)."""
    sex_digit = (1 if male else 2) + (seq % 4) * 2
    first17 = f"{region}{born:%Y%m%d}{seq % 100:02d}{sex_digit}"
    return first17 + id_check_character(first17)


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"部门{n}")
    short_name = factory.Sequence(lambda n: f"部{n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"居民{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "Zhili-test-2026")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def grant(user: User, role: str, place: Place, department: Department | None = None) -> User:
    RoleGrant.objects.create(user=user, role=role, place=place, department=department)
    return user


PASSWORD = "Zhili-test-2026"
