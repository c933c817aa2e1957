"""zhili bulletin --from DATE --to DATE [--place CODE] --out FILE.xlsx

Writes the same workbook as the page's export, directly (no worker): for an operator at the
shell, over any place."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhili.bulletins.exports import bulletin_workbook
from zhili.bulletins.metrics import department_figures
from zhili.core.commands import domain_error_text
from zhili.core.errors import DomainError
from zhili.places.models import Place


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text!r}") from None


class Command(BaseCommand):
    help = "Write the departments' bulletin for a period and place as an .xlsx file."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--place", help="place code (default: the city)")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")

    def handle(self, *args, start, end, place, out, **options):
        if place:
            found = Place.objects.filter(code=place).first()
            if found is None:
                raise CommandError(f"No place with code {place!r}.")
        else:
            roots = list(Place.objects.filter(parent__isnull=True)[:2])
            if len(roots) != 1:
                raise CommandError("Name the place with --place CODE.")
            found = roots[0]
        try:
            bulletin = department_figures(start=_date(start), end=_date(end), place=found)
        except DomainError as error:
            raise CommandError(domain_error_text(error)) from None
        Path(out).write_bytes(bulletin_workbook(bulletin))
        self.stdout.write(
            f"{out}: {len(bulletin.departments)} departments, {found.name}, {start} – {end}"
        )
