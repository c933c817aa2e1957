"""The person registry as an .xlsx file, masked as the actor would see it on screen.

Registered as the "people" kind of export (zhili.exports), built by a worker; the rows are
those the actor may *export* (Cap.PEOPLE_EXPORT), which can be fewer than they may see.
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from zhili.core.permissions import Cap
from zhili.exports.registry import ExportFile
from zhili.people.selectors import mask_numbers, search_people, shown_id_number, shown_phone
from zhili.places.models import Place
from zhili.places.selectors import access_place

KIND = "people"


def people_workbook(actor, people) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("People"))
    sheet.append(
        [
            _("full name"),
            _("gender"),
            _("birth date"),
            _("phone"),
            _("ID-card number"),
            _("political status"),
            _("party member status"),
            _("education"),
            _("origin"),
            _("address place"),
            _("address"),
        ]
    )
    for p in people.select_related("address_place"):
        sheet.append(
            [
                p.name,
                p.get_gender_display(),
                p.birth_date,
                shown_phone(actor, p),
                shown_id_number(actor, p),
                p.get_political_status_display(),
                p.get_party_member_status_display(),
                p.get_education_display(),
                p.origin,
                p.address_place.name,
                p.address_detail,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def people_export(actor, params: dict) -> ExportFile:
    """The registry search `params` ({"q": text, "place": place id or None}) as a workbook.

    Raises NotFound when the place no longer lies within the actor's area."""
    place = access_place(actor, params["place"]) if params.get("place") else None
    people = search_people(actor, params.get("q", ""), place, cap=Cap.PEOPLE_EXPORT)
    people = people.order_by("address_place__path", "name")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return ExportFile(
        f"people-{stamp}.xlsx", people_workbook(actor, people), row_count=people.count()
    )


def describe_people_export(params: dict) -> str:
    """ "翠平社区 · 张" : the place and the search, numbers masked."""
    place = Place.objects.filter(pk=params.get("place")).first() if params.get("place") else None
    parts = [place.name if place else "", mask_numbers(params.get("q", "").strip())]
    return " · ".join(p for p in parts if p)
