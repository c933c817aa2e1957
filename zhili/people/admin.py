from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from zhili.audit.admin import AuditedModelAdmin
from zhili.core import permissions
from zhili.core.crypto import blind_index
from zhili.core.permissions import Cap
from zhili.core.personal import mask_phone, validate_phone
from zhili.people.models import Person, RoleGrant, User


def admin_site_permission(request) -> bool:
    """Django admin is for administrators (account managers) only."""
    user = request.user
    return user.is_active and user.is_staff and permissions.can(user, Cap.ACCOUNTS_MANAGE)


admin.site.has_permission = admin_site_permission


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0
    autocomplete_fields = ["place"]
    fields = ["role", "place", "department"]


class AccountPhoneMixin:
    """The phone is checked and normalised as `services.create_account` does, so that the
    account can sign in with it and no two accounts share one."""

    def clean_phone(self):
        raw = self.cleaned_data.get("phone") or ""
        if not raw.strip():
            return ""
        phone = validate_phone(raw)
        others = User.objects.filter(phone_digest=blind_index(phone))
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("Another account already uses this phone number."),
                                  code="phone_taken")
        return phone


class AccountChangeForm(AccountPhoneMixin, UserChangeForm):
    pass


class AccountCreationForm(AccountPhoneMixin, AdminUserCreationForm):
    pass


def _hidden(value: str) -> str:
    return "********"


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ["username", "full_name", "masked_phone", "is_active", "locked_until"]
    search_fields = ["username", "full_name"]
    inlines = [RoleGrantInline]
    # The creation form's two password fields must never reach the audit trail in clear.
    audit_masks = {"phone": mask_phone, "password1": _hidden, "password2": _hidden}
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "email", "person")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser",
                                       "locked_until")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",),
                "fields": ("username", "full_name", "phone", "password1", "password2")}),
    )
    raw_id_fields = ["person"]

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """View only: people are registered and edited on the registry pages, whose service
    validates ID numbers and phones and writes the audit trail."""

    list_display = ["name", "gender", "political_status", "address_place"]
    list_filter = ["political_status", "gender"]
    search_fields = ["name"]
    exclude = ["phone", "id_number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
