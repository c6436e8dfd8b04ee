"""What accounts tells the apps built on it.

accounts imports none of them: tracking and notifications connect their receivers in their
AppConfig.ready (tracking/apps.py), so each arrow points down and can be read there. Every
signal is sent by a service, after the write it announces, inside its transaction.
"""

from __future__ import annotations

from django.dispatch import Signal

# A member's profile changed in a way the computed weeks and flags may depend on (age,
# sex, life stage, zone). Arguments: member_id, changed (the names of the fields whose value
# changed).
profile_changed = Signal()

# Reminders stop for a member whose account is to be deleted, and resume if they cancel.
# Accounts clears and restores its own (the weekly digest); receivers do theirs.
# Arguments: user.
reminders_paused = Signal()
reminders_resumed = Signal()
