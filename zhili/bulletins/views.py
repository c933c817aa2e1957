import uuid

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zhili.bulletins import exports
from zhili.bulletins.forms import PeriodForm
from zhili.bulletins.metrics import department_figures
from zhili.bulletins.rates import RATES
from zhili.core import permissions
from zhili.core.errors import InvalidInput, NotFound
from zhili.core.permissions import Cap
from zhili.exports.services import request_export
from zhili.places.models import Place
from zhili.places.picker import scope_roots
from zhili.places.selectors import access_place

# The rates the summary shows beside the score: the heaviest of the default weights.
HEADLINE_RATES = ("on_time_handling", "closure", "satisfaction")


def _score_chart(bulletin) -> dict:
    """The ranked departments' scores, best first, for the bar chart (charts.js)."""
    ranked = [f for f in bulletin.departments if f.rank is not None]
    return {
        "labels": [f.department.short_name for f in ranked],
        "values": [float(f.score) for f in ranked],
        "name": str(_("Score")),
    }


def _place(actor, place_id) -> Place:
    """The chosen place within the actor's area (cases.view), else the actor's scope root."""
    permissions.require(actor, Cap.CASES_VIEW)
    if place_id:
        return access_place(actor, place_id, cap=Cap.CASES_VIEW)
    roots = scope_roots(actor, Cap.CASES_VIEW)
    if not roots:
        raise NotFound()
    return roots[0]


@login_required
@require_GET
def bulletin_page(request):
    """The bulletin of a period over a place subtree (docs/metrics.md). Who may: anyone
    with cases.view over the place (the centre, street coordinators, administrators …)."""
    actor = request.user
    form = PeriodForm(request.GET)
    form.is_valid()
    place = _place(actor, form.cleaned_data.get("place"))
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    bulletin = None if form.errors else department_figures(start=start, end=end, place=place)
    return render(
        request,
        "bulletins/page.html",
        {
            "form": form,
            "place": place,
            "start": start,
            "end": end,
            "bulletin": bulletin,
            "title": exports.bulletin_title(bulletin) if bulletin else "",
            "rate_labels": [label for label, *_rest in RATES.values()],
            "rate_keys": list(RATES),
            "count_columns": exports.COUNT_COLUMNS,
            "headline_rates": [(key, RATES[key][0]) for key in HEADLINE_RATES],
            "score_chart": _score_chart(bulletin) if bulletin else None,
            "export_key": uuid.uuid4().hex,
        },
    )


@login_required
@require_POST
def bulletin_export(request):
    """Queue the bulletin's workbook for a worker to build; its export page follows."""
    actor = request.user
    form = PeriodForm(request.POST)
    place = _place(actor, request.POST.get("place"))
    if not form.is_valid():
        raise InvalidInput(fields={k: list(v) for k, v in form.errors.items()})
    export = request_export(
        actor=actor,
        kind=exports.KIND,
        params={
            "from": form.cleaned_data["start"].isoformat(),
            "to": form.cleaned_data["end"].isoformat(),
            "place": place.pk,
        },
        idempotency_key=request.POST.get("idempotency_key", ""),
    )
    return redirect("exports:detail", export_id=export.pk)
