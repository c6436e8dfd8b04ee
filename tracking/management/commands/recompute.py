"""Recompute adherence and flags now, for everyone or one member, with a progress bar."""

from __future__ import annotations

import sys
import time
import uuid

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from tracking import computation, selectors
from tracking.tasks import BATCH_CHUNK


class Command(BaseCommand):
    help = "Recompute adherence snapshots and flags (all members, or --member EMAIL_OR_ID)."

    def add_arguments(self, parser):
        parser.add_argument("--member", help="e-mail address or id of one member")
        parser.add_argument("--chunk", type=int, default=BATCH_CHUNK, help="members per batch")

    def handle(self, *args, member=None, chunk=BATCH_CHUNK, **options):
        if member:
            chunks = [[self._member_id(member)]]
            total = 1
        else:
            total = selectors.active_members().count()
            chunks = selectors.member_id_chunks(chunk)
        started = time.monotonic()
        summary = computation.Summary()
        for ids in chunks:
            summary.add(computation.recompute(ids))
            self._progress(summary.members, total)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Recomputed {summary.members} members in {elapsed:.1f} s: "
            f"{summary.snapshots_written} snapshots and {summary.flags_written} flags written."
        )

    def _member_id(self, value: str) -> uuid.UUID:
        try:
            lookup = {"id": uuid.UUID(value)}
        except ValueError:
            lookup = {"email__iexact": value}
        user = User.objects.filter(**lookup).first()
        if user is None:
            raise CommandError(f"No member {value!r}.")
        return user.id

    def _progress(self, done: int, total: int) -> None:
        if not sys.stderr.isatty() and done < total:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        self.stderr.write(f"\r[{bar}] {done}/{total}", ending="" if done < total else "\n")
        self.stderr.flush()
