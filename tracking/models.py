"""What members take and when: catalogue, plans (regimens) and logged doses."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

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
    OTHER = "other", "Other"


class Release(models.TextChoices):
    IMMEDIATE = "immediate", "Immediate release"
    DELAYED = "delayed", "Delayed release"


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

    @property
    def in_catalogue(self) -> bool:
        return self.owner_id is None


class Ingredient(models.Model):
    """How much of one nutrient a single serving of a product holds."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="ingredients")
    nutrient = models.ForeignKey(Nutrient, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(
        max_digits=9, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    form = models.CharField(
        max_length=60, blank=True, help_text="e.g. carbonate, citrate, bisglycinate, all-trans MK-7"
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
        indexes = [models.Index(fields=["member", "server_version"])]

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
