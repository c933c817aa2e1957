"""Shared pieces for `zhili` management commands."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from zhili.core.errors import DomainError
from zhili.core.permissions import SystemActor


def command_actor(username: str | None, label: str):
    """The acting user named by --as, or the system actor for an operator at the shell."""
    if not username:
        return SystemActor(label)
    try:
        return get_user_model().objects.get(username=username, is_active=True)
    except get_user_model().DoesNotExist:
        raise CommandError(f"No active user {username!r}.") from None


def domain_error_text(error: DomainError) -> str:
    lines = [str(error.message)]
    for field, messages in error.fields.items():
        lines.extend(f"  {field}: {m}" for m in messages)
    return "\n".join(lines)
