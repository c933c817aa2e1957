"""The case loop's background work (django-tasks; never a named queue or backend)."""

from django_tasks import task


@task()
def file_reports(helper: bool = False) -> dict:
    """The intake's filer: file every pending report receipt (services.intake.file_pending).
    Queued after each report taken in; housekeeping queues it too, for a job lost. A filer
    that meets a backlog queues helpers (`helper=True`), which file beside it."""
    from zhili.cases.services.intake import file_pending  # the services queue this task

    return file_pending(helper=helper)


@task()
def recount_deadlines() -> dict:
    """Count again the provisional deadlines whose year has become known, and put back in the
    filer's queue the receipts once refused for an unknown year (services.deadlines).
    Queued when the calendar changes; housekeeping runs it hourly (a newer package)."""
    from zhili.cases.selectors import forget_provisional_dues
    from zhili.cases.services.deadlines import (
        recount_provisional_deadlines,
        refile_calendar_refusals,
    )
    from zhili.core.workcalendar import forget_calendar

    # This worker's calendar may be up to a minute old: read it afresh.
    forget_calendar()
    forget_provisional_dues()
    return {"moved": recount_provisional_deadlines(), "refiled": refile_calendar_refusals()}
