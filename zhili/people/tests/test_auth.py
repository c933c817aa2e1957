"""Signing in with a username or a phone number; lockout after repeated failures; argon2."""

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.test import override_settings
from django.utils import timezone

import zhili.settings as configured
from zhili.people import services
from zhili.people.models import User
from zhili.people.tests.helpers import AuditWatch, zh
from zhili.people.tests.html import by_testid, one_testid
from zhili.testing.factories import PASSWORD, UserFactory

PHONE = "13900000001"


@pytest.fixture
def zhangsan(db):
    return UserFactory(username="zhangsan", full_name="张三", phone=PHONE)


def sign_in(client, username, password=PASSWORD):
    return client.post("/login/", {"username": username, "password": password})


def signed_in_as(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def login_error(response) -> str:
    return one_testid(response.content, "login-error")


def test_the_login_page_asks_for_username_or_phone(client, db):
    response = client.get("/login/")

    assert response.status_code == 200
    assert zh("Username or phone") in response.content.decode()
    assert by_testid(response.content, "login-error") == []


def test_sign_in_with_the_username_goes_home(client, zhangsan):
    response = sign_in(client, "zhangsan")

    assert (response.status_code, response["Location"]) == (302, "/")
    assert signed_in_as(client) == zhangsan.pk


def test_the_username_is_not_case_sensitive(client, zhangsan):
    sign_in(client, "ZhangSan")

    assert signed_in_as(client) == zhangsan.pk


@pytest.mark.parametrize(
    "typed",
    [
        "13900000001",
        "139 0000 0001",
        "+8613900000001",
        "+86 139-0000-0001",
        "0086 13900000001",
        " 139 0000 0001 ",
    ],
)
def test_sign_in_with_the_phone_in_any_spelling(client, zhangsan, typed):
    sign_in(client, typed)

    assert signed_in_as(client) == zhangsan.pk


def test_sign_in_follows_next_within_the_site(client, zhangsan):
    response = client.post(
        "/login/?next=/people/", {"username": "zhangsan", "password": PASSWORD, "next": "/people/"}
    )

    assert response["Location"] == "/people/"


@pytest.mark.parametrize("username", ["zhangsan", "1390000000", "nobody", "13900000009"])
def test_a_wrong_password_or_unknown_account_gets_the_same_message(client, zhangsan, username):
    response = sign_in(client, username, "not-the-password")

    assert response.status_code == 200
    assert login_error(response) == zh("The username, phone number or password is wrong.")
    assert signed_in_as(client) is None


def test_a_partial_phone_number_does_not_sign_in(client, zhangsan):
    sign_in(client, PHONE[:10])

    assert signed_in_as(client) is None


def test_a_disabled_account_cannot_sign_in(client, zhangsan):
    User.objects.filter(pk=zhangsan.pk).update(is_active=False)

    response = sign_in(client, "zhangsan")

    assert signed_in_as(client) is None
    assert by_testid(response.content, "login-error") != []


def fail(client, username, times):
    for _ in range(times):
        sign_in(client, username, "not-the-password")


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, zhangsan):
    limit = settings.LOGIN_MAX_FAILURES
    fail(client, "zhangsan", limit - 1)
    assert User.objects.get(pk=zhangsan.pk).locked_until is None

    fail(client, PHONE, 1)  # failures by phone count against the same account
    response = sign_in(client, "zhangsan", PASSWORD)

    assert signed_in_as(client) is None
    [error] = response.context["form"].non_field_errors().as_data()
    assert error.code == "locked"
    assert error.params == {"minutes": settings.LOGIN_LOCKOUT_MINUTES}
    assert login_error(response) == zh(
        "Too many failed attempts: this account is locked. Try again in %(minutes)d minutes.",
        minutes=settings.LOGIN_LOCKOUT_MINUTES,
    )
    locked_until = User.objects.get(pk=zhangsan.pk).locked_until
    expected = timezone.now() + dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    assert abs((locked_until - expected).total_seconds()) < 60


def test_the_lockout_is_written_to_the_audit_trail_once(client, zhangsan):
    watch = AuditWatch()

    fail(client, "zhangsan", settings.LOGIN_MAX_FAILURES)

    [record] = watch.new()
    assert (record.action, record.actor, record.object_id) == (
        "account.locked",
        zhangsan,
        str(zhangsan.pk),
    )


def test_fewer_failures_than_the_limit_do_not_lock(client, zhangsan):
    fail(client, "zhangsan", settings.LOGIN_MAX_FAILURES - 1)

    sign_in(client, "zhangsan")

    assert signed_in_as(client) == zhangsan.pk
    assert User.objects.get(pk=zhangsan.pk).failed_logins == 0


def test_the_account_opens_again_when_the_lockout_has_passed(client, zhangsan):
    fail(client, "zhangsan", settings.LOGIN_MAX_FAILURES)
    User.objects.filter(pk=zhangsan.pk).update(
        locked_until=timezone.now() - dt.timedelta(seconds=1)
    )

    sign_in(client, "zhangsan")

    assert signed_in_as(client) == zhangsan.pk
    user = User.objects.get(pk=zhangsan.pk)
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_the_lock_message_counts_the_minutes_left(client, zhangsan):
    User.objects.filter(pk=zhangsan.pk).update(
        locked_until=timezone.now() + dt.timedelta(minutes=3, seconds=10)
    )

    response = sign_in(client, "zhangsan")

    [error] = response.context["form"].non_field_errors().as_data()
    assert (error.code, error.params) == ("locked", {"minutes": 4})


def test_a_failure_while_locked_does_not_extend_the_lock(client, zhangsan):
    until = timezone.now() + dt.timedelta(minutes=5)
    User.objects.filter(pk=zhangsan.pk).update(locked_until=until)

    fail(client, "zhangsan", settings.LOGIN_MAX_FAILURES)

    assert User.objects.get(pk=zhangsan.pk).locked_until == until


def test_one_accounts_failures_do_not_lock_another(client, zhangsan):
    other = UserFactory(username="lisi")
    fail(client, "zhangsan", settings.LOGIN_MAX_FAILURES)

    sign_in(client, "lisi")

    assert signed_in_as(client) == other.pk


def test_signing_out_ends_the_session(client, zhangsan):
    sign_in(client, "zhangsan")

    response = client.post("/logout/")

    assert response.status_code == 302 and signed_in_as(client) is None
    assert client.get("/").status_code == 302


# --- password hashing ----------------------------------------------------------------------


def test_production_settings_hash_passwords_with_argon2():
    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_under_the_production_hashers_an_account_password_is_argon2(cast):
    with override_settings(PASSWORD_HASHERS=configured.PASSWORD_HASHERS):
        user = services.create_account(
            actor=cast.admin, username="zhangsan", password="Kx8-long-enough"
        )
        stored = User.objects.get(pk=user.pk).password

        assert stored.startswith("argon2$argon2id$")
        assert identify_hasher(stored).algorithm == "argon2"
        assert check_password("Kx8-long-enough", stored)
        assert not check_password("Kx8-long-enougH", stored)


def test_under_the_production_hashers_an_old_hash_is_upgraded_at_sign_in(client, db):
    with override_settings(PASSWORD_HASHERS=configured.PASSWORD_HASHERS):
        user = UserFactory(username="old")
        User.objects.filter(pk=user.pk).update(
            password=make_password(PASSWORD, hasher="pbkdf2_sha256")
        )

        sign_in(client, "old")

        assert signed_in_as(client) == user.pk
        assert User.objects.get(pk=user.pk).password.startswith("argon2$")
