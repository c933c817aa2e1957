from django.contrib import admin
from django.db import transaction

from zhili.audit.models import AuditRecord
from zhili.audit.services import changes_between, record_audit


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["object_repr", "actor_label", "action"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedModelAdmin(admin.ModelAdmin):
    """Configuration changes made in Django admin leave audit records like any other write."""

    audit_masks: dict = {}

    def audit_place_path(self, obj) -> str:
        return ""

    def _audit(self, request, obj, action: str, changes: dict) -> None:
        record_audit(actor=request.user, action=f"{obj._meta.model_name}.{action}", obj=obj,
                     place_path=self.audit_place_path(obj), changes=changes)

    def save_model(self, request, obj, form, change):
        before = {f: form.initial.get(f) for f in form.changed_data}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = {f: form.cleaned_data.get(f) for f in form.changed_data}
            # Secrets never reach the audit trail: only the fact that they changed.
            for field in after:
                if "password" in field:
                    before[field], after[field] = "********(old)", "********"
            self._audit(request, obj, "admin_update" if change else "admin_create",
                        changes_between(before, after, masks=self.audit_masks))

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._audit(request, obj, "admin_delete", {})
            super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        with transaction.atomic():
            instances = formset.save(commit=False)
            for deleted in formset.deleted_objects:
                self._audit(request, form.instance, "admin_remove", {
                    deleted._meta.model_name: [str(deleted), None]})
                deleted.delete()
            for instance in instances:
                instance.save()
                self._audit(request, form.instance, "admin_add", {
                    instance._meta.model_name: [None, str(instance)]})
            formset.save_m2m()
