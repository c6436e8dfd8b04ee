from __future__ import annotations

from functools import cache

from django.db.models import Case, F, QuerySet, Value, When
from django.http import HttpResponse
from django.utils.timezone import now
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.fields import UUIDField
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import SessionCheckedByTheView, UnconfirmedMember
from backend.pagination import NewestFirstKeysetPagination

from . import filters, nutrients, planning, selectors, serializers, services, stock_levels
from .dietitians import report
from .models import Client, Flag


class IsOwnerOrReadOnly(permissions.BasePermission):
    """Catalogue products are shared and read-only; a member changes only their own."""

    message = "Catalogue products cannot be changed; add your own product instead."

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or obj.owner_id == request.user.id


class MemberViewSet(viewsets.ModelViewSet):
    """CRUD on one kind of member data: scoped by a selector, written by services.

    Subclasses declare `selector`, `create_service`, `update_service`, `delete_service`.
    """

    selector = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no member
            return self.serializer_class.Meta.model.objects.none()
        return type(self).selector(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = type(self).create_service(
            self.request.user, serializer.validated_data
        )

    def perform_update(self, serializer):
        type(self).update_service(serializer.instance, serializer.validated_data)

    def perform_destroy(self, instance):
        type(self).delete_service(instance)


def _split_ingredients(data: dict) -> tuple[dict, list[dict] | None]:
    fields = dict(data)
    return fields, fields.pop("ingredients", None)


def _create_product(owner, data):
    fields, ingredients = _split_ingredients(data)
    return services.create_product(owner, fields, ingredients or [])


def _update_product(product, data):
    fields, ingredients = _split_ingredients(data)
    return services.update_product(product, fields, ingredients)


class ProductViewSet(MemberViewSet):
    """The shared catalogue and the member's own products."""

    serializer_class = serializers.ProductSerializer
    permission_classes = [permissions.IsAuthenticated, IsOwnerOrReadOnly]
    filterset_class = filters.ProductFilter
    search_fields = ["name", "brand"]
    ordering_fields = ["name", "created_at"]
    selector = selectors.products_for_member
    create_service = _create_product
    update_service = _update_product
    delete_service = services.delete_product


class RegimenViewSet(MemberViewSet):
    """The member's plans. Deleting one ends it; its intake history stays."""

    serializer_class = serializers.RegimenSerializer
    filterset_class = filters.RegimenFilter
    ordering_fields = ["start_date", "created_at"]
    selector = selectors.regimens_for_member
    create_service = services.create_regimen
    update_service = services.update_regimen
    delete_service = services.end_regimen

    def get_queryset(self):
        return super().get_queryset().select_related("product")

    def get_serializer_context(self):
        # Read after the write: a response shows the findings the change brought.
        user = self.request.user
        if not user.is_authenticated:
            return {**super().get_serializer_context(), "findings": None, "stock": None}
        findings = cache(lambda: planning.findings(user.id))
        stock = cache(lambda: stock_levels.levels(stock_levels.stocked_plans([user.id]), now()))
        return {**super().get_serializer_context(), "findings": findings, "stock": stock}


class StockEventViewSet(MemberViewSet):
    """Counts of what is on hand and refills, per plan. An entry is history: correct a count
    by adding a new one (or delete the wrong entry). POST with a client-generated id is
    idempotent."""

    serializer_class = serializers.StockEventSerializer
    filterset_fields = ["regimen", "kind"]
    ordering_fields = ["at", "created_at"]
    http_method_names = ["get", "post", "delete", "head", "options"]
    selector = selectors.stock_events_for_member
    delete_service = services.delete_stock_event

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        event, created = services.record_stock_once(
            request.user, fields, event_id=fields.pop("id", None)
        )
        body = self.get_serializer(event).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class IntakeLogViewSet(SessionCheckedByTheView, MemberViewSet):
    """Logged doses, newest first, paged by cursor. POST with a client-generated id is
    idempotent."""

    serializer_class = serializers.IntakeLogSerializer
    filter_backends: list = []
    pagination_class = NewestFirstKeysetPagination
    selector = selectors.intakes_for_member
    update_service = services.update_intake
    delete_service = services.delete_intake

    def session_checked_here(self, request) -> bool:
        # The list checks the session in its page query: one round trip, not two.
        return self.action_map.get(request.method.lower()) == "list"

    @extend_schema(parameters=[serializers.IntakeListQuerySerializer])
    def list(self, request, *args, **kwargs):
        filters = _list_filters(request)

        def fetch(position, older, limit):
            rows = selectors.intake_page(
                request.user, limit=limit, position=position, older=older, **filters
            )
            if not rows and isinstance(request.user, UnconfirmedMember):
                request.user.confirm()  # no rows, or a signed-out device: which one
            return [serializers.intake_row(row) for row in rows]

        page = self.paginator.paginate_rows(request, fetch, _intake_position)
        return self.get_paginated_response(page)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        log, created = services.log_intake(request.user, fields, log_id=fields.pop("id", None))
        body = self.get_serializer(log).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


LIST_FILTERS = set(serializers.IntakeListQuerySerializer().fields)


def _list_filters(request) -> dict:
    if not request.query_params.keys() & LIST_FILTERS:  # the usual request: skip the work
        return {}
    query = serializers.IntakeListQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def _intake_position(row: dict):
    return row["taken_at"], row["id"]


class NutrientViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.NutrientSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return selectors.nutrients()


class AdherenceView(APIView):
    """The member's adherence per ISO week (in their zone), overall and per regimen, as last
    computed (a write is reflected within seconds: it enqueues a recompute)."""

    @extend_schema(
        parameters=[serializers.AdherenceQuerySerializer],
        responses=serializers.AdherenceSerializer,
    )
    def get(self, request):
        query = serializers.AdherenceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        member = request.user
        snapshots = selectors.adherence_for_member(member, query.validated_data["weeks"])
        body = {
            "timezone": member.profile.timezone,
            "computed_at": selectors.computed_at(member),
            "weeks": _group_by_week(snapshots),
        }
        return Response(serializers.AdherenceSerializer(body).data)


def _group_by_week(snapshots) -> list[dict]:
    weeks: dict = {}
    for row in snapshots:
        iso = row.week_start.isocalendar()
        week = weeks.setdefault(
            row.week_start,
            {
                "iso_year": iso.year,
                "iso_week": iso.week,
                "week_start": row.week_start,
                "overall": None,
                "regimens": [],
            },
        )
        if row.regimen_id is None:
            week["overall"] = row
        else:
            week["regimens"].append(row)
    return [weeks[start] for start in sorted(weeks, reverse=True)]


class FlagViewSet(viewsets.ReadOnlyModelViewSet):
    """The member's flags: active by default, history with ?status=resolved or all."""

    serializer_class = serializers.FlagSerializer
    filterset_class = filters.FlagFilter
    ordering_fields = ["first_seen_at", "resolved_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Flag.objects.none()
        return (
            selectors.flags_for_member(self.request.user)
            .select_related("acknowledged_by")
            .order_by(F("resolved_at").desc(nulls_first=True), SEVERITY_RANK, "-first_seen_at")
        )

    @extend_schema(request=None, responses=serializers.FlagSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        flag = services.acknowledge_flag(self.get_object(), request.user)
        return Response(self.get_serializer(flag).data)


SEVERITY_RANK = Case(
    *(When(severity=level, then=Value(rank)) for level, rank in Flag.SEVERITY_ORDER.items()),
    default=Value(9),
)


class PlanDayView(APIView):
    """The member's day laid out by the day planner, with why for each placement, the rules
    it could not meet, what applying it changes, and the findings about the plans as they
    are. The same computation runs offline in the app."""

    @extend_schema(
        parameters=[serializers.PlanDayQuerySerializer], responses=serializers.DayPlanSerializer
    )
    def get(self, request):
        query = serializers.PlanDayQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("date") or request.user.profile.today()
        return Response(_day_body(request.user, on, planning.day_plan(request.user.id, on)))


class PlanApplyView(APIView):
    """Apply the day's suggestion: each changed plan gets its suggested times and amounts
    through the normal plan services (its schedule history is kept)."""

    @extend_schema(request=serializers.PlanApplySerializer, responses=serializers.DayPlanSerializer)
    def post(self, request):
        body = serializers.PlanApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        on = body.validated_data.get("date") or request.user.profile.today()
        return Response(_day_body(request.user, on, services.apply_day_plan(request.user, on)))


def _day_body(member, on, plan) -> dict:
    profile = member.profile
    usual = {
        "wake": profile.wake_time,
        "breakfast": profile.breakfast_time,
        "lunch": profile.lunch_time,
        "dinner": profile.dinner_time,
        "bed": profile.bed_time,
    }
    body = {**vars(plan), "usual_day": usual, "findings": planning.findings(member.id, on)}
    return serializers.DayPlanSerializer(body).data


class PlanCheckView(APIView):
    """What saving a plan would bring, without saving it: every finding about the day with
    the plan in it, and the critical ones to confirm (send `regimen` to check a change)."""

    @extend_schema(
        request=serializers.PlanCheckSerializer, responses=serializers.PlanCheckResultSerializer
    )
    def post(self, request):
        existing = _existing_plan(request)
        proposal = serializers.PlanCheckSerializer(
            instance=existing,
            data=request.data,
            partial=existing is not None,
            context={"request": request},
        )
        proposal.is_valid(raise_exception=True)
        candidate = services.candidate_regimen(request.user, existing, proposal.validated_data)
        body = {
            "findings": planning.findings(request.user.id, replacing=candidate),
            "needs_confirmation": planning.unconfirmed(candidate),
        }
        return Response(serializers.PlanCheckResultSerializer(body).data)


def _existing_plan(request):
    """The member's plan a check is about; another member's or an unknown id reads as
    "does not exist", as everywhere."""
    raw = request.data.get("regimen") if isinstance(request.data, dict) else None
    if raw is None:
        return None
    try:
        plan_id = UUIDField().run_validation(raw)
    except ValidationError:
        raise ValidationError({"regimen": ["Must be a plan id."]}) from None
    found = selectors.regimens_for_member(request.user).filter(pk=plan_id).first()
    if found is None:
        raise ValidationError({"regimen": ["This plan does not exist."]}, code="does_not_exist")
    return found


class TotalsView(APIView):
    """What the member's days added up to, nutrient by nutrient, by day or ISO week, from
    the doses taken and from the plan, against their reference intakes (as last computed:
    a write is reflected within seconds). At most a year a request; three queries."""

    @extend_schema(
        parameters=[serializers.TotalsQuerySerializer], responses=serializers.TotalsSerializer
    )
    def get(self, request):
        member = request.user
        query = serializers.TotalsQuerySerializer(
            data=request.query_params, context={"today": member.profile.today()}
        )
        query.is_valid(raise_exception=True)
        start, end, by = (query.validated_data[k] for k in ("start", "end", "by"))
        rows = nutrients.stored_days(member.id, start, end)
        periods = [
            {
                "start": p.start,
                "end": p.end,
                "days": p.days,
                "taken": nutrients.grouped(p.taken, p.days),
                "planned": nutrients.grouped(p.planned, p.days),
            }
            for p in nutrients.periods(rows, start, end, by)
        ]
        body = {
            "start": start,
            "end": end,
            "by": by,
            "units": member.profile.units,
            "targets": nutrients.targets(member.id),
            "periods": periods,
        }
        return Response(serializers.TotalsSerializer(body).data)


class ReportView(APIView):
    """The member's own one-page PDF report (the one their dietitian can export)."""

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request):
        client = Client.objects.select_related("profile").get(pk=request.user.pk)
        response = HttpResponse(report.client_report(client), content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="ossa-report.pdf"'
        return response
