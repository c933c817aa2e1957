from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "zhili.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from zhili.cases.services.deadlines import recount_after_commit
        from zhili.cases.tasks import file_reports, recount_deadlines
        from zhili.core.models import CalendarDay
        from zhili.core.tasks import register_housekeeping

        register_housekeeping(file_reports)
        register_housekeeping(recount_deadlines)

        def calendar_changed(**kwargs):
            recount_after_commit()

        # An administrator's entry of a year's notice: provisional deadlines are counted again.
        post_save.connect(calendar_changed, sender=CalendarDay, weak=False, dispatch_uid="recount")
        post_delete.connect(calendar_changed, sender=CalendarDay, weak=False, dispatch_uid="rc-del")
