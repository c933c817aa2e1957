from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "zhili.exports"
    label = "exports"
    verbose_name = _("Exports")

    def ready(self):
        from zhili.core.tasks import register_housekeeping
        from zhili.exports.tasks import tidy_exports

        register_housekeeping(tidy_exports)
