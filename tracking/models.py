"""What members take and when: catalogue, plans (regimens) and logged doses."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import User
from sync.models import Syncable

MAX_SERVINGS = Decimal("100")
servings_validators = [MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_SERVINGS)]


class NutrientUnit(models.TextChoices):
    MCG = "mcg", "mcg"
    MG = "mg", "mg"


class Nutrient(models.Model):
    """A nutrient the rules reason about, with the unit all amounts of it use."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=80)
    unit = models.CharField(max_length=4, choices=NutrientUnit.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class ProductKind(models.TextChoices):
    SUPPLEMENT = "supplement", "Supplement"
    MEDICINE = "medicine", "Medicine"


class DrugClass(models.TextChoices):
    NONE = "", "None"
    BISPHOSPHONATE = "bisphosphonate", "Bisphosphonate"
    VITAMIN_K_ANTAGONIST = "vitamin_k_antagonist", "Vitamin K antagonist"
    GLUCOCORTICOID = "glucocorticoid", "Glucocorticoid"
    ANTACID = "antacid", "Antacid"
    THYROID_HORMONE = "thyroid_hormone", "Thyroid hormone"
    OTHER = "other", "Other"


class Drug(models.TextChoices):
    NONE = "", "None"
    ALENDRONATE = "alendronate", "Alendronate"
    RISEDRONATE = "risedronate", "Risedronate"
    IBANDRONATE = "ibandronate", "Ibandronate"
    WARFARIN = "warfarin", "Warfarin"
    ACENOCOUMAROL = "acenocoumarol", "Acenocoumarol"
    PHENPROCOUMON = "phenprocoumon", "Phenprocoumon"
    PREDNISOLONE = "prednisolone", "Prednisolone"
    PREDNISONE = "prednisone", "Prednisone"
    LEVOTHYROXINE = "levothyroxine", "Levothyroxine"
    OTHER = "other", "Other"


class Release(models.TextChoices):
    IMMEDIATE = "immediate", "Immediate release"
    DELAYED = "delayed", "Delayed release"


class UsualSchedule(models.TextChoices):
    """How often a medicine's label says it is taken (docs/domain.md#bisphosphonates)."""

    NONE = "", "Not stated"
    DAILY = "daily", "Once a day"
    WEEKLY = "weekly", "Once a week"
    MONTHLY = "monthly", "Once a month"


class ServingUnit(models.TextChoices):
    TABLET = "tablet", "tablet"
    CAPSULE = "capsule", "capsule"
    SOFTGEL = "softgel", "softgel"
    DROP = "drop", "drop"
    SCOOP = "scoop", "scoop"
    SACHET = "sachet", "sachet"
    ML = "ml", "ml"


class Product(Syncable):
    """A supplement or medicine. No owner: the shared catalogue; else a member's own."""

    sync_member_field = "owner"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="products",
    )
    name = models.CharField(max_length=120)
    brand = models.CharField(max_length=80, blank=True)
    kind = models.CharField(max_length=12, choices=ProductKind.choices)
    drug_class = models.CharField(max_length=24, choices=DrugClass.choices, blank=True)
    drug = models.CharField(max_length=16, choices=Drug.choices, blank=True)
    release = models.CharField(max_length=10, choices=Release.choices, default=Release.IMMEDIATE)
    strength_mg = models.DecimalField(
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="Active substance per serving, for medicines.",
    )
    serving_unit = models.CharField(
        max_length=8, choices=ServingUnit.choices, default=ServingUnit.CAPSULE
    )
    notes = models.TextField(max_length=2000, blank=True)
    usual_schedule = models.CharField(
        max_length=8,
        choices=UsualSchedule.choices,
        blank=True,
        help_text="How often the label says it is taken; a plan taking it more often is "
        "a critical finding to confirm.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=Q(owner__isnull=True), name="catalogue_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="medicine") | (Q(drug_class="") & Q(drug="")),
                name="product_drug_only_for_medicines",
            ),
        ]
        indexes = [models.Index(fields=["owner", "server_version"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kind != ProductKind.MEDICINE:
            errors = {
                name: ["Only medicines have a drug class and drug."]
                for name in ("drug_class", "drug")
                if getattr(self, name)
            }
            if errors:
                raise ValidationError(errors)

    @property
    def in_catalogue(self) -> bool:
        return self.owner_id is None


class AmountBasis(models.TextChoices):
    ELEMENTAL = "elemental", "Elemental amount"
    COMPOUND = "compound", "Weight of the compound (the salt)"


class Ingredient(models.Model):
    """How much of one nutrient a single serving of a product holds: the elemental amount,
    or, for a mineral salt whose share of the mineral docs/domain.md#elemental-calcium gives,
    the weight of the salt as a label prints it ("calcium carbonate 1,250 mg")."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="ingredients")
    nutrient = models.ForeignKey(Nutrient, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(
        max_digits=9, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    form = models.CharField(
        max_length=60, blank=True, help_text="e.g. carbonate, citrate, bisglycinate, all-trans MK-7"
    )
    basis = models.CharField(
        max_length=9, choices=AmountBasis.choices, default=AmountBasis.ELEMENTAL
    )

    class Meta:
        ordering = ["nutrient__position"]
        constraints = [
            models.UniqueConstraint(fields=["product", "nutrient"], name="ingredient_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ingredient_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.nutrient.unit} {self.nutrient.name}"


class ScheduleKind(models.TextChoices):
    DAILY = "daily", "Daily at set times"
    WEEKDAYS = "weekdays", "On given weekdays"
    MONTHLY = "monthly", "Monthly on a day"
    INTERVAL = "interval", "Every N days"
    AS_NEEDED = "as_needed", "As needed"


class Regimen(Syncable):
    """A member's plan for one product: how much, on which schedule, from when to when.

    Times are local wall-clock times in the member's time zone ("HH:MM"); weekdays are ISO
    numbers (1 = Monday). A monthly day past the month's end falls on its last day.
    """

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="regimens"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="regimens")
    servings_per_dose = models.DecimalField(
        max_digits=6, decimal_places=2, default=1, validators=servings_validators
    )
    schedule_kind = models.CharField(max_length=10, choices=ScheduleKind.choices)
    times = models.JSONField(default=list, blank=True)
    weekdays = models.JSONField(default=list, blank=True)
    day_of_month = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    interval_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(2), MaxValueValidator(365)]
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    note = models.TextField(max_length=1000, blank=True)
    # Critical plan-time findings the member confirmed for this plan, by code (e.g. a weekly
    # medicine planned daily): the plan is saved only once each is confirmed.
    confirmed_findings = models.JSONField(default=list, blank=True)
    # Dose reminders at each scheduled time (on by default for medicines, a choice for
    # supplements), and a follow-up this many minutes after when nothing is logged (None:
    # the member's default).
    remind = models.BooleanField(default=False)
    follow_up_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    # Stock: servings in a pack, and how many days before running out to remind.
    pack_size = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, validators=servings_validators[:1]
    )
    refill_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    # The next dose moment to remind of and the moment the refill reminder is due, kept by
    # tracking.services; the reminder planner selects due plans with these indexed columns
    # and claims each by moving it on.
    next_dose_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    next_refill_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["start_date", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="regimen_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(servings_per_dose__gt=0) & Q(servings_per_dose__lte=MAX_SERVINGS),
                name="regimen_servings_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(schedule_kind="monthly") | Q(day_of_month__isnull=False),
                name="regimen_monthly_has_day",
            ),
            models.CheckConstraint(
                condition=~Q(schedule_kind="interval") | Q(interval_days__gte=2),
                name="regimen_interval_has_days",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "server_version"]),
            models.Index(fields=["next_dose_reminder_at"], name="regimen_dose_reminder_due"),
            models.Index(fields=["next_refill_reminder_at"], name="regimen_refill_reminder_due"),
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.get_schedule_kind_display()})"


class IntakeStatus(models.TextChoices):
    TAKEN = "taken", "Taken"
    SKIPPED = "skipped", "Skipped"


class IntakeSource(models.TextChoices):
    APP = "app", "App"
    API = "api", "API"
    SYNC = "sync", "Sync"
    ADMIN = "admin", "Admin"
    IMPORT = "import", "Import"


class IntakeLog(Syncable):
    """One dose event. Its id may come from the client, so retries never duplicate it."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intake_logs"
    )
    regimen = models.ForeignKey(
        Regimen, on_delete=models.PROTECT, null=True, blank=True, related_name="intake_logs"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="intake_logs")
    servings = models.DecimalField(
        max_digits=6, decimal_places=2, default=1, validators=servings_validators
    )
    taken_at = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=IntakeStatus.choices, default=IntakeStatus.TAKEN
    )
    note = models.TextField(max_length=1000, blank=True)
    source = models.CharField(max_length=8, choices=IntakeSource.choices, default=IntakeSource.API)

    # What the API shows of a dose, in this order (the serializer and the list's query).
    SHOWN_FIELDS = (
        "id",
        "regimen",
        "product",
        "servings",
        "taken_at",
        "status",
        "note",
        "source",
        "created_at",
        "updated_at",
    )

    class Meta:
        ordering = ["-taken_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(servings__gt=0) & Q(servings__lte=MAX_SERVINGS),
                name="intake_servings_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "-taken_at"]),
            models.Index(fields=["member", "server_version"]),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.status} at {self.taken_at:%Y-%m-%d %H:%M}"


class StockKind(models.TextChoices):
    COUNT = "count", "Counted on hand"
    REFILL = "refill", "Refilled"


class StockEvent(Syncable):
    """One entry of a plan's stock history: a count of what is on hand, or a refill. Stock
    on hand is worked out from these and the doses taken since (tracking/rules/stock.py)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stock_events"
    )
    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="stock_events")
    kind = models.CharField(max_length=6, choices=StockKind.choices)
    servings = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(9999)]
    )
    at = models.DateTimeField()
    note = models.TextField(max_length=500, blank=True)

    class Meta:
        ordering = ["regimen", "at"]
        indexes = [
            models.Index(fields=["member", "server_version"]),
            models.Index(fields=["regimen", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.servings} of {self.regimen_id}"


class RegimenSchedule(models.Model):
    """One version of a regimen's schedule, in force from a local date until the next one.

    Editing a plan adds (or, on the same day, replaces) a version effective from the
    member's today, so adherence for earlier weeks keeps the schedule that applied then.
    """

    regimen = models.ForeignKey(Regimen, on_delete=models.CASCADE, related_name="schedules")
    effective_from = models.DateField()
    servings_per_dose = models.DecimalField(max_digits=6, decimal_places=2)
    schedule_kind = models.CharField(max_length=10, choices=ScheduleKind.choices)
    times = models.JSONField(default=list)
    weekdays = models.JSONField(default=list)
    day_of_month = models.PositiveSmallIntegerField(null=True)
    interval_days = models.PositiveSmallIntegerField(null=True)

    # A plan's schedule as each version keeps it (the plan's own fields of the same names).
    VERSIONED_FIELDS = (
        "servings_per_dose",
        "schedule_kind",
        "times",
        "weekdays",
        "day_of_month",
        "interval_days",
    )

    class Meta:
        ordering = ["regimen", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["regimen", "effective_from"], name="regimen_schedule_once_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.regimen_id} from {self.effective_from}"


class ReferenceIntake(models.Model):
    """A row of the reference-intake table (RDA, AI or UL for one life stage) of
    docs/domain.md#reference-intakes.

    Versioned data, loaded by migration from tracking/data/reference_intakes.csv; the rules
    read these rows, never literals.
    """

    version = models.CharField(max_length=16)
    nutrient = models.CharField(max_length=16)
    kind = models.CharField(max_length=3)
    sex = models.CharField(max_length=6)
    condition = models.CharField(max_length=10)
    age_from_months = models.PositiveSmallIntegerField()
    age_to_months = models.PositiveSmallIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=8, decimal_places=2)
    unit = models.CharField(max_length=4, choices=NutrientUnit.choices)
    source = models.CharField(max_length=16, help_text="Source key (docs/domain.md#sources)")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["version", "nutrient", "kind", "age_from_months", "sex", "condition"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "nutrient", "kind", "sex", "condition", "age_from_months"],
                name="reference_intake_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nutrient} {self.kind} {self.amount} {self.unit} ({self.source})"


class AdherenceSnapshot(Syncable):
    """Computed adherence for one ISO week (member's zone), per regimen or overall (no
    regimen). Read-only for clients; rewritten only when a value changes."""

    # No index of its own: the unique and composite indexes below lead with the member, and
    # one index fewer is one less to keep on every row the nightly batch writes.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="adherence",
        db_index=False,
    )
    regimen = models.ForeignKey(
        Regimen, on_delete=models.CASCADE, null=True, blank=True, related_name="adherence"
    )
    week_start = models.DateField(help_text="Monday of the ISO week, in the member's zone")
    scheduled = models.PositiveIntegerField()
    taken = models.PositiveIntegerField()
    on_time = models.PositiveIntegerField()
    skipped = models.PositiveIntegerField()
    days_covered = models.PositiveSmallIntegerField()
    days_in_period = models.PositiveSmallIntegerField()
    dose_taking_pct = models.FloatField(null=True)
    timing_pct = models.FloatField(null=True)
    pdc_pct = models.FloatField(null=True)
    streak_days = models.PositiveIntegerField()

    VALUE_FIELDS = (
        "scheduled",
        "taken",
        "on_time",
        "skipped",
        "days_covered",
        "days_in_period",
        "dose_taking_pct",
        "timing_pct",
        "pdc_pct",
        "streak_days",
    )

    class Meta:
        ordering = ["member", "-week_start", "regimen"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "regimen", "week_start"],
                condition=Q(regimen__isnull=False),
                name="adherence_once_per_regimen_week",
            ),
            models.UniqueConstraint(
                fields=["member", "week_start"],
                condition=Q(regimen__isnull=True),
                name="adherence_once_overall_per_week",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "week_start"]),
            models.Index(fields=["member", "server_version"]),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.week_start} {self.regimen_id or 'overall'}"


def _amount() -> models.DecimalField:
    return models.DecimalField(max_digits=14, decimal_places=5, default=0)


class NutrientDay(Syncable):
    """What one local day added up to for a member, nutrient by nutrient: from the doses
    taken, and from the plan as it stood (docs/domain.md#reference-intakes). Computed with
    adherence (tracking.computation), read-only for clients; a row exists for each day of
    the window on which something was taken or planned."""

    NUTRIENTS = ("k1", "k2_mk4", "k2_mk7", "d2", "d3", "calcium", "magnesium")

    # No index of its own, as for AdherenceSnapshot: nutrient_day_once leads with the member.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="nutrient_days",
        db_index=False,
    )
    day = models.DateField(help_text="A local date in the member's zone")
    k1 = _amount()
    k2_mk4 = _amount()
    k2_mk7 = _amount()
    d2 = _amount()
    d3 = _amount()
    calcium = _amount()
    magnesium = _amount()
    planned_k1 = _amount()
    planned_k2_mk4 = _amount()
    planned_k2_mk7 = _amount()
    planned_d2 = _amount()
    planned_d3 = _amount()
    planned_calcium = _amount()
    planned_magnesium = _amount()

    VALUE_FIELDS = (*NUTRIENTS, *(f"planned_{code}" for code in NUTRIENTS))

    class Meta:
        ordering = ["member", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["member", "day"], name="nutrient_day_once"),
        ]
        indexes = [models.Index(fields=["member", "server_version"])]

    def __str__(self) -> str:
        return f"{self.member_id} {self.day}"


class NutrientTarget(Syncable):
    """A member's reference intake for one nutrient group and their life stage now: the RDA
    or AI and the UL, from the reference table (tracking/data/reference_intakes.csv)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nutrient_targets"
    )
    nutrient = models.CharField(max_length=12)  # vitamin_k, vitamin_d, calcium, magnesium
    unit = models.CharField(max_length=4, choices=NutrientUnit.choices)
    intake_kind = models.CharField(max_length=3, blank=True)  # rda, ai; "" when unknown
    intake = models.DecimalField(max_digits=10, decimal_places=3, null=True)
    upper_limit = models.DecimalField(max_digits=10, decimal_places=3, null=True)
    source = models.CharField(max_length=16, blank=True)
    note = models.CharField(max_length=200, blank=True)

    VALUE_FIELDS = ("unit", "intake_kind", "intake", "upper_limit", "source", "note")

    class Meta:
        ordering = ["member", "nutrient"]
        constraints = [
            models.UniqueConstraint(fields=["member", "nutrient"], name="nutrient_target_once"),
        ]
        indexes = [models.Index(fields=["member", "server_version"])]

    def __str__(self) -> str:
        return f"{self.member_id} {self.nutrient}"


class Severity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class Audience(models.TextChoices):
    MEMBER = "member", "Member"
    DIETITIAN = "dietitian", "Dietitian"
    BOTH = "both", "Member and dietitian"


class Flag(Syncable):
    """Computed context for a member (the rules of docs/domain.md). One row per episode:
    while active it is updated in place (keeping its acknowledgement); once resolved it
    stays as history and a later recurrence opens a new row."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    code = models.SlugField(max_length=48)
    subject = models.CharField(max_length=64, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    title = models.CharField(max_length=160)
    explanation = models.TextField()
    evidence = models.JSONField(default=dict)
    source = models.CharField(max_length=64, help_text="Source key(s) (docs/domain.md#sources)")
    audience = models.CharField(max_length=9, choices=Audience.choices, default=Audience.BOTH)
    first_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    CONTENT_FIELDS = ("severity", "title", "explanation", "evidence", "source", "audience")
    SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}

    class Meta:
        ordering = ["resolved_at", "-first_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "code", "subject"],
                condition=Q(resolved_at__isnull=True),
                name="flag_one_active_episode",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "resolved_at"]),
            models.Index(fields=["member", "server_version"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.severity})"

    @property
    def is_active(self) -> bool:
        return self.resolved_at is None


class MemberComputation(models.Model):
    """When a member's adherence and flags were last computed (for "as of" displays and
    the batch's catch-up), kept apart so recomputing identical results rewrites no rows."""

    member = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="computation",
    )
    computed_at = models.DateTimeField()
    runs = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.member_id} at {self.computed_at:%Y-%m-%d %H:%M}"


class Client(User):
    """A member as a dietitian sees them in the admin ("My clients"); rows come only from
    accounts.selectors.clients_for, the one scoping rule."""

    class Meta:
        proxy = True
        verbose_name = "client"
        verbose_name_plural = "my clients"
