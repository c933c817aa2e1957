"""The bulletin's settings: one row an administrator edits (weights, minimum, list size).
Without the row, the defaults in zhili.bulletins.metrics apply (docs/metrics.md)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.bulletins.rates import (
    DEFAULT_BASIC_WEIGHT,
    DEFAULT_BLACK_LIST_BELOW,
    DEFAULT_LIST_SIZE,
    DEFAULT_MINIMUM,
    DEFAULT_MINIMUM_RATES,
    DEFAULT_WEIGHTS,
    RATE_KEYS,
)


def _weight(key, label):
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_WEIGHTS[key],
        validators=[MinValueValidator(Decimal(0))],
    )


class BulletinSettings(models.Model):
    """How departments are scored and ranked. At most one row (pk 1)."""

    weight_timely_take = _weight("timely_take", _("weight of the timely-take rate"))
    weight_response = _weight("response", _("weight of the response rate"))
    weight_extension = _weight("extension", _("weight of the extension rate"))
    weight_on_time_handling = _weight("on_time_handling", _("weight of the on-time handling rate"))
    weight_rework = _weight("rework", _("weight of the rework rate"))
    weight_closure = _weight("closure", _("weight of the closure rate"))
    weight_on_time_closure = _weight("on_time_closure", _("weight of the on-time closure rate"))
    weight_resolution = _weight("resolution", _("weight of the resolution rate"))
    weight_satisfaction = _weight("satisfaction", _("weight of the satisfaction rate"))
    basic_weight = models.DecimalField(
        _("weight of 'basically satisfied'"),
        max_digits=3,
        decimal_places=2,
        default=DEFAULT_BASIC_WEIGHT,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )
    minimum = models.PositiveSmallIntegerField(
        _("fewest cases for a rate to be ranked"), default=DEFAULT_MINIMUM
    )
    list_size = models.PositiveSmallIntegerField(
        _("departments on the red and black lists"),
        default=DEFAULT_LIST_SIZE,
        validators=[MinValueValidator(1)],
    )
    minimum_rates = models.PositiveSmallIntegerField(
        _("fewest rates for a composite score to be ranked"),
        default=DEFAULT_MINIMUM_RATES,
        validators=[MinValueValidator(1)],
    )
    black_list_below = models.DecimalField(
        _("black list: scores below"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_BLACK_LIST_BELOW,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )

    class Meta:
        verbose_name = _("bulletin settings")
        verbose_name_plural = _("bulletin settings")

    def __str__(self):
        return str(_("Bulletin settings"))

    def save(self, *args, **kwargs):
        self.pk = 1  # one row: a second save overwrites the first
        super().save(*args, **kwargs)

    def weights(self) -> dict[str, Decimal]:
        return {key: getattr(self, f"weight_{key}") for key in RATE_KEYS}


def current_settings() -> BulletinSettings:
    """The administrator's row, or an unsaved one holding the defaults."""
    return BulletinSettings.objects.filter(pk=1).first() or BulletinSettings()
