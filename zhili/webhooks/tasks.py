"""The webhooks' background work (django-tasks; never a named queue or backend)."""

from django_tasks import task


@task()
def send_delivery(delivery_id: int) -> str:
    """Make the next attempt of one delivery (services.deliver); a duplicate job is harmless."""
    from zhili.webhooks.services import deliver  # services queue this task

    return deliver(delivery_id)


@task()
def requeue_lost_deliveries() -> int:
    """Housekeeping: queue again the pending deliveries whose job was lost."""
    from zhili.webhooks import services

    return services.requeue_lost_deliveries()
