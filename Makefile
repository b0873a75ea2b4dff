# Shuzhuan developer commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
BENCHMARKS ?= ../shared/benchmarks
EVAL_BENCH_SIZE ?= 100000
HOST ?= 127.0.0.1
export FLASK_APP := app:create_app

.PHONY: install run serve db demo test e2e lint format translations translations-extract bench bench-portal eval model chaos clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,postgres,redis,prod]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile --use-fuzzy -d app/translations -D messages

translations-extract: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o app/translations/messages.pot app templates
	$(VENV)/bin/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

db: install
	$(VENV)/bin/flask db upgrade

demo: db
	$(VENV)/bin/flask demo load

run: demo
	$(VENV)/bin/flask run --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install lint
	$(PY) -m pytest -n 2 -q

# The loop in Debian's Chromium (apt-get install chromium chromium-driver fonts-noto-cjk);
# screenshots land in e2e-artifacts/.
e2e: install
	SHUZHUAN_E2E=1 $(PY) -m pytest tests/e2e -q -p no:xdist -p no:cacheprovider -W "ignore::pytest.PytestUnraisableExceptionWarning"

bench: install
	$(PY) -m matching bench

# The portal's pages under gunicorn beside a bare Flask hello-world, with wrk (apt-get install wrk).
bench-portal: install
	$(PY) -m app.bench.portal --listings $(or $(LISTINGS),1000)

# The quality and speed table of issue 13 (a few minutes; EVAL_BENCH_SIZE= skips the 100k run).
eval: install
	$(PY) -m matching table --bench $(BENCHMARKS) $(if $(EVAL_BENCH_SIZE),--bench-size $(EVAL_BENCH_SIZE))

# The shipped default model: readers and ranker fitted on market-train + the catalogue.
model: install
	$(PY) -m matching model --catalog $(BENCHMARKS)/market-dev/catalog.jsonl --train $(BENCHMARKS)/market-train/cases.jsonl --out matching/data/default-model.npz

# Conflicting transitions under faults against gunicorn + PostgreSQL (scratch database on
# CHAOS_POSTGRES_URL's server) + a private redis-server; prints the ledger, fails on any
# doubled or lost change. CHAOS_ROUNDS (100) rounds per race pair; about three minutes.
chaos: install
	$(PY) -m chaos.run

clean:
	rm -rf $(VENV) instance/*.sqlite instance/search-* .pytest_cache
