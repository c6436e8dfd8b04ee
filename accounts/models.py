"""People and their settings: users, profiles and signed-in devices."""

from __future__ import annotations

import uuid
from datetime import date, time
from zoneinfo import ZoneInfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from sync.clock import tick
from sync.models import Syncable, SyncClock

from .reminder_moments import next_weekly_moment
from .timezones import validate_timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        """`manage.py createsuperuser`: an operator can also use the member API with their
        own token, which expects the profile and sync clock every member has."""
        fields.update(is_staff=True, is_superuser=True)
        user = self.create_user(email, password, **fields)
        self.add_member_records(user)
        return user

    def add_member_records(self, user: User, *, timezone_name: str = "UTC") -> None:
        """The sync clock and profile every member has; safe to repeat."""
        with transaction.atomic():
            SyncClock.objects.get_or_create(member=user)
            if not Profile.objects.filter(user=user).exists():
                profile = Profile(id=user.id, user=user, timezone=timezone_name)
                profile.next_weekly_reminder_at = profile.next_reminder_after(timezone.now())
                profile.server_version = tick(user.id)
                profile.save(force_insert=True)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address; the UUID is the public id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    display_name = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the member asks to delete their account (accounts.deletion); the daily task
    # deletes the account once this moment has passed. Cleared if they cancel.
    deletion_scheduled_for = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        indexes = [
            models.Index(
                fields=["deletion_scheduled_for"],
                condition=models.Q(deletion_scheduled_for__isnull=False),
                name="user_deletion_due",
            ),
        ]

    def __str__(self) -> str:
        return self.email


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"


class MenopauseStatus(models.TextChoices):
    PRE = "pre", "Premenopausal"
    PERI = "peri", "Perimenopausal"
    POST = "post", "Postmenopausal"
    UNKNOWN = "unknown", "Unknown"


class Units(models.TextChoices):
    METRIC = "metric", "Metric"
    IMPERIAL = "imperial", "Imperial"


class ReminderZone(models.TextChoices):
    HOME = "home", "Keep my home time zone"
    PHONE = "phone", "Follow my phone's time zone"


class Weekday(models.IntegerChoices):
    MONDAY = 1, "Monday"
    TUESDAY = 2, "Tuesday"
    WEDNESDAY = 3, "Wednesday"
    THURSDAY = 4, "Thursday"
    FRIDAY = 5, "Friday"
    SATURDAY = 6, "Saturday"
    SUNDAY = 7, "Sunday"


class Profile(Syncable):
    """What the rules need to know about a member, and how they want to be reminded.

    Age is derived from date_of_birth, never stored. The profile's id equals the user's.
    """

    sync_member_field = "user"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=8, choices=Sex.choices, blank=True)
    menopause_status = models.CharField(
        max_length=8, choices=MenopauseStatus.choices, default=MenopauseStatus.UNKNOWN
    )
    final_period_date = models.DateField(null=True, blank=True)
    pregnant = models.BooleanField(default=False)
    lactating = models.BooleanField(default=False)
    weight_kg = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(2), MaxValueValidator(400)],
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    units = models.CharField(max_length=8, choices=Units.choices, default=Units.METRIC)
    reminder_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.SUNDAY
    )
    reminder_time = models.TimeField(default=time(18, 0))
    remind_in_app = models.BooleanField(default=True)
    remind_by_push = models.BooleanField(default=True)
    remind_by_email = models.BooleanField(default=True)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    # The member's usual day, local times (the day planner's input); a meal left empty is
    # one they skip.
    wake_time = models.TimeField(default=time(7, 0))
    breakfast_time = models.TimeField(null=True, blank=True, default=time(7, 30))
    lunch_time = models.TimeField(null=True, blank=True, default=time(12, 30))
    dinner_time = models.TimeField(null=True, blank=True, default=time(18, 30))
    bed_time = models.TimeField(default=time(22, 30))
    # Dose reminders: the default follow-up, and whether reminders follow the phone's zone
    # (phone_timezone, set by the app) or keep the home zone when travelling.
    follow_up_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    reminder_zone = models.CharField(
        max_length=5, choices=ReminderZone.choices, default=ReminderZone.HOME
    )
    phone_timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    dose_reminders_by_email = models.BooleanField(default=False)
    # Kept by accounts.services from the fields above; the reminder planner selects due
    # members with this one indexed column and claims each by moving it forward.
    next_weekly_reminder_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reminder_weekday__gte=1, reminder_weekday__lte=7),
                name="profile_reminder_weekday_iso",
            ),
            models.CheckConstraint(
                condition=models.Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                | models.Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False),
                name="profile_quiet_hours_both_or_neither",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "server_version"]),
            models.Index(fields=["next_weekly_reminder_at"], name="profile_reminder_due"),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    # How far back a date of birth may go: older is a typing mistake, not a member.
    MAX_AGE_YEARS = 120

    def clean(self) -> None:
        """Rules across fields, for every way a profile is written (REST, sync, admin)."""
        errors: dict[str, list[str]] = {}
        today = timezone.localdate()
        born = self.date_of_birth
        if born is not None and (born > today or born.year < today.year - self.MAX_AGE_YEARS):
            errors["date_of_birth"] = ["Enter a real date of birth."]
        if self.sex == Sex.MALE and (self.pregnant or self.lactating):
            errors[NON_FIELD_ERRORS] = [
                "Pregnancy and lactation apply to the female reference intakes only."
            ]
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            errors["quiet_hours_end"] = ["Give both ends of the quiet hours, or neither."]
        meals = [at for at in (self.breakfast_time, self.lunch_time, self.dinner_time) if at]
        if self.wake_time is not None and self.bed_time is not None:
            if not self.wake_time < self.bed_time:
                errors["bed_time"] = ["Bedtime comes after waking, on the same day."]
            elif any(not self.wake_time <= at <= self.bed_time for at in meals):
                errors["wake_time"] = ["Meals fall between waking and bedtime."]
        if meals != sorted(meals):
            errors["lunch_time"] = ["Breakfast, lunch and dinner come in that order."]
        if errors:
            raise ValidationError(errors)

    def next_reminder_after(self, moment):
        return next_weekly_moment(
            moment,
            self.reminder_weekday,
            self.reminder_time,
            self.timezone,
            self.quiet_hours_start,
            self.quiet_hours_end,
        )

    def age_on(self, day: date) -> int | None:
        born = self.date_of_birth
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def age(self) -> int | None:
        return self.age_on(self.today())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def today(self) -> date:
        """The member's local date now: weeks, schedules and edits follow their zone."""
        return timezone.localdate(timezone=self.zone)

    @property
    def reminder_zone_now(self) -> ZoneInfo:
        """The zone dose reminders are timed in: the phone's, if the member chose that and
        the app has told it, else home."""
        if self.reminder_zone == ReminderZone.PHONE and self.phone_timezone:
            return ZoneInfo(self.phone_timezone)
        return self.zone


class LoginSession(models.Model):
    """One signed-in device: the family of refresh tokens issued from one login."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_sessions")
    device_name = models.CharField(max_length=120, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_used_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.device_name or 'device'} of {self.user}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class CareLink(models.Model):
    """A member's consent for one dietitian to see their data. Created by the member as a
    share code or an e-mail invite; active once a dietitian accepts it, until revoked.
    No active link, no access."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="care_links")
    dietitian = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="clients_links"
    )
    code_digest = models.CharField(max_length=64, blank=True, db_index=True)
    invited_email = models.EmailField(blank=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(help_text="An unaccepted invitation lapses then.")
    granted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "dietitian"],
                condition=models.Q(revoked_at__isnull=True, dietitian__isnull=False),
                name="care_link_one_active_per_pair",
            ),
        ]
        indexes = [models.Index(fields=["dietitian", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.member} → {self.dietitian or self.invited_email or 'share code'}"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.granted_at:
            return "active"
        return "expired" if self.expires_at <= timezone.now() else "pending"


class AccessLog(models.Model):
    """Every view or export of a member's data by a dietitian; the member can list it."""

    id = models.BigAutoField(primary_key=True)
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_log")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_name = models.CharField(max_length=254, help_text="Kept if the actor is deleted")
    action = models.CharField(max_length=32)
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["member", "-at"])]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.member} at {self.at:%Y-%m-%d %H:%M}"


class ClientNote(models.Model):
    """A dietitian's private note about a client; other dietitians never see it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="client_notes")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["member", "author"])]

    def __str__(self) -> str:
        return f"Note by {self.author} on {self.member}"
