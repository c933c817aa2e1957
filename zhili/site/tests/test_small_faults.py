"""Small faults a first user met: an empty log-in said nothing; the industry branch's list of
places stopped at 30 with no way on."""

import pytest

from zhili.people.tests.helpers import zh
from zhili.people.tests.html import parse
from zhili.testing.factories import make_place


def test_an_empty_log_in_says_what_is_missing(client, db):
    response = client.post("/login/", {"username": "", "password": ""})

    assert response.status_code == 200
    page = parse(response.content)
    [username] = page.find_all(data_testid="username-error")
    [password] = page.find_all(data_testid="password-error")
    assert username.text() == zh("Enter your username or phone number.") == "请输入用户名或手机号。"
    assert password.text() == zh("Enter your password.") == "请输入密码。"


def test_a_log_in_without_a_password_names_the_password(client, town):
    response = client.post("/login/", {"username": "industry", "password": ""})

    page = parse(response.content)
    assert page.find_all(data_testid="username-error") == []
    assert [e.text() for e in page.find_all(data_testid="password-error")] == ["请输入密码。"]


@pytest.fixture
def many_compounds(town):
    """70 more compounds in 翠平社区: the city now has 80 places."""
    for n in range(70):
        make_place("compound", f"3602810010019{n:02d}", f"小区{n:02d}", town.city.c1)
    return town


def served(client, page=None) -> tuple[str, list[str], list[str]]:
    response = client.get("/" + (f"?page={page}" if page else ""))
    html = parse(response.content)
    names = [a.text() for a in html.find_all(data_testid="served-places")[0].find_all("a")]
    pager = [
        a.text() for nav in html.find_all("nav", **{"class": "pager"}) for a in nav.find_all("a")
    ]
    return html.find_all(data_testid="places-count")[0].text(), names, pager


def test_the_industry_branch_pages_through_every_place(client, many_compounds):
    client.force_login(many_compounds.cast.industry_branch)

    count, first, pager = served(client)
    assert count == "80"
    assert len(first) == 30
    assert pager == [zh("Next")]

    seen = list(first)
    for page in (2, 3):
        _, names, _ = served(client, page)
        seen += names
    assert len(seen) == 80 and len(set(seen)) == 80
    _, last, pager = served(client, 3)
    assert len(last) == 20
    assert pager == [zh("Previous")]
