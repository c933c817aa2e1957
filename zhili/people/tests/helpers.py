"""Small helpers for the registry tests: what a user reads, and what an act wrote to the audit."""

from django.utils import translation

from zhili.audit.models import AuditRecord


def zh(msgid: str, **params) -> str:
    """What a user of the default (Chinese) site reads for this message."""
    with translation.override("zh-hans"):
        text = translation.gettext(msgid)
    return text % params if params else text


class AuditWatch:
    """Start one before an act; `new()` lists the audit records written since."""

    def __init__(self):
        last = AuditRecord.objects.order_by("-id").first()
        self.since = last.id if last else 0

    def new(self) -> list[AuditRecord]:
        return list(AuditRecord.objects.filter(id__gt=self.since).order_by("id"))
