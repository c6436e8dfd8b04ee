"""While the broker is down, writes skip the publish at once instead of each waiting out
the connection timeout: a "broker" that accepts connections and hangs up counts how often
it is tried."""

from __future__ import annotations

import socket
import threading

import pytest

from backend import celery as ossa_celery
from backend.celery import app, enqueue_now


class HangingUpBroker:
    """A TCP port that accepts and closes every connection (no Redis speaks there)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self):
        self.server.close()


@pytest.fixture
def hanging_broker():
    broker = HangingUpBroker()
    live = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{broker.port}/0"
    app._pool = None
    app.amqp._producer_pool = None
    yield broker
    app.conf.broker_url = live
    app._pool = None
    app.amqp._producer_pool = None
    broker.close()


def test_after_one_failed_publish_the_next_ones_do_not_try_the_broker(hanging_broker):
    task = app.signature("tracking.tasks.recompute_member")

    assert enqueue_now(task, "member-1") is False
    tried = hanging_broker.connections
    assert tried >= 1

    assert enqueue_now(task, "member-2") is False
    assert enqueue_now(task, "member-3") is False
    assert hanging_broker.connections == tried


def test_the_broker_is_tried_again_after_the_pause(hanging_broker):
    task = app.signature("tracking.tasks.recompute_member")
    enqueue_now(task, "member-1")
    tried = hanging_broker.connections

    ossa_celery.broker_outage.forget()  # the pause has passed
    enqueue_now(task, "member-2")

    assert hanging_broker.connections > tried
