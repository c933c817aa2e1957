from types import SimpleNamespace

import pytest
from django.test import Client

from zhili.cases.models import Case, Category
from zhili.conftest import LAT, LON
from zhili.core.permissions import Role
from zhili.testing.factories import DepartmentFactory, UserFactory, grant

# A point inside grid g1 (翠平一网格) of the test city, outside compound k1.
IN_G1 = (LON + 0.0045, LAT + 0.0045)


def whistle(loop, point=IN_G1, **extra) -> Case:
    """A courier blows the whistle at `point` (grid g1) in the loop's category; `extra`
    overrides or adds any argument of report_case. `loop` is any namespace with courier and
    category (the loop fixture, the notifications' people)."""
    from zhili.cases.services.report import report_case

    values = {
        "actor": loop.courier,
        "category": loop.category,
        "description": "小区门口消防通道被占",
        "longitude": point[0],
        "latitude": point[1],
    }
    values.update(extra)
    return report_case(**values)


def as_user(client, user):
    """The test client, signed in as `user`."""
    client.force_login(user)
    return client


@pytest.fixture
def loop(cast, city, department):
    """A category led by 城管 (cast.handler's department), a second department with its own
    handler, and the test city's cast."""
    police = DepartmentFactory(code="ga", name="公安局", short_name="公安", jurisdiction=city.city)
    category = Category.objects.create(code="parking", name="乱停乱放", default_lead=department)
    return SimpleNamespace(
        category=category,
        cg=department,
        police=police,
        police_handler=grant(UserFactory(username="police"), Role.HANDLER, city.city, police),
        **vars(cast),
    )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Photos are written through the default storage: into a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def photo(colour=(200, 30, 30), name="photo.jpg", size=(64, 48)):
    """A small JPEG upload, distinct per colour."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def program():
    """A client that enforces CSRF, as a program's HTTP library would meet it."""
    return Client(enforce_csrf_checks=True)
