from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DemoBuild(models.Model):
    """The marker `zhili demo` leaves: which seed built the demo city, when, and its counts.

    At most one row. Its presence tells a second `zhili demo` that there is nothing to do.
    """

    seed = models.BigIntegerField(_("seed"))
    built_at = models.DateTimeField(_("built at"), default=timezone.now)
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        verbose_name = _("demo build")
        verbose_name_plural = _("demo builds")

    def __str__(self):
        return f"demo city, seed {self.seed}"
