"""The Celery app for the worker subprocesses the fault tests start and kill.

It is backend.celery's app with two test-only knobs from the environment:
- OSSA_FAULTS_TRANSPORT_OPTIONS (JSON) is merged into the broker transport options, so a
  test can use a visibility timeout of seconds instead of production's hour;
- OSSA_FAULTS_BATCH_CHUNK makes the nightly batch fan out smaller chunks, so a few hundred
  members give several chunks to kill a worker in the middle of.
"""

from __future__ import annotations

import json
import os

from celery.signals import worker_process_init

from backend.celery import app

_options = os.environ.get("OSSA_FAULTS_TRANSPORT_OPTIONS")
if _options:
    app.conf.broker_transport_options = {
        **(app.conf.broker_transport_options or {}),
        **json.loads(_options),
    }


@worker_process_init.connect
def _smaller_batch_chunks(**kwargs) -> None:
    chunk = os.environ.get("OSSA_FAULTS_BATCH_CHUNK")
    if chunk:
        from tracking import tasks

        tasks.BATCH_CHUNK = int(chunk)


__all__ = ["app"]
