# ScalePayments infrastructure. `make synth` and `make test` are the two commands a user needs.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1

GOBIN        ?= $(shell go env GOPATH 2>/dev/null)/bin
TFLINT       := $(GOBIN)/tflint
TFLINT_VER   := v0.64.0
RULESET_VER  := v0.48.0
export TFLINT_PLUGIN_DIR := $(HOME)/.tflint.d/plugins
STACKS        = $(wildcard cdktf.out/stacks/*)
BIN          := bin/scalepayments
CDKTF        := node_modules/.bin/cdktf
ENV          ?=
# Go packages of this project; node_modules holds a Go package of its own (flatted).
GO_PKGS       = $(shell go list ./... | grep -v /node_modules/)

.PHONY: help check-tools deps tools build synth synth-hcl report bench test unit vet fmt-check lint cover diff deploy clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

check-tools:
	@command -v go >/dev/null || { echo "Go is required (1.26): https://go.dev/dl/" >&2; exit 1; }
	@command -v node >/dev/null || { echo "Node.js is required (>= 20) for jsii and the cdktf CLI" >&2; exit 1; }

deps: check-tools ## download Go modules and the pinned cdktf CLI
	go mod download
	[ -x $(CDKTF) ] || npm ci --no-audit --no-fund

tools: check-tools ## install tflint and its AWS ruleset (built from source, no GitHub download)
	[ -x $(TFLINT) ] || GOBIN=$(GOBIN) go install github.com/terraform-linters/tflint@$(TFLINT_VER)
	[ -x $(TFLINT_PLUGIN_DIR)/tflint-ruleset-aws ] || { \
	  go mod download github.com/terraform-linters/tflint-ruleset-aws@$(RULESET_VER) && \
	  mkdir -p $(TFLINT_PLUGIN_DIR) && \
	  cd "$$(go env GOMODCACHE)/github.com/terraform-linters/tflint-ruleset-aws@$(RULESET_VER)" && \
	  go build -o $(TFLINT_PLUGIN_DIR)/tflint-ruleset-aws . ; }

build: check-tools ## build the app binary
	go build -o $(BIN) .

synth: deps build ## synthesize all environments into cdktf.out/stacks/ (SCALEPAYMENTS_ENVIRONMENTS=dev,prod for a subset)
	./$(BIN)

synth-hcl: deps ## synthesize HCL (cdk.tf) with the cdktf CLI: the exit path off cdktf
	$(CDKTF) synth --hcl
	if command -v terraform >/dev/null; then terraform fmt -recursive cdktf.out/stacks >/dev/null; fi

vet:
	go vet $(GO_PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "not gofmt-formatted: $$out" >&2; exit 1; }

unit: ## every Go test (go test over the project's packages)
	go test $(GO_PKGS)

lint: tools ## tflint with the AWS ruleset on every synthesized stack
	@[ -n "$(STACKS)" ] || { echo "no stacks: run make synth first" >&2; exit 1; }
	for s in $(STACKS); do echo "tflint $$s"; $(TFLINT) --chdir $$s --config $(CURDIR)/.tflint.hcl; done

test: deps tools vet fmt-check unit synth ## every check: vet, gofmt, tests, synth, tflint
	$(MAKE) --no-print-directory lint

cover: ## coverage of the production packages across all tests
	go test -coverpkg=$$(echo "$(GO_PKGS)" | tr ' ' '\n' | grep -v /tests | paste -sd, -) -coverprofile=coverage.out $(GO_PKGS) >/dev/null
	go tool cover -func=coverage.out | tail -1

diff: deps ## terraform plan of one environment: make diff ENV=staging (needs AWS credentials)
	@[ -n "$(ENV)" ] || { echo "usage: make diff ENV=dev|staging|prod" >&2; exit 1; }
	$(CDKTF) diff scalepayments-$(ENV)

deploy: deps ## apply one environment: make deploy ENV=staging (needs AWS credentials)
	@[ -n "$(ENV)" ] || { echo "usage: make deploy ENV=dev|staging|prod" >&2; exit 1; }
	$(CDKTF) deploy scalepayments-$(ENV)

report: deps build ## synthesize and write the review report to cdktf.out/report.md
	./$(BIN) report

bench: deps ## measure synth and tests against the jsii floor (tests/bench)
	go run ./tests/bench

clean: ## remove build and synth outputs
	rm -rf cdktf.out bin coverage.out
