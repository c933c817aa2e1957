import time
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from zhili.core.permissions import Role, SystemActor
from zhili.demo.builder import (
    DEMO_PASSWORD,
    build_demo_city,
    current_build,
    delete_registry,
    demo_accounts,
    registry_counts,
)
from zhili.demo.plan import DEFAULT_SEED


def _width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = (
        "Build the demo city of Leping (乐平市): streets, 19 communities, grids, compounds, "
        "five departments, about 2,000 people, one account per role, 147 couriers and a year "
        "of about 3,200 cases. Does nothing when "
        "the demo city of the same seed is already there."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"seed of the random people (default {DEFAULT_SEED})",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first delete every case, place, department, person and account in "
            "the database (the demo city or not), then build",
        )

    def handle(self, *args, seed: int, reset: bool, **options):
        started = time.monotonic()
        with transaction.atomic():
            built = current_build()
            if not reset:
                if built is not None and built.seed == seed:
                    self.stdout.write(
                        f"The demo city (seed {seed}) was built at "
                        f"{timezone.localtime(built.built_at):%Y-%m-%d %H:%M}; nothing to do."
                    )
                    self._print_accounts()
                    return
                self._refuse_to_overwrite(built, seed)
            else:
                if built is None and not settings.DEBUG:
                    # On a real city's server, never wipe the registry: --reset only replaces
                    # a demo city, or anything at all in debug mode.
                    raise CommandError(
                        "--reset deletes every case, place, person and account. This database "
                        "holds no demo city and DEBUG is off, so it is refused."
                    )
                try:
                    deleted = delete_registry()
                except (ProtectedError, RestrictedError) as exc:
                    blockers = sorted({type(o)._meta.label for o in exc.args[1]})
                    raise CommandError(
                        "--reset cannot delete the places and people: rows of "
                        f"{', '.join(blockers)} still refer to them. Delete those first."
                    ) from None
                message = (
                    "Deleted {cases} cases, {places} places, {departments} departments, "
                    "{people} people "
                    "and {accounts} accounts.".format(**deleted)
                )
                if deleted["retired"]:
                    message += (
                        f" Kept {deleted['retired']} accounts that the audit trail names, "
                        "deactivated and renamed retired-…."
                    )
                self.stdout.write(message)
            built = build_demo_city(seed=seed, actor=SystemActor("system:demo"))
        counts = built.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Built the demo city (seed {seed}) in {time.monotonic() - started:.1f} s: "
                "{streets} streets and towns, {communities} communities, {grids} grids, "
                "{compounds} compounds, {departments} departments, {people} people, "
                "{accounts} accounts, {cases} cases ({escalations} overdue steps escalated by "
                "the sweep).".format(**{"cases": 0, "escalations": 0, **counts})
            )
        )
        self._print_accounts()

    def _refuse_to_overwrite(self, built, seed: int) -> None:
        if built is not None:
            raise CommandError(
                f"The database holds the demo city built with seed {built.seed}, not {seed}. "
                f"Run `zhili demo --seed {seed} --reset` to delete it and build anew."
            )
        held = {k: v for k, v in registry_counts().items() if v}
        if held:
            listing = ", ".join(f"{n} {what}" for what, n in held.items())
            raise CommandError(
                f"The database already holds data that is not the demo city ({listing}). "
                "`zhili demo` builds into an empty database; `zhili demo --reset` deletes "
                "all places, departments, people and accounts first."
            )

    def _print_accounts(self) -> None:
        with override("zh-hans"):
            header = [_("role"), _("username"), _("password"), _("scope")]
            rows = []
            for grant in demo_accounts():
                role = str(Role(grant.role).label)
                if grant.department is not None:
                    role = f"{role}（{grant.department.short_name}）"
                rows.append([role, grant.user.username, DEMO_PASSWORD, grant.place.name])
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
        self.stdout.write("")
        for row in [header, *rows]:
            cells = [_pad(cell, width) for cell, width in zip(row, widths, strict=True)]
            self.stdout.write("  ".join(cells).rstrip())
