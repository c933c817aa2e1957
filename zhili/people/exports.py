"""The person registry as an .xlsx file, masked as the actor would see it on screen."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from zhili.people.selectors import shown_id_number, shown_phone


def people_workbook(actor, people) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("People"))
    sheet.append([_("full name"), _("gender"), _("birth date"), _("phone"), _("ID-card number"),
                  _("political status"), _("party member status"), _("education"),
                  _("origin"), _("address place"), _("address")])
    for p in people.select_related("address_place"):
        sheet.append([
            p.name, p.get_gender_display(), p.birth_date, shown_phone(actor, p),
            shown_id_number(actor, p), p.get_political_status_display(),
            p.get_party_member_status_display(), p.get_education_display(), p.origin,
            p.address_place.name, p.address_detail,
        ])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
