from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "zhili.people"
    label = "people"
    verbose_name = _("People and accounts")

    def ready(self):
        from zhili.people.selectors import people_in_place_fact
        from zhili.places.panels import register_place_fact

        register_place_fact(people_in_place_fact)
