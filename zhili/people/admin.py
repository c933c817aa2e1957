from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhili.audit.admin import AuditedModelAdmin, ReadOnlyAdminMixin, ScopedAdminMixin
from zhili.core import permissions
from zhili.core.permissions import Cap
from zhili.core.personal import mask_phone
from zhili.people.models import Person, RoleGrant, User
from zhili.people.services import (
    clean_account_phone,
    clean_account_username,
    grant_errors,
    grant_role,
    revoke_role,
)


def admin_site_permission(request) -> bool:
    """Django admin is for administrators (account managers) only."""
    user = request.user
    return user.is_active and user.is_staff and permissions.can(user, Cap.ACCOUNTS_MANAGE)


admin.site.has_permission = admin_site_permission


class RoleGrantForm(forms.ModelForm):
    """The same rules as `services.grant_role` (place kind per role, handlers' departments)."""

    class Meta:
        model = RoleGrant
        fields = ["role", "place", "department"]

    def clean(self):
        data = super().clean()
        if data.get("role") and data.get("place") and not data.get("DELETE"):
            for field, messages in grant_errors(
                data["role"], data["place"], data.get("department")
            ).items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return data


class RoleGrantInline(ScopedAdminMixin, admin.TabularInline):
    model = RoleGrant
    form = RoleGrantForm
    extra = 0
    autocomplete_fields = ["place"]
    fields = ["role", "place", "department"]
    scoped_choices = {"place": (Cap.ACCOUNTS_MANAGE, "path")}


class AccountFieldsMixin:
    """Username and phone are checked as `services.create_account` checks them, so that the
    account can sign in with its phone and no two accounts share one."""

    def clean_username(self):
        return clean_account_username(
            self.cleaned_data.get("username") or "", exclude_pk=self.instance.pk
        )

    def clean_phone(self):
        return clean_account_phone(
            self.cleaned_data.get("phone") or "", exclude_pk=self.instance.pk
        )


class AccountChangeForm(AccountFieldsMixin, UserChangeForm):
    pass


class AccountCreationForm(AccountFieldsMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    """Accounts within the administrator's area (holding a role there, or none yet); roles
    are granted and revoked through the services, with their rules and audit records."""

    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ["username", "full_name", "masked_phone", "is_active", "locked_until"]
    search_fields = ["username", "full_name"]
    inlines = [RoleGrantInline]
    audit_masks = {"phone": mask_phone}
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "email", "person")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "locked_until")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "phone", "password1", "password2"),
            },
        ),
    )
    raw_id_fields = ["person"]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        in_scope = permissions.scope_q(
            request.user, Cap.ACCOUNTS_MANAGE, "role_grants__place__path"
        )
        return qs.filter(in_scope | Q(role_grants__isnull=True)).distinct()

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser makes superusers; staff follows the administrator role.
        extra = () if request.user.is_superuser else ("is_staff", "is_superuser")
        return (*super().get_readonly_fields(request, obj), *extra)

    def save_formset(self, request, form, formset, change):
        if formset.model is not RoleGrant:
            return super().save_formset(request, form, formset, change)
        user = form.instance
        formset.save(commit=False)  # writes nothing; lists the rows for admin's change message
        with transaction.atomic():
            for row in formset.forms:
                if not row.has_changed() and not row.cleaned_data.get("DELETE"):
                    continue
                old = row.instance if row.instance.pk else None
                if old is not None:
                    revoke_role(actor=request.user, grant=old)
                if not row.cleaned_data.get("DELETE"):
                    grant_role(
                        actor=request.user,
                        user=user,
                        role=row.cleaned_data["role"],
                        place=row.cleaned_data["place"],
                        department=row.cleaned_data.get("department"),
                    )

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                self._audit(
                    request,
                    self.get_object(request, unquote(id)),
                    "password_change",
                    {"password": ["********(old)", "********"]},
                )
        return response

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(Person)
class PersonAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """View only: people are registered and edited on the registry pages, whose service
    validates ID numbers and phones and writes the audit trail."""

    list_display = ["name", "gender", "political_status", "address_place"]
    list_filter = ["political_status", "gender"]
    search_fields = ["name"]
    exclude = ["phone", "id_number"]
    scope_cap = Cap.PEOPLE_VIEW
    scope_path_field = "address_place__path"
