"""Dietitians in the admin: "My clients", the client page, notes, acknowledgements and
exports. Every view resolves the client through clients.clients_for_viewer, so a dietitian
without an active care link gets 404 on any URL of that member."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from accounts import care
from accounts.models import ClientNote

from .. import services
from ..models import Client, Flag
from . import clients, report


class FlagCodeFilter(admin.SimpleListFilter):
    title = "active flag"
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        mine = clients.clients_for_viewer(request.user).values("pk")
        active = Flag.objects.filter(member__in=mine, resolved_at=None, deleted_at=None)
        codes = active.order_by("code").values_list("code", flat=True).distinct()
        return [(code, code.replace("_", " ")) for code in codes]

    def queryset(self, request, queryset):
        return clients.with_flag(queryset, self.value(), None) if self.value() else queryset


class FlagSeverityFilter(admin.SimpleListFilter):
    title = "flag severity"
    parameter_name = "severity"

    def lookups(self, request, model_admin):
        return [("critical", "Critical"), ("warning", "Warning"), ("info", "Info")]

    def queryset(self, request, queryset):
        return clients.with_flag(queryset, None, self.value()) if self.value() else queryset


class ShareCodeForm(forms.Form):
    code = forms.CharField(max_length=12, label="Share code from your client")


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


@admin.register(Client)
class ClientAdmin(ModelAdmin):
    list_display = ["name", "age", "sex", "stage", "flag_summary", "pdc", "last_activity_at"]
    list_filter = [FlagCodeFilter, FlagSeverityFilter]
    search_fields = ["email", "display_name"]
    list_per_page = 50
    show_full_result_count = False
    # Adds the "Add a client" button (the share-code page) to My clients.
    change_list_template = "tracking/client_change_list.html"

    # --- Who may see what -------------------------------------------------------------
    def get_queryset(self, request):
        return clients.clients_for_viewer(request.user)

    def _allowed(self, request) -> bool:
        return request.user.is_superuser or care.is_dietitian(request.user)

    def has_module_permission(self, request) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete and search start from the scoped queryset too.
        return super().get_search_results(request, self.get_queryset(request), search_term)

    # --- Columns ----------------------------------------------------------------------
    @admin.display(description="client", ordering="display_name")
    def name(self, client: Client) -> str:
        return client.display_name or client.email

    @admin.display(description="age")
    def age(self, client: Client):
        return client.profile.age

    @admin.display(description="sex")
    def sex(self, client: Client) -> str:
        return client.profile.get_sex_display() or "-"

    @admin.display(description="life stage")
    def stage(self, client: Client) -> str:
        return clients.stage_of(client)

    @admin.display(description="active flags")
    def flag_summary(self, client: Client) -> str:
        counts = [
            (client.critical_flags, "critical"),
            (client.warning_flags, "warning"),
            (client.info_flags, "info"),
        ]
        shown = [f"{n} {label}" for n, label in counts if n]
        return ", ".join(shown) or "none"

    @admin.display(description="PDC, 4 weeks", ordering="pdc_4w")
    def pdc(self, client: Client) -> str:
        return "-" if client.pdc_4w is None else f"{client.pdc_4w:.0f}%"

    # --- Pages ------------------------------------------------------------------------
    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("accept/", wrap(self.accept_code_view), name="tracking_client_accept"),
            path("invite/<str:token>/", wrap(accept_invite_view), name="accounts_carelink_accept"),
            path("<uuid:pk>/export.csv", wrap(self.csv_view), name="tracking_client_csv"),
            path("<uuid:pk>/report.pdf", wrap(self.pdf_view), name="tracking_client_pdf"),
            path(
                "<uuid:pk>/flags/<uuid:flag_id>/acknowledge",
                wrap(self.acknowledge_view),
                name="tracking_client_acknowledge",
            ),
            path("<uuid:pk>/notes", wrap(self.note_view), name="tracking_client_note"),
            path(
                "<uuid:pk>/notes/<uuid:note_id>",
                wrap(self.note_view),
                name="tracking_client_note_edit",
            ),
            *super().get_urls(),
        ]

    def _client(self, request, pk) -> Client:
        client = self.get_queryset(request).filter(pk=pk).first()
        if client is None or not self._allowed(request):
            raise Http404("No such client.")
        return client

    def change_view(self, request, object_id, form_url="", extra_context=None):
        client = self._client(request, object_id)
        care.log_access(client.pk, request.user, "view_client", "client page")
        context = {
            **self.admin_site.each_context(request),
            **clients.page(client, request.user),
            "opts": self.model._meta,
            "title": client.display_name or client.email,
            "note_form": NoteForm(),
        }
        return render(request, "tracking/client_page.html", context)

    def csv_view(self, request, pk):
        client = self._client(request, pk)
        care.log_access(client.pk, request.user, "export_csv")
        response = HttpResponse(clients.intake_csv(client), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="ossa-{client.pk}.csv"'
        return response

    def pdf_view(self, request, pk):
        client = self._client(request, pk)
        care.log_access(client.pk, request.user, "export_pdf")
        response = HttpResponse(report.client_report(client), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="ossa-report-{client.pk}.pdf"'
        return response

    def acknowledge_view(self, request, pk, flag_id):
        client = self._client(request, pk)
        if request.method != "POST":
            return redirect(self._page_url(client))
        flag = Flag.objects.filter(member=client, pk=flag_id).first()
        if flag is None:
            raise Http404("No such flag.")
        services.acknowledge_flag(flag, request.user)
        note = request.POST.get("note", "").strip()
        if note:
            ClientNote.objects.create(
                member=client, author=request.user, body=f"On “{flag.title}”: {note}"[:5000]
            )
        care.log_access(client.pk, request.user, "acknowledge_flag", flag.code)
        messages.success(request, f"Acknowledged: {flag.title}")
        return redirect(self._page_url(client))

    def note_view(self, request, pk, note_id=None):
        client = self._client(request, pk)
        if request.method != "POST":
            return redirect(self._page_url(client))
        form = NoteForm(request.POST)
        if form.is_valid():
            if note_id is None:
                ClientNote.objects.create(
                    member=client, author=request.user, body=form.cleaned_data["body"]
                )
            else:
                mine = ClientNote.objects.filter(pk=note_id, member=client, author=request.user)
                if not mine.update(body=form.cleaned_data["body"]):
                    raise Http404("No such note.")
            care.log_access(client.pk, request.user, "write_note")
        return redirect(self._page_url(client))

    def accept_code_view(self, request):
        if not care.is_dietitian(request.user):
            raise Http404("Only dietitians accept share codes.")
        form = ShareCodeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                link = care.accept_code(request.user, form.cleaned_data["code"])
            except ValidationError as exc:
                form.add_error("code", exc.message_dict.get("code", exc.messages))
            else:
                messages.success(request, f"You now follow {link.member}.")
                return redirect("admin:tracking_client_changelist")
        context = {**self.admin_site.each_context(request), "form": form, "title": "Add a client"}
        return render(request, "tracking/accept_code.html", context)

    def _page_url(self, client: Client) -> str:
        return reverse("admin:tracking_client_change", args=[client.pk])

    def changelist_view(self, request, extra_context=None):
        extra = {"accept_url": reverse("admin:tracking_client_accept")}
        return super().changelist_view(request, {**(extra_context or {}), **extra})


def accept_invite_view(request, token: str):
    """The link in a care invitation e-mail: the signed-in dietitian accepts it."""
    try:
        link = care.accept_invite(request.user, token)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("admin:index")
    messages.success(request, format_html("You now follow {}.", link.member))
    return redirect("admin:tracking_client_changelist")
