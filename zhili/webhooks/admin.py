"""Webhooks in Django admin, for administrators: endpoints (written through the services,
so every change is validated and audited), the secret page (reveal or replace, audited), and
the deliveries with their attempts, read only but for the "Replay" action."""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from zhili.audit.admin import ReadOnlyAdminMixin, ScopedAdminMixin
from zhili.core import permissions
from zhili.core.errors import DomainError
from zhili.webhooks.models import Attempt, Delivery, DeliveryState, Endpoint, Event
from zhili.webhooks.services import (
    MANAGE_CAP,
    create_endpoint,
    delete_endpoint,
    endpoint_errors,
    replay_delivery,
    reveal_secret,
    rotate_secret,
    update_endpoint,
)

_FIELDS = ["name", "url", "place", "events", "is_active"]


def _may_manage(request) -> bool:
    return permissions.can(request.user, MANAGE_CAP)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(Event.values),
    )

    class Meta:
        model = Endpoint
        fields = _FIELDS

    def clean(self):
        data = super().clean()
        values = {f: data.get(f) for f in _FIELDS}
        for field, errors in endpoint_errors(values, exclude_pk=self.instance.pk).items():
            if field not in self.errors:
                for message in errors:
                    self.add_error(field, message)
        return data


@admin.register(Endpoint)
class EndpointAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = EndpointForm
    list_display = [
        "name",
        "url",
        "place",
        "is_active",
        "last_status",
        "last_attempt_at",
        "pending_count",
        "failed_count",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    autocomplete_fields = ["place"]
    fields = [*_FIELDS, "secret_link", "last_status", "last_attempt_at", "created_at"]
    readonly_fields = ["secret_link", "last_status", "last_attempt_at", "created_at"]
    scope_cap = MANAGE_CAP
    scope_path_field = "place_path"
    scoped_choices = {"place": (MANAGE_CAP, "path")}

    def has_view_permission(self, request, obj=None):
        return _may_manage(request)

    def has_add_permission(self, request):
        return _may_manage(request)

    def has_change_permission(self, request, obj=None):
        return _may_manage(request)

    def has_delete_permission(self, request, obj=None):
        return _may_manage(request)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("place")
            .annotate(
                pending=Count("deliveries", filter=Q(deliveries__state=DeliveryState.PENDING)),
                failed=Count("deliveries", filter=Q(deliveries__state=DeliveryState.FAILED)),
            )
        )

    @admin.display(description=_("last status"))
    def last_status(self, obj):
        if obj.last_attempt_at is None:
            return "—"
        text = str(obj.last_response_code) if obj.last_response_code else obj.last_error
        colour = "green" if obj.last_ok else "#ba2121"
        return format_html('<span style="color:{}">{}</span>', colour, text or "—")

    @admin.display(description=_("pending"), ordering="pending")
    def pending_count(self, obj):
        return obj.pending

    @admin.display(description=_("failed"), ordering="failed")
    def failed_count(self, obj):
        return obj.failed

    @admin.display(description=_("signing secret"))
    def secret_link(self, obj):
        if obj is None or obj.pk is None:
            return _("Generated when the endpoint is saved.")
        url = reverse("admin:webhooks_endpoint_secret", args=[obj.pk])
        return format_html('•••••••• <a href="{}">{}</a>', url, _("Reveal or replace"))

    def save_model(self, request, obj, form, change):
        values = {f: form.cleaned_data[f] for f in _FIELDS if f in form.cleaned_data}
        if change:
            changed = {f: values[f] for f in form.changed_data if f in values}
            saved = update_endpoint(actor=request.user, endpoint=obj, **changed)
        else:
            saved = create_endpoint(actor=request.user, **values)
        obj.pk = saved.pk

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Deliveries and attempts are never deleted on their own, only with their endpoint.
        history = {str(Delivery._meta.verbose_name), str(Attempt._meta.verbose_name)}
        return deleted, counts, {p for p in perms_needed if str(p) not in history}, protected

    def delete_model(self, request, obj):
        delete_endpoint(actor=request.user, endpoint=obj)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            delete_endpoint(actor=request.user, endpoint=endpoint)

    def response_add(self, request, obj, post_url_continue=None):
        # Straight to the secret: the receiver cannot check a signature without it.
        if "_addanother" in request.POST or "_popup" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        messages.success(request, _("The endpoint was added. Copy its secret to the receiver."))
        return HttpResponseRedirect(reverse("admin:webhooks_endpoint_secret", args=[obj.pk]))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/secret/",
                self.admin_site.admin_view(self.secret_view),
                name="webhooks_endpoint_secret",
            ),
            *super().get_urls(),
        ]

    def secret_view(self, request, object_id):
        """The secret stays hidden until an administrator asks (POST); each reading and
        each replacement is audited by the services."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        endpoint = self.get_object(request, unquote(object_id))
        if endpoint is None:
            raise Http404
        secret = None
        if request.method == "POST":
            try:
                if request.POST.get("action") == "rotate":
                    secret = rotate_secret(actor=request.user, endpoint=endpoint)
                    messages.success(
                        request,
                        _("A new secret was generated; the old one no longer signs anything."),
                    )
                else:
                    secret = reveal_secret(actor=request.user, endpoint=endpoint)
            except DomainError as exc:
                messages.error(request, exc.message)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Signing secret of %(name)s") % {"name": endpoint.name},
            "opts": self.model._meta,
            "original": endpoint,
            "secret": secret,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/webhooks/endpoint/secret.html", context)


class AttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Attempt
    extra = 0
    fields = ["number", "at", "status_code", "duration_ms", "error", "response_excerpt"]
    readonly_fields = fields
    ordering = ["-number"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "case_number",
        "endpoint",
        "state",
        "attempts",
        "last_response_code",
        "last_error",
        "next_attempt_at",
    ]
    list_filter = ["state", "event", ("endpoint", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["endpoint"]
    search_fields = ["case_number"]
    date_hierarchy = "created_at"
    fields = [
        "endpoint",
        "event",
        "event_id",
        "case_number",
        "state",
        "attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "last_response_code",
        "last_error",
        "payload_pretty",
    ]
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["replay"]
    scope_cap = MANAGE_CAP
    scope_path_field = "place_path"

    def has_view_permission(self, request, obj=None):
        return _may_manage(request)

    def has_replay_permission(self, request):
        return _may_manage(request)

    @admin.display(description=_("payload"))
    def payload_pretty(self, obj):
        text = json.dumps(obj.payload, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)

    @admin.action(description=_("Replay the selected deliveries"), permissions=["replay"])
    def replay(self, request, queryset):
        done = 0
        for delivery in queryset:
            try:
                replay_delivery(actor=request.user, delivery=delivery)
                done += 1
            except DomainError as exc:
                reasons = "; ".join(str(m) for ms in exc.fields.values() for m in ms)
                messages.error(request, f"{delivery}: {reasons or exc.message}")
        if done:
            messages.success(
                request,
                ngettext(
                    "%(count)d delivery will be sent again.",
                    "%(count)d deliveries will be sent again.",
                    done,
                )
                % {"count": done},
            )
