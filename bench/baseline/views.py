import json

from django import forms
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from baseline.models import BaselineReport
from zhili.cases.models import Urgency


class ReportForm(forms.Form):
    """The fields of POST /api/v1/cases (zhili.cases.api.ReportIn), checked as a plain Form."""

    category_id = forms.IntegerField()
    description = forms.CharField(max_length=2000)
    urgency = forms.ChoiceField(choices=Urgency.choices, required=False)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    place_id = forms.IntegerField(required=False)
    address = forms.CharField(max_length=200, required=False)


@csrf_exempt
@require_POST
def report(request):
    try:
        data = json.loads(request.body)
    except ValueError:
        return JsonResponse({"code": "invalid"}, status=400)
    form = ReportForm(data if isinstance(data, dict) else {})
    if not form.is_valid():
        return JsonResponse({"code": "invalid", "fields": form.errors}, status=400)
    values = form.cleaned_data
    values["urgency"] = values["urgency"] or Urgency.NORMAL
    row = BaselineReport.objects.create(**values, reported_at=timezone.now())
    return JsonResponse({"id": row.pk}, status=201)
