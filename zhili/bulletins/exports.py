"""The bulletin as an .xlsx workbook: one function builds it for the export worker (kind
"bulletin", zhili.exports) and for `zhili bulletin --out FILE.xlsx` alike."""

import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from zhili.bulletins.metrics import Bulletin, DepartmentFigures, department_figures
from zhili.bulletins.rates import RATES
from zhili.core.permissions import Cap
from zhili.exports.registry import ExportFile
from zhili.places.models import Place
from zhili.places.selectors import access_place

KIND = "bulletin"
NONE = "—"  # not ranked, or nothing to count

# (header, attribute of DepartmentFigures): the counts, in the order of docs/metrics.md.
COUNT_COLUMNS = (
    (gettext_lazy("Dispatched"), "dispatched"),
    (gettext_lazy("Taken"), "taken"),
    (gettext_lazy("Taken on time"), "taken_on_time"),
    (gettext_lazy("Responded on time"), "responded"),
    (gettext_lazy("Returned"), "returned"),
    (gettext_lazy("Extended"), "extended"),
    (gettext_lazy("Reassigned"), "reassigned"),
    (gettext_lazy("Due to be handled"), "due"),
    (gettext_lazy("Handled"), "handled"),
    (gettext_lazy("Handled on time"), "handled_on_time"),
    (gettext_lazy("Handled late"), "handled_late"),
    (gettext_lazy("Overdue and unhandled"), "overdue_unhandled"),
    (gettext_lazy("Sent back for rework"), "reworked"),
    (gettext_lazy("Due to close"), "due_to_close"),
    (gettext_lazy("Closed"), "closed"),
    (gettext_lazy("Closed on time"), "closed_on_time"),
    (gettext_lazy("Rated"), "rated"),
    (gettext_lazy("Satisfied"), "satisfied"),
    (gettext_lazy("Basically satisfied"), "basically_satisfied"),
    (gettext_lazy("Dissatisfied"), "dissatisfied"),
    (gettext_lazy("Mean working hours to take"), "mean_take_hours"),
    (gettext_lazy("Mean working hours to handle"), "mean_handle_hours"),
)


def header() -> list[str]:
    columns = [_("Rank"), _("Department"), _("Score"), _("Grade")]
    columns += [str(label) for label, _attr in COUNT_COLUMNS]
    for label, *_rest in RATES.values():
        columns += [str(label), _("%(rate)s rank") % {"rate": label}]
    return columns


def _or_none(value):
    return NONE if value is None or value == "" else value


def not_ranked_mark() -> str:
    return _("Not ranked: too few rates")


def department_row(f: DepartmentFigures) -> list:
    """One department's line: rates as fractions of 1 (shown as percentages)."""
    rank = not_ranked_mark() if f.too_few_rates else _or_none(f.rank)
    cells = [rank, f.department.name, _or_none(f.score), _or_none(f.grade)]
    cells += [_or_none(getattr(f, attr)) for _label, attr in COUNT_COLUMNS]
    for key in RATES:
        rate = f.rates[key]
        cells += [_or_none(rate.value), _or_none(rate.rank)]
    return cells


def bulletin_title(bulletin: Bulletin) -> str:
    return _("Bulletin of %(place)s, %(start)s to %(end)s") % {
        "place": bulletin.place.name if bulletin.place else _("all places"),
        "start": bulletin.start.isoformat(),
        "end": bulletin.end.isoformat(),
    }


def bulletin_workbook(bulletin: Bulletin) -> bytes:
    """Three sheets: the departments (header on row 1), the red and black lists, and the
    period, place, settings and case totals the figures were made with."""
    book = Workbook()
    sheet = book.active
    sheet.title = _("Departments")
    sheet.append(header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    first_rate = 4 + len(COUNT_COLUMNS) + 1
    # Scores and mean working hours to two decimals, as on the page (docs/metrics.md).
    two_places = [3] + [
        5 + i for i, (_label, attr) in enumerate(COUNT_COLUMNS) if attr.startswith("mean_")
    ]
    for f in bulletin.departments:
        sheet.append(department_row(f))
        for column in range(first_rate, first_rate + 2 * len(RATES), 2):
            sheet.cell(row=sheet.max_row, column=column).number_format = "0.00%"
        for column in two_places:
            sheet.cell(row=sheet.max_row, column=column).number_format = "0.00"
    sheet.freeze_panes = "C2"

    lists = book.create_sheet(_("Red and black lists"))
    lists.append([_("List"), _("Rank"), _("Department"), _("Score"), _("Grade")])
    for name, members in (
        (_("Red list"), bulletin.red_list),
        (_("Black list"), bulletin.black_list),
    ):
        for f in members:
            lists.append([name, f.rank, f.department.name, f.score, f.grade])
            lists.cell(row=lists.max_row, column=4).number_format = "0.00"

    notes = book.create_sheet(_("About"))
    totals = bulletin.totals
    for line in (
        [bulletin_title(bulletin)],
        [_("Made at"), timezone.localtime(bulletin.made_at).strftime("%Y-%m-%d %H:%M")],
        *([[bulletin.provisional_note]] if bulletin.provisional_year else []),
        [_("Fewest cases for a rate to be ranked"), bulletin.minimum],
        [_("Weight of 'basically satisfied'"), bulletin.basic_weight],
        [_("Fewest rates for a composite score to be ranked"), bulletin.minimum_rates],
        [_("Black list: scores below"), bulletin.black_list_below],
        [_("Ranking uses the score rounded to 0.01")],
        *[
            [_("Weight: %(rate)s") % {"rate": label}, bulletin.weights.get(key, 0)]
            for key, (label, *_rest) in RATES.items()
        ],
        [_("Cases reported"), totals.reported],
        [_("Accepted"), totals.accepted],
        [_("Rejected"), totals.rejected],
        [_("Voided"), totals.voided],
        [_("On hold"), totals.on_hold],
        [_("Closed"), totals.closed],
        [_("Cases reassigned"), totals.reassigned],
        [_("Definitions: docs/metrics.md")],
    ):
        notes.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bulletin_filename(bulletin: Bulletin) -> str:
    code = bulletin.place.code if bulletin.place else "all"
    return f"bulletin-{code}-{bulletin.start:%Y%m%d}-{bulletin.end:%Y%m%d}.xlsx"


def bulletin_export(actor, params: dict) -> ExportFile:
    """The bulletin `params` ({"from", "to": ISO dates, "place": place id}) as a workbook.

    Raises NotFound when the place no longer lies within the actor's area (cases.view)."""
    place = access_place(actor, params["place"], cap=Cap.CASES_VIEW)
    bulletin = department_figures(
        start=dt.date.fromisoformat(params["from"]),
        end=dt.date.fromisoformat(params["to"]),
        place=place,
    )
    return ExportFile(
        bulletin_filename(bulletin),
        bulletin_workbook(bulletin),
        row_count=len(bulletin.departments),
    )


def describe_bulletin_export(params: dict) -> str:
    """ "泊阳街道 · 2026-03-01 – 2026-03-31" """
    place = Place.objects.filter(pk=params.get("place")).first()
    return f"{place.name if place else ''} · {params.get('from')} – {params.get('to')}"
