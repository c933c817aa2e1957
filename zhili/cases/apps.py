from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "zhili.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from zhili.cases.tasks import file_reports
        from zhili.core.tasks import register_housekeeping

        register_housekeeping(file_reports)
