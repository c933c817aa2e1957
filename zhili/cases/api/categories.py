"""/api/v1/categories: what a report's category_id may name, with its questions."""

from ninja import Router, Schema

from zhili.cases.models import (
    Category,
)
from zhili.core import permissions
from zhili.core.errors import Forbidden
from zhili.core.permissions import Cap

# Mounted at /api/v1/categories.
categories_router = Router(tags=["cases"])


# --- Categories ---------------------------------------------------------------------------------


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None
    description: str
    attributes: list


@categories_router.get("/", response=list[CategoryOut])
def list_categories(request):
    """The active categories a report may name (`category_id`), each with its extra
    questions (`attributes`: code, label, datatype, required, values), which a report answers
    in its `attributes` as {code: answer}. For those who report or see cases."""
    if not (
        permissions.can(request.user, Cap.CASES_REPORT)
        or permissions.can(request.user, Cap.CASES_VIEW)
    ):
        raise Forbidden()
    return Category.objects.filter(is_active=True).order_by("code")
