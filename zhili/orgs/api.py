from ninja import Router, Schema

from zhili.core import permissions
from zhili.core.bounds import Id
from zhili.core.permissions import Cap
from zhili.orgs.selectors import access_department, departments_for

router = Router(tags=["departments"])


class DepartmentOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    jurisdiction_id: int
    is_active: bool


@router.get("/", response=list[DepartmentOut])
def list_departments(request):
    permissions.require(request.user, Cap.DEPARTMENTS_VIEW)
    return departments_for(request.user)


@router.get("/{department_id}", response=DepartmentOut)
def get_department(request, department_id: Id):
    permissions.require(request.user, Cap.DEPARTMENTS_VIEW)  # no role to see them: 403
    return access_department(request.user, department_id)
