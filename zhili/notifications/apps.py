from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "zhili.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from zhili.cases.signals import case_event, case_events
        from zhili.core.tasks import register_frequent, register_housekeeping
        from zhili.notifications.receivers import on_case_event, on_case_events
        from zhili.notifications.tasks import sweep_overdue

        case_event.connect(on_case_event, dispatch_uid="zhili-notifications")
        case_events.connect(on_case_events, dispatch_uid="zhili-notifications")
        register_housekeeping(sweep_overdue)
        register_frequent(sweep_overdue, every=300)  # for `zhili worker --schedule`
