"""Django admin (the configuration area) under the same rules as the pages: every change is
audited, every list is limited to the administrator's own area."""

from django.contrib import admin
from django.db import transaction

from zhili.audit.models import AuditRecord
from zhili.audit.services import changes_between, record_audit
from zhili.core import permissions
from zhili.core.permissions import Cap


class ScopedAdminMixin:
    """Lists only rows within the administrator's scope for `scope_cap`, reached through
    `scope_path_field`; foreign-key choices are limited the same way."""

    scope_cap: str = Cap.ACCOUNTS_MANAGE
    scope_path_field: str = ""
    # {foreign key name: (capability, path field on the related model)}
    scoped_choices: dict[str, tuple[str, str]] = {}

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if not self.scope_path_field:
            return qs
        return permissions.scope_filter(qs, request.user, self.scope_cap, self.scope_path_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.scoped_choices:
            cap, path_field = self.scoped_choices[db_field.name]
            kwargs["queryset"] = permissions.scope_filter(
                db_field.related_model.objects.all(), request.user, cap, path_field
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdminMixin:
    """For records that change only through their pages' services, or never."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["object_repr", "actor_label", "action"]
    date_hierarchy = "at"
    scope_cap = Cap.AUDIT_VIEW
    scope_path_field = "place_path"


class AuditedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Configuration changes made in Django admin leave audit records like any other write:
    saves, deletions one by one or in bulk, and inline rows."""

    audit_masks: dict = {}

    def audit_place_path(self, obj) -> str:
        return ""

    def _audit(self, request, obj, action: str, changes: dict) -> None:
        record_audit(
            actor=request.user,
            action=f"{obj._meta.model_name}.{action}",
            obj=obj,
            place_path=self.audit_place_path(obj),
            changes=changes,
        )

    def save_model(self, request, obj, form, change):
        before = {f: form.initial.get(f) for f in form.changed_data}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = {f: form.cleaned_data.get(f) for f in form.changed_data}
            # Secrets never reach the audit trail: only the fact that they changed.
            for field in after:
                if "password" in field:
                    before[field], after[field] = "********(old)", "********"
            self._audit(
                request,
                obj,
                "admin_update" if change else "admin_create",
                changes_between(before, after, masks=self.audit_masks),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._audit(request, obj, "admin_delete", {})
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self._audit(request, obj, "admin_delete", {})
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        with transaction.atomic():
            instances = formset.save(commit=False)
            for deleted in formset.deleted_objects:
                self._audit(
                    request,
                    form.instance,
                    "admin_remove",
                    {deleted._meta.model_name: [str(deleted), None]},
                )
                deleted.delete()
            for instance in instances:
                instance.save()
                self._audit(
                    request,
                    form.instance,
                    "admin_add",
                    {instance._meta.model_name: [None, str(instance)]},
                )
            formset.save_m2m()
