from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from zhili.audit.admin import AuditedModelAdmin
from zhili.core import permissions
from zhili.core.permissions import Cap
from zhili.core.personal import mask_phone
from zhili.people.models import Person, RoleGrant, User
from zhili.people.services import clean_account_phone, clean_account_username


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


class AccountFieldsMixin:
    """Username and phone are checked as `services.create_account` checks them, so that the
    account can sign in with its phone and no two accounts share one."""

    def clean_username(self):
        return clean_account_username(self.cleaned_data.get("username") or "",
                                      exclude_pk=self.instance.pk)

    def clean_phone(self):
        return clean_account_phone(self.cleaned_data.get("phone") or "",
                                   exclude_pk=self.instance.pk)


class AccountChangeForm(AccountFieldsMixin, UserChangeForm):
    pass


class AccountCreationForm(AccountFieldsMixin, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    form = AccountChangeForm
    add_form = AccountCreationForm
    list_display = ["username", "full_name", "masked_phone", "is_active", "locked_until"]
    search_fields = ["username", "full_name"]
    inlines = [RoleGrantInline]
    audit_masks = {"phone": mask_phone}
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
