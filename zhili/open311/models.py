"""Open311 GeoReport v2: the keys clients file with, and what each filed (docs/open311.md).

A key files cases as its own service account (a User with the one role that may only report),
so that every case an Open311 client files names that client as its reporter. Only the key's
SHA-256 is kept; the key itself is shown once, when it is issued.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.core.fields import EncryptedTextField


class ApiKey(models.Model):
    """An Open311 client's key (e.g. a citizen app): who it files as, whether it still works."""

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("files as"),
        # Without its account a key could file nothing; the demo's reset deletes accounts.
        on_delete=models.CASCADE,
        related_name="open311_keys",
    )
    created_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")
        ordering = ["name", "-created_at"]
        constraints = [
            # A name names one live key: `zhili open311-key --revoke NAME` must know which.
            models.UniqueConstraint(
                fields=["name"], condition=Q(revoked_at__isnull=True), name="open311_key_live_name"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


class Submission(models.Model):
    """What an Open311 client sent with a case beyond the case itself: the key, the token it
    follows the case by, and the citizen's contact details, which never leave the server.
    `media_url` is kept as text and never fetched (the server may sit on an intranet)."""

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="open311"
    )
    api_key = models.ForeignKey(
        ApiKey, verbose_name=_("key"), on_delete=models.PROTECT, related_name="submissions"
    )
    token = models.CharField(_("token"), max_length=40, unique=True, editable=False)
    email = EncryptedTextField(_("e-mail"), blank=True)
    device_id = EncryptedTextField(_("device id"), blank=True)
    account_id = models.CharField(_("client's account id"), max_length=100, blank=True)
    media_url = models.URLField(_("media URL"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("filed at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.api_key} · {self.case_id}"
