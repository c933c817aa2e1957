"""Open311 keys in the configuration area: issued (the key shown once, on the page that
answers the form, never stored or put in a message) and revoked, each through the services
and so audited. Submissions are read-only and show no contact details."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from zhili.audit.admin import ReadOnlyAdminMixin
from zhili.core import permissions
from zhili.core.permissions import Cap
from zhili.open311.models import ApiKey, Submission
from zhili.open311.services import issue_key, key_errors, revoke_key


def _may_manage(request) -> bool:
    """Keys and submissions are for those who manage integrations (administrators)."""
    return permissions.can(request.user, Cap.INTEGRATIONS_MANAGE)


class IssueKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name"]

    def clean(self):
        data = super().clean()
        for field, problems in key_errors(data.get("name", "")).items():
            for problem in problems:
                self.add_error(None if field == "__all__" else field, problem)
        return data


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
    actions = ["revoke_selected"]
    readonly_fields = ["name", "account", "created_at", "last_used_at", "revoked_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = IssueKeyForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["name"]

    def has_view_permission(self, request, obj=None):
        return _may_manage(request)

    def has_add_permission(self, request):
        return _may_manage(request)

    def has_revoke_permission(self, request):
        return _may_manage(request)

    def has_change_permission(self, request, obj=None):
        return False  # a key is issued and revoked, never edited

    def has_delete_permission(self, request, obj=None):
        return False  # a key's cases name it; revoke it instead

    def save_model(self, request, obj, form, change):
        key, raw = issue_key(actor=request.user, name=form.cleaned_data["name"])
        obj.pk = key.pk
        request._open311_issued_key = raw  # shown by response_add, then gone

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "title": _("The key of %(name)s") % {"name": obj.name},
            "opts": self.model._meta,
            "original": obj,
            "key": getattr(request, "_open311_issued_key", ""),
        }
        response = TemplateResponse(request, "admin/open311/apikey/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected keys"), permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        count = sum(revoke_key(actor=request.user, key=key) for key in queryset)
        self.message_user(
            request,
            ngettext("%(n)d key revoked.", "%(n)d keys revoked.", count) % {"n": count},
            messages.SUCCESS,
        )


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "api_key", "created_at", "media_url"]
    list_select_related = ["case__category", "api_key"]  # a case is shown with its category
    search_fields = ["case__number", "token"]
    fields = ["case", "api_key", "token", "account_id", "media_url", "created_at"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return _may_manage(request)
