from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from zhili.audit.selectors import trail_for
from zhili.core import permissions
from zhili.core.facts import facts_for
from zhili.core.permissions import Cap
from zhili.orgs.selectors import access_department, departments_for


@login_required
@require_GET
def department_list(request):
    permissions.require(request.user, Cap.DEPARTMENTS_VIEW)
    return render(request, "orgs/list.html", {"departments": departments_for(request.user)})


@login_required
@require_GET
def department_detail(request, department_id: int):
    actor = request.user
    permissions.require(actor, Cap.DEPARTMENTS_VIEW)  # no role to see departments: 403
    department = access_department(actor, department_id)
    return render(
        request,
        "orgs/detail.html",
        {
            "department": department,
            "facts": facts_for(actor, department),
            "trail": trail_for(actor, department, department.jurisdiction.path),
        },
    )
