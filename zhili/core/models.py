from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """One day of the official calendar entered by an administrator (节假日调整).

    An entry wins over the calendar package for its date. Administrators use it to enter the
    State Council's holiday notice for a year the package does not know yet (the notice comes
    out each November), and for a rare local or late change. A year counts as known only once
    its HolidayNotice is recorded; a local day off alone does not make it so. See
    docs/calendar.md.
    """

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_(
            "Ticked: people work on this day (a make-up working day on a weekend). "
            "Not ticked: a day off (a public holiday on a weekday)."
        ),
    )
    name = models.CharField(
        _("name"),
        max_length=50,
        help_text=_(
            "As the notice names it, e.g. Spring Festival, or Spring Festival make-up day."
        ),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("holiday arrangement")
        verbose_name_plural = _("holiday arrangements")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date.isoformat()} {self.name}"


class HolidayNotice(models.Model):
    """The State Council's holiday notice for a year the calendar package does not know, as
    entered (its days are CalendarDay rows). Its existence is what makes the year known: until
    then the year is counted on the provisional calendar and its deadlines are provisional.
    Written only by entering the notice (cases.services.deadlines.enter_holiday_notice)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    note = models.CharField(_("notice number"), max_length=200, blank=True)
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)
    entered_by = models.CharField(_("entered by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("holiday notice")
        verbose_name_plural = _("holiday notices")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)
