"""The case loop's data, one module per subject: categories (with their time limits and
routes), cases, tasks (the departments' orders), transitions (the one check of the state
machines), timeline, photos, receipts (the fast intake), joint_actions, deadlines (those
counted on a provisional calendar). The rules (who may move what where) live in services/;
the allowed moves are the tables CASE_TRANSITIONS (cases.py) and TASK_TRANSITIONS
(tasks.py), read by one function per model. Every name is imported here, so that
`from zhili.cases.models import X` serves as before (the migrations too)."""

from zhili.cases.models.cases import (
    CASE_FACT_SOURCES,
    CASE_TRANSITIONS,
    CS,
    OPEN_STATUSES,
    Case,
    CaseFollower,
    CaseQuerySet,
    CaseStatus,
    Channel,
    Rating,
    case_facts,
    copy_case_facts,
)
from zhili.cases.models.categories import (
    Category,
    Route,
    Step,
    TimeLimit,
    Urgency,
)
from zhili.cases.models.deadlines import (
    ProvisionalDeadline,
)
from zhili.cases.models.joint_actions import (
    JointAction,
)
from zhili.cases.models.photos import (
    CasePhoto,
    PhotoKind,
    _photo_path,
)
from zhili.cases.models.receipts import (
    Receipt,
    ReceiptStatus,
)
from zhili.cases.models.tasks import (
    ES,
    EXTENSION_TRANSITIONS,
    LIVE_TASK_STATUSES,
    OBJECTION_TRANSITIONS,
    TASK_TRANSITIONS,
    TS,
    CaseTask,
    ExtensionStatus,
    ObjectionStatus,
    TaskRole,
    TaskStatus,
)
from zhili.cases.models.timeline import (
    CaseEvent,
)
from zhili.cases.models.transitions import (
    refuse_unless_allowed,
)

__all__ = [
    "Urgency",
    "Step",
    "Category",
    "TimeLimit",
    "Route",
    "CaseStatus",
    "CS",
    "CASE_TRANSITIONS",
    "OPEN_STATUSES",
    "Rating",
    "Channel",
    "CASE_FACT_SOURCES",
    "case_facts",
    "copy_case_facts",
    "CaseQuerySet",
    "Case",
    "CaseFollower",
    "TaskRole",
    "TaskStatus",
    "TS",
    "TASK_TRANSITIONS",
    "LIVE_TASK_STATUSES",
    "ExtensionStatus",
    "ObjectionStatus",
    "OBJECTION_TRANSITIONS",
    "ES",
    "EXTENSION_TRANSITIONS",
    "CaseTask",
    "refuse_unless_allowed",
    "CaseEvent",
    "PhotoKind",
    "_photo_path",
    "CasePhoto",
    "ReceiptStatus",
    "Receipt",
    "JointAction",
    "ProvisionalDeadline",
]
