# Local development for mediad. The stack (PostgreSQL, Redis, MinIO, media
# tools) is managed by scripts/devstack; its state lives in .devstack/.
#
#   make run       start the stack, build, migrate and run `mediad all`
#   make test      start the stack (+ Chromium for the share page test) and run
#                  all Go tests (race detector on)
#   make bench     start the stack (+ bench tools) and run cmd/mediabench
#                  (SCENARIO=name, PROFILE=1)
#   make lint      go vet + gofmt check
#   make faults    the fault suite (scripts/faults): private PostgreSQL,
#                  Redis and MinIO killed and restarted, mediad SIGKILLed
#   make fuzz      run every fuzz target (scripts/fuzz), FUZZTIME each (30s;
#                  e.g. FUZZTIME=10m; FUZZJOBS=2 runs two at once, one core
#                  each); summary in .devstack/fuzz/summary.txt
#   make build     build .devstack/bin/mediad
#   make clean     remove built binaries (keeps MinIO and its data)
#   make devstack-up / devstack-down / devstack-status
#   make cluster   start the local HA cluster in .cluster/ (scripts/cluster up)
#   make cluster-down    stop the cluster (data stays in .cluster/)
#   make cluster-status  cluster processes, primaries and /readyz
#   make chaos     fault test on the cluster: kill nodes under load, 0 lost (docs/scaling.md)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.ONESHELL:
.DEFAULT_GOAL := build

GO       ?= go
DEVSTACK := scripts/devstack
BIN      := .devstack/bin
MEDIAD   := $(BIN)/mediad
HTTP_ADDR ?= 127.0.0.1:8080
FUZZTIME ?= 30s
FUZZJOBS ?= 1

# Loads the stack's environment into the recipe's shell (fails if it can't).
LOAD_ENV = stack_env="$$($(DEVSTACK) env)"; eval "$$stack_env"

.PHONY: help run test bench lint faults fuzz build clean devstack-up devstack-down devstack-status \
	cluster cluster-down cluster-status chaos

help:
	@sed -n '1,/^$$/s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

build:
	mkdir -p $(BIN)
	$(GO) build -o $(MEDIAD) ./cmd/mediad

run: devstack-up build
	@$(LOAD_ENV)
	export MEDIA_DEV_LOGIN=true MEDIA_HTTP_ADDR=$(HTTP_ADDR)
	echo "+ mediad migrate"
	$(MEDIAD) migrate
	echo
	echo "mediad is starting (Ctrl-C to stop). Try:"
	echo "  curl -s http://$(HTTP_ADDR)/healthz"
	echo "  curl -s http://$(HTTP_ADDR)/readyz"
	echo "  curl -s -XPOST $(HTTP_ADDR)/v1/auth/dev -d '{\"name\":\"alice\"}' -H 'content-type: application/json'"
	echo "  metrics: http://127.0.0.1:9090/metrics"
	echo
	exec $(MEDIAD) all

test:
	@$(DEVSTACK) up --browser
	$(LOAD_ENV)
	echo "+ go test -race -count=1 -timeout 20m ./..."
	$(GO) test -race -count=1 -timeout 20m ./...
	scripts/clients-test

bench:
	@$(DEVSTACK) up --bench
	$(LOAD_ENV)
	$(GO) run ./cmd/mediabench $(if $(SCENARIO),-scenario $(SCENARIO)) $(if $(PROFILE),-profile)

lint:
	@echo "+ go vet ./..."
	$(GO) vet ./...
	echo "+ gofmt -l"
	unformatted="$$(find . \( -path ./.devstack -o -path ./.git -o -path ./vendor \) -prune -o -name '*.go' -print0 | xargs -0 -r gofmt -l)"
	if [[ -n "$$unformatted" ]]; then
	  echo "gofmt: these files need formatting (run gofmt -w):" >&2
	  echo "$$unformatted" >&2
	  exit 1
	fi

faults:
	@scripts/faults

fuzz:
	@GO=$(GO) FUZZTIME=$(FUZZTIME) FUZZJOBS=$(FUZZJOBS) scripts/fuzz

clean:
	rm -f $(MEDIAD) $(BIN)/mediabench
	rm -rf bin/
	find . \( -path ./.devstack -o -path ./.git \) -prune -o -name '*.test' -type f -print -exec rm -f {} +

devstack-up:
	@$(DEVSTACK) up

devstack-down:
	@$(DEVSTACK) down

devstack-status:
	@$(DEVSTACK) status

cluster:
	@scripts/cluster up

cluster-down:
	@scripts/cluster down

cluster-status:
	@scripts/cluster status

# The fault test needs the cluster up; it leaves it running (make cluster-down).
chaos:
	@scripts/cluster up
	@cluster_env="$$(scripts/cluster env)"; eval "$$cluster_env"; go run ./cmd/mediachaos
