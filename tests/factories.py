from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts import services as account_services
from accounts.models import User
from tracking.models import Flag, Ingredient, IntakeLog, Nutrient, Product, Regimen


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.com")
    display_name = factory.Faker("first_name")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def member_records(user, create, extracted, **kwargs):
        if create:
            user.save()
            account_services.create_member_records(user, timezone_name=kwargs.get("tz", "UTC"))


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    owner = factory.SubFactory(MemberFactory)
    name = factory.Sequence(lambda n: f"My K2 {n}")
    kind = "supplement"
    serving_unit = "capsule"

    @factory.post_generation
    def ingredients(product, create, extracted, **kwargs):
        if create and extracted is None:
            Ingredient.objects.create(
                product=product, nutrient=Nutrient.objects.get(code="k2_mk7"), amount=Decimal("90")
            )


class RegimenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Regimen

    member = factory.SubFactory(MemberFactory)
    product = factory.LazyAttribute(lambda o: ProductFactory(owner=o.member))
    schedule_kind = "daily"
    times = factory.LazyFunction(lambda: ["08:00"])
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))


class IntakeLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntakeLog

    member = factory.SubFactory(MemberFactory)
    regimen = factory.LazyAttribute(lambda o: RegimenFactory(member=o.member))
    product = factory.LazyAttribute(lambda o: o.regimen.product)
    taken_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=1))
    status = "taken"


class FlagFactory(factory.django.DjangoModelFactory):
    """A computed flag, as the engine would write it."""

    class Meta:
        model = Flag

    member = factory.SubFactory(MemberFactory)
    code = "d3_without_k2"
    severity = "info"
    title = "Vitamin D3 without K2"
    explanation = "You take vitamin D3 but no vitamin K2."
    evidence = factory.LazyFunction(lambda: {"d3_products": ["Vitamin D3 25 mcg"]})
    source = "SEED"
    first_seen_at = factory.LazyFunction(timezone.now)
