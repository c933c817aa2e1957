"""The department pages, tried by each kind of visitor."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhili.core.permissions import Role
from zhili.orgs.services import update_department
from zhili.testing.factories import DepartmentFactory, UserFactory, grant

LIST = reverse("orgs:list")


def _detail(department) -> str:
    return reverse("orgs:detail", args=[department.pk])


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_the_departments_serving_the_visitors_area(
    client, cast, department, street_office, community_office
):
    page = _page(client, cast.secretary, LIST)
    assert _detail(department) in page  # serves the whole city, hers included
    assert _detail(community_office) in page  # serves her community
    assert _detail(street_office) not in page  # serves the other street only

    page = _page(client, cast.other_secretary, LIST)
    assert _detail(street_office) in page and _detail(department) in page
    assert _detail(community_office) not in page

    page = _page(client, cast.dispatcher, LIST)
    assert all(_detail(d) in page for d in (department, street_office, community_office))


def test_the_list_links_each_department_with_its_duty_phone(client, cast, department):
    department.duty_phone = "0798-6812345"
    department.save()
    page = _page(client, cast.dispatcher, LIST)
    assert f'{_detail(department)}">城市管理局</a></td><td>0798-6812345</td>' in page


@pytest.mark.parametrize("who", ["property_company", "owners_committee", "volunteer", "outsider"])
def test_the_list_is_forbidden_without_the_capability(client, cast, who):
    client.force_login(getattr(cast, who))
    assert client.get(LIST).status_code == 403


def test_the_list_sends_an_anonymous_visitor_to_log_in(client, department):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={LIST}"


def test_the_list_refuses_a_post(client, cast):
    client.force_login(cast.admin)
    assert client.post(LIST).status_code == 405


def test_the_list_costs_the_same_queries_however_many_departments(client, cast, city, department):
    client.force_login(cast.dispatcher)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _ in range(5):
        extra = DepartmentFactory(jurisdiction=city.s1)
        grant(UserFactory(), Role.HANDLER, city.s1, extra)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many) == len(few)


def test_a_department_page_names_its_handlers(client, cast, department):
    page = _page(client, cast.secretary, _detail(department))
    assert "城市管理局" in page and "城管" in page
    assert f'<dd data-testid="fact">{cast.handler}</dd>' in page


def test_a_department_page_leaves_out_disabled_handlers(client, cast, city, department):
    retired = grant(
        UserFactory(is_active=False, full_name="退休办理人"), Role.HANDLER, city.city, department
    )
    page = _page(client, cast.dispatcher, _detail(department))
    assert f'<dd data-testid="fact">{cast.handler}</dd>' in page
    assert str(retired) not in page


def test_another_streets_department_is_not_found(client, cast, street_office):
    client.force_login(cast.secretary)
    assert client.get(_detail(street_office)).status_code == 404
    assert client.get(reverse("orgs:detail", args=[987654])).status_code == 404


@pytest.mark.parametrize("who", ["property_company", "outsider"])
def test_a_department_page_is_forbidden_without_the_capability(client, cast, department, who):
    client.force_login(getattr(cast, who))
    assert client.get(_detail(department)).status_code == 403


def test_a_department_page_sends_an_anonymous_visitor_to_log_in(client, department):
    response = client.get(_detail(department))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_department_page_refuses_a_post(client, cast, department):
    client.force_login(cast.admin)
    assert client.post(_detail(department)).status_code == 405


def test_the_change_history_shows_only_to_who_may_audit_its_jurisdiction(
    client, cast, department, community_office
):
    update_department(actor=cast.admin, department=department, duty_phone="0798-12319")
    update_department(actor=cast.admin, department=community_office, short_name="物业办")

    page = _page(client, cast.admin, _detail(department))
    assert 'id="audit-trail"' in page and "department.update" in page
    assert "值班电话</span>" in page  # the field's label in the trail
    # The secretary audits her community, not the whole city the department serves,
    page = _page(client, cast.secretary, _detail(department))
    assert 'id="audit-trail"' not in page and "department.update" not in page
    # but she does audit the office that serves her community only.
    page = _page(client, cast.secretary, _detail(community_office))
    assert 'id="audit-trail"' in page and "翠平物业 → 物业办" in page
    page = _page(client, cast.dispatcher, _detail(department))
    assert 'id="audit-trail"' not in page
