"""The benchmark's textbook-DRF peer of the intake list (bench/urls.py) shows a member the
rows of the list's first page, in the same order, and only to them: bench/api_throughput.py
holds the list's throughput against it. Only the benchmark's URL conf serves it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from .factories import IntakeLogFactory, RegimenFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/intakes?page_size=50"
PEER = "/bench/textbook/intakes?page_size=50"


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench.urls"


@pytest.fixture
def alices_doses(alice, bob):
    """Sixty of Alice's doses an hour apart, one of them deleted, and one of Bob's."""
    regimen = RegimenFactory(member=alice)
    now = timezone.now().replace(microsecond=0)
    logs = [
        IntakeLogFactory(member=alice, regimen=regimen, taken_at=now - dt.timedelta(hours=h))
        for h in range(1, 61)
    ]
    logs[3].deleted_at = now
    logs[3].save()
    IntakeLogFactory(member=bob, taken_at=now - dt.timedelta(minutes=30))


def test_the_textbook_peer_shows_alice_the_lists_first_page(bench_urls, alice_api, alices_doses):
    mine = alice_api.get(LIST)
    peer = alice_api.get(PEER)

    assert mine.status_code == peer.status_code == 200
    assert len(peer.json()["results"]) == 50
    assert peer.json()["results"] == mine.json()["results"]


def test_the_textbook_peer_wants_a_signed_in_member(bench_urls, anon_api):
    assert anon_api.get(PEER).status_code == 401


def test_the_product_does_not_serve_the_textbook_peer(alice_api):
    assert alice_api.get(PEER).status_code == 404
