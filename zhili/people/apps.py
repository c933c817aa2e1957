from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "zhili.people"
    label = "people"
    verbose_name = _("People and accounts")

    def ready(self):
        from zhili.core.facts import register_fact
        from zhili.core.permissions import Cap
        from zhili.exports.registry import ExportKind, register_export_kind
        from zhili.orgs.models import Department
        from zhili.people import exports
        from zhili.people.selectors import department_handlers_fact, people_in_place_fact
        from zhili.places.models import Place

        register_fact(Place, people_in_place_fact)
        register_fact(Department, department_handlers_fact)
        register_export_kind(
            ExportKind(
                key=exports.KIND,
                label=_("Person registry"),
                cap=Cap.PEOPLE_EXPORT,
                build=exports.people_export,
                describe=exports.describe_people_export,
            )
        )
