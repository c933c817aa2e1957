from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhili.core.commands import command_actor, domain_error_text
from zhili.core.errors import DomainError
from zhili.places.services import import_places, parse_feature_collection


class Command(BaseCommand):
    help = "Import places (city, streets, communities, compounds, grids) from a GeoJSON file."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", help="act as this user (default: system)")

    def handle(self, *args, file: Path, username=None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        actor = command_actor(username, "system:import-places")
        try:
            result = import_places(
                actor=actor, collection=parse_feature_collection(file.read_bytes())
            )
        except DomainError as exc:
            raise CommandError(domain_error_text(exc)) from None
        self.stdout.write(
            "created {created}, updated {updated}, unchanged {unchanged}".format(**result)
        )
