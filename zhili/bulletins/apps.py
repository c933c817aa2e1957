from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "zhili.bulletins"
    label = "bulletins"
    verbose_name = _("Bulletins")

    def ready(self):
        from zhili.bulletins import exports
        from zhili.core.permissions import Cap
        from zhili.exports.registry import ExportKind, register_export_kind

        register_export_kind(
            ExportKind(
                key=exports.KIND,
                label=_("Department bulletin"),
                cap=Cap.CASES_VIEW,
                build=exports.bulletin_export,
                describe=exports.describe_bulletin_export,
            )
        )
