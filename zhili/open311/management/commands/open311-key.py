from django.core.management.base import BaseCommand, CommandError

from zhili.core.errors import InvalidInput
from zhili.core.permissions import SystemActor
from zhili.open311.models import ApiKey
from zhili.open311.services import issue_key, revoke_key


class Command(BaseCommand):
    help = (
        "Issue an Open311 key for the client NAME (e.g. a citizen app); the key is printed as "
        "the last line, once, and only its hash is kept. The client files cases as its own "
        "service account. With --revoke, NAME's live key stops working instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the client's name, e.g. 乐平随手拍")
        parser.add_argument("--revoke", action="store_true", help="revoke instead of issuing")

    def handle(self, *args, name: str, revoke: bool, **options):
        actor = SystemActor("system:open311-key")
        if revoke:
            key = ApiKey.objects.filter(name=name.strip(), revoked_at__isnull=True).first()
            if key is None:
                raise CommandError(f"No live Open311 key is named {name!r}.")
            revoke_key(actor=actor, key=key)
            self.stdout.write(f"Revoked the Open311 key {key.name!r}.")
            return
        try:
            key, raw = issue_key(actor=actor, name=name)
        except InvalidInput as exc:
            problems = [str(m) for messages in exc.fields.values() for m in messages]
            raise CommandError(" ".join(problems) or str(exc.message)) from None
        self.stdout.write(
            f"Open311 key for {key.name!r}, filing as {key.account.username!r}. "
            "It is shown this once; only its hash is kept:"
        )
        self.stdout.write(raw)
