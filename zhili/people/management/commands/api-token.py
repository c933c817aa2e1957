from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhili.core.permissions import SystemActor
from zhili.people.tokens import issue_token, revoke_tokens


class Command(BaseCommand):
    help = (
        "Issue an API token for a program acting as USERNAME (with that account's roles and "
        "scope). The token is printed once and only its hash is kept. With --revoke, the "
        "account's tokens of that name stop working instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. the program's name")
        parser.add_argument("--revoke", action="store_true", help="revoke instead of issuing")

    def handle(self, *args, username: str, name: str, revoke: bool, **options):
        try:
            owner = get_user_model().objects.get(username=username, is_active=True)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No active user {username!r}.") from None
        if not name.strip():
            raise CommandError("Give the token a name.")
        actor = SystemActor("system:api-token")
        if revoke:
            count = revoke_tokens(actor=actor, owner=owner, name=name)
            self.stdout.write(f"Revoked {count} token(s).")
            return
        _token, raw = issue_token(actor=actor, owner=owner, name=name)
        self.stdout.write(raw)
