from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.places.models import Place


class Department(models.Model):
    """A functional department (职能部门) that takes and handles cases, e.g. 住建 or 城管.

    `jurisdiction` is the place subtree it serves (usually the whole city); its handlers are
    accounts with a handler role grant naming the department.
    """

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=20)
    jurisdiction = models.ForeignKey(
        Place, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="departments"
    )
    duty_phone = models.CharField(_("duty phone"), max_length=20, blank=True)
    description = models.TextField(_("remit"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]

    def __str__(self):
        return self.name
