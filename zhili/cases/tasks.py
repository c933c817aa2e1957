"""The case loop's background work (django-tasks; never a named queue or backend)."""

from django_tasks import task


@task()
def file_reports(helper: bool = False) -> dict:
    """The intake's filer: file every pending report receipt (services.intake.file_pending).
    Queued after each report taken in; housekeeping queues it too, for a job lost. A filer
    that meets a backlog queues helpers (`helper=True`), which file beside it."""
    from zhili.cases.services.intake import file_pending  # the services queue this task

    return file_pending(helper=helper)
