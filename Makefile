# The front desk for med spas. `make help` lists every target.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
BOOTSTRAP := scripts/bootstrap.sh

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.PHONY: install
install: ## install the pinned toolchain and every package (uv, .venv from uv.lock)
	@$(BOOTSTRAP)

.PHONY: run
run: install ## bring the whole system up here and open a terminal phone to text the demo spa (Ctrl-C stops all)
	@$(PY) -m devstack run

.PHONY: up
up: install ## start the whole system in the background; returns when every service is ready
	@$(PY) -m devstack up

.PHONY: down
down: install ## stop what `make up` started
	@$(PY) -m devstack down

.PHONY: status
status: install ## show each service's readiness
	@$(PY) -m devstack status

.PHONY: phone
phone: install ## text the running demo spa from the terminal (after `make up`)
	@$(PY) -m devstack phone

.PHONY: test
test: install ## run every test: unit, service and integration (real NATS JetStream and PostgreSQL)
	@scripts/test.sh

.PHONY: test-fast
test-fast: install ## run the tests that need no servers
	@scripts/test.sh -m "not integration and not browser"

.PHONY: proto
proto: install ## regenerate the contract code from proto/ into libs/contracts
	@$(PY) scripts/genproto.py

.PHONY: lint
lint: install ## ruff (check and format) everywhere, mypy on libs/
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/mypy libs/kit/src libs/spa-config/src

.PHONY: eval
eval: install ## the agent's conversation scenarios through the whole stack: pass rate by category
	@$(PY) services/agent/eval/run_eval.py

.PHONY: images
images: ## build one image per service and the migration image (needs a Docker engine; REGISTRY, TAG, PUSH=1)
	@deploy/docker/build-images.sh

.PHONY: deploy-check
deploy-check: install ## render the Helm chart for dev and prod values and check it offline (schemas, security, NetworkPolicies, Dockerfiles)
	@$(PY) -m pytest -q deploy/k8s/tests

.PHONY: bench
bench: install ## benchmarks, printed as tables
	@$(PY) services/scheduler/bench/bench_find_slots.py
	@$(PY) services/agent/bench/bench_agent.py
	@$(PY) services/telephony/bench/bench_webhooks.py --agent stub
	@$(PY) services/telephony/bench/bench_webhooks.py --agent real
	@$(PY) services/payments/bench/bench_deposits.py
	@$(PY) services/outreach/bench/bench_outreach.py
