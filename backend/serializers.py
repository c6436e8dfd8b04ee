"""The project's ModelSerializer: model dates and times take only their one text form."""

from __future__ import annotations

from django.db import models
from rest_framework import serializers

from . import formats


class ModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: formats.DateField,
        models.TimeField: formats.ClockTimeField,
    }
