"""Categories of cases, with their time limits per step and their routes to a lead department."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.workcalendar import TimeUnit
from zhili.orgs.models import Department
from zhili.places.models import Place


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class Step(models.TextChoices):
    """The clocked steps of the loop; each has a time limit per category and urgency."""

    ACCEPT = "accept", _("Accept or reject")
    DISPATCH = "dispatch", _("Dispatch")
    TAKE = "take", _("Take the order")
    HANDLE = "handle", _("Handle")
    VERIFY = "verify", _("Verify on the spot")
    # From the departments' report to closure (verify and close): sets Case.close_deadline.
    CLOSE = "close", _("Verify and close")


class Category(models.Model):
    """A kind of problem (治安隐患, 高空抛物 …): routes to a lead department and sets the clocks.

    `attributes` are the extra questions the report form asks, a list of
    {"code", "label", "datatype": "string|number|text|singlevaluelist|multivaluelist",
     "required", "values": [{"key", "name"}]} (the shape Open311 service definitions use).
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    default_lead = models.ForeignKey(
        Department,
        verbose_name=_("default lead department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    attributes = models.JSONField(_("extra questions"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self):
        return self.name


class TimeLimit(models.Model):
    """How long a step may take for a category at an urgency, e.g. handle within 3 working days."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="time_limits")
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    step = models.CharField(_("step"), max_length=10, choices=Step.choices)
    amount = models.DecimalField(_("amount"), max_digits=6, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=16, choices=TimeUnit.choices)

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency", "step"], name="time_limit_unique"
            )
        ]

    def __str__(self):
        return (
            f"{self.category} · {self.get_step_display()} · {self.amount} {self.get_unit_display()}"
        )


class Route(models.Model):
    """A place's own lead department for a category, overriding the category's default."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="routes")
    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.CASCADE, related_name="+"
    )
    lead = models.ForeignKey(
        Department, verbose_name=_("lead department"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        constraints = [models.UniqueConstraint(fields=["category", "place"], name="route_unique")]

    def __str__(self):
        return f"{self.category} · {self.place} → {self.lead}"
