"""The case loop over JSON (/api/v1/cases): list, detail with the timeline, report, each act
as POST /{id}/{act}, and photos added later; and the street's joint enforcement actions
(/api/v1/joint-actions, `joint_actions_router`). Validation only; the services decide
(through zhili.cases.offers, the same table the case page uses), and their errors become JSON
in zhili/api/urls.py."""

from zhili.cases.api.cases import router
from zhili.cases.api.categories import categories_router
from zhili.cases.api.joint_actions import joint_actions_router
from zhili.cases.api.reports import receipt_answer, reports_router
from zhili.cases.api.schemas import ReportIn

__all__ = [
    "ReportIn",
    "categories_router",
    "joint_actions_router",
    "receipt_answer",
    "reports_router",
    "router",
]
