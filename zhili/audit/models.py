from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.audit.labels import ACTION_LABELS

# What the last part of an action code means, in the reader's language ("person.register").
ACTION_VERBS = {
    "create": _("created"),
    "update": _("changed"),
    "import": _("imported"),
    "register": _("registered"),
    "locked": _("locked after failed log-ins"),
    "grant": _("role granted"),
    "revoke": _("role revoked"),
    "build": _("demo city built"),
    "admin_create": _("created in configuration"),
    "admin_update": _("changed in configuration"),
    "admin_delete": _("deleted in configuration"),
    "admin_add": _("added in configuration"),
    "admin_remove": _("removed in configuration"),
    "password_change": _("password changed"),
}


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit records are append-only")

    def delete(self):
        raise AppendOnlyError("audit records are append-only")


class AuditRecord(models.Model):
    """One domain write: who, when, what act, on which object, which fields changed.

    Append-only: rows are never updated or deleted through the ORM. `place_path` is the
    path of the place the object belongs to, so that the audit trail is scoped like the
    object itself.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    place_path = models.CharField(_("place path"), max_length=255, blank=True, db_index=True)
    changes = models.JSONField(_("changed fields"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit records are append-only")

    @property
    def action_label(self) -> str:
        if self.action in ACTION_LABELS:
            return str(ACTION_LABELS[self.action])
        verb = self.action.rsplit(".", 1)[-1]
        return str(ACTION_VERBS.get(verb, self.action))

    @property
    def change_rows(self) -> list[tuple[str, object, object]]:
        """(field label, old, new) for each changed field, labelled as the model names it."""
        model = self.content_type.model_class()
        rows = []
        for name, pair in self.changes.items():
            try:
                label = model._meta.get_field(name).verbose_name
            except FieldDoesNotExist:  # not a field of the model (e.g. "role")
                label = _(name)
            old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            rows.append((str(label), old, new))
        return rows
