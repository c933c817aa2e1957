"""Signing in with a username or a phone number, with a lockout after repeated failures.

The lockout lives on the account row (not in process memory), so every app server and
worker sees it; counters change with F() so that parallel attempts all count.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from zhili.audit.services import record_audit
from zhili.core import permissions
from zhili.core.crypto import blind_index
from zhili.core.permissions import Cap
from zhili.core.personal import validate_phone
from zhili.people.models import User


def find_account(identifier: str) -> User | None:
    """The account whose username, or else whose phone number, is `identifier`."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    user = User.objects.filter(username__iexact=identifier).first()
    if user is None:
        try:
            phone = validate_phone(identifier)
        except ValidationError:
            return None
        user = User.objects.filter(phone_digest=blind_index(phone)).first()
    return user


def minutes_locked(user: User | None) -> int:
    """Whole minutes left on the account's lockout (0 when it is not locked)."""
    if user is None or user.locked_until is None:
        return 0
    left = (user.locked_until - timezone.now()).total_seconds()
    return max(0, int(left // 60) + (1 if left % 60 else 0))


def _note_failure(user: User) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
            user.locked_until = timezone.now() + dt.timedelta(
                minutes=settings.LOGIN_LOCKOUT_MINUTES
            )
            user.failed_logins = 0
            user.save(update_fields=["locked_until", "failed_logins"])
            record_audit(
                actor=user,
                action="account.locked",
                obj=user,
                changes={"locked_until": [None, user.locked_until.isoformat()]},
            )


class UsernameOrPhoneBackend(ModelBackend):
    """Also answers Django admin's model permissions: administrators (who manage accounts)
    may do there whatever the admin classes allow, without Django permission rows."""

    def has_perm(self, user_obj, perm, obj=None):
        if user_obj.is_active and permissions.can(user_obj, Cap.ACCOUNTS_MANAGE):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if user_obj.is_active and permissions.can(user_obj, Cap.ACCOUNTS_MANAGE):
            return True
        return super().has_module_perms(user_obj, app_label)

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = find_account(username)
        if user is None:
            # Hash anyway, so that response time does not tell whether an account exists.
            User().set_password(password or "")
            return None
        if minutes_locked(user):
            raise PermissionDenied("locked")  # stops authenticate(); the form says why
        if user.check_password(password or "") and self.user_can_authenticate(user):
            if user.failed_logins or user.locked_until:
                User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            return user
        _note_failure(user)
        return None
