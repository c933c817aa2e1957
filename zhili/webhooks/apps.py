from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "zhili.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from zhili.cases.signals import case_event, case_events, case_overdue
        from zhili.core.tasks import register_housekeeping
        from zhili.webhooks.receivers import on_case_event, on_case_events, on_case_overdue
        from zhili.webhooks.tasks import requeue_lost_deliveries

        case_event.connect(on_case_event, dispatch_uid="zhili-webhooks")
        case_events.connect(on_case_events, dispatch_uid="zhili-webhooks")
        case_overdue.connect(on_case_overdue, dispatch_uid="zhili-webhooks-overdue")
        register_housekeeping(requeue_lost_deliveries)
