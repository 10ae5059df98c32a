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

# The real AWS provider comes from the registry, or from a Terraform filesystem mirror where one
# is set or found (the CI machine image ships one; .ci/run looks for it). With a mirror, every
# terraform run here (plan-offline, validate-hcl) installs hashicorp/aws from it through the CLI
# configuration below.
MIRROR_PROBE := registry.terraform.io/hashicorp/aws
SCALEPAYMENTS_PROVIDER_MIRROR ?= $(patsubst %/$(MIRROR_PROBE),%,$(firstword $(wildcard \
  /opt/tf-plugins/$(MIRROR_PROBE) $(HOME)/.terraform.d/plugins/$(MIRROR_PROBE) /usr/share/terraform/plugins/$(MIRROR_PROBE))))
ifneq ($(SCALEPAYMENTS_PROVIDER_MIRROR),)
export TF_CLI_CONFIG_FILE := $(CURDIR)/bin/terraform.rc
endif

.PHONY: help check-tools deps tools terraformrc build lambda synth synth-hcl report bench test unit vet fmt-check lint plan-offline check validate-hcl cover diff deploy bootstrap secret db-users redeploy promote env-set clean tfc-diff tfc-apply run-task-key

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

check-tools:
	@command -v go >/dev/null || { echo "Go is required (1.26): https://go.dev/dl/" >&2; exit 1; }
	@command -v node >/dev/null || { echo "Node.js is required (>= 20) for jsii and the cdktf CLI" >&2; exit 1; }

deps: check-tools ## download Go modules and the pinned cdktf CLI
	go mod download
	[ -x $(CDKTF) ] || npm ci --no-audit --no-fund --loglevel=error

tools: check-tools ## install tflint and its AWS ruleset (built from source, no GitHub download)
	[ -x $(TFLINT) ] || GOBIN=$(GOBIN) go install github.com/terraform-linters/tflint@$(TFLINT_VER)
	[ -x $(TFLINT_PLUGIN_DIR)/tflint-ruleset-aws ] || { \
	  go mod download github.com/terraform-linters/tflint-ruleset-aws@$(RULESET_VER) && \
	  mkdir -p $(TFLINT_PLUGIN_DIR) && \
	  cd "$$(go env GOMODCACHE)/github.com/terraform-linters/tflint-ruleset-aws@$(RULESET_VER)" && \
	  go build -o $(TFLINT_PLUGIN_DIR)/tflint-ruleset-aws . ; }

terraformrc:
	@command -v terraform >/dev/null || { echo "terraform (>= 1.10) is required: https://developer.hashicorp.com/terraform/install" >&2; exit 1; }
ifneq ($(SCALEPAYMENTS_PROVIDER_MIRROR),)
	@mkdir -p bin
	@printf 'provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["%s"]\n  }\n  direct {\n    exclude = ["%s"]\n  }\n}\n' \
	  "$(SCALEPAYMENTS_PROVIDER_MIRROR)" "$(MIRROR_PROBE)" "$(MIRROR_PROBE)" > $(TF_CLI_CONFIG_FILE)
endif

build: check-tools lambda ## build the app binary (and the run task's Lambda bundle the production account stack references)
	go build -o $(BIN) .

LAMBDA_ZIP := bin/run-task.zip
lambda: ## build the run task's Lambda bundle reproducibly into bin/run-task.zip (same source, same bytes)
	go run ./stacks/runtask/bundle -o $(LAMBDA_ZIP)

synth: deps build ## synthesize all environments into cdktf.out/stacks/ (SCALEPAYMENTS_ENVIRONMENTS=dev,prod for a subset)
	./$(BIN)

HCL_OUT ?= cdktf.out
synth-hcl: deps terraformrc ## synthesize HCL (cdk.tf) with the cdktf CLI: the exit path off cdktf
	$(CDKTF) synth --hcl --output $(HCL_OUT)
	terraform fmt -recursive $(HCL_OUT)/stacks >/dev/null
	@for s in $(HCL_OUT)/stacks/*; do echo "synth-hcl: $$s/cdk.tf"; done

validate-hcl: ## synthesize the HCL into cdktf.out/hcl and validate it with the real provider (any warning fails)
	$(MAKE) --no-print-directory synth-hcl HCL_OUT=cdktf.out/hcl
	go run ./tests/offline -hcl -outdir cdktf.out/hcl

vet:
	go vet $(GO_PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "not gofmt-formatted: $$out" >&2; exit 1; }

unit: ## every Go test (go test over the project's packages)
	go test $(GO_PKGS)

lint: tools ## tflint with the AWS ruleset on every synthesized stack
	@[ -n "$(STACKS)" ] || { echo "no stacks: run make synth first" >&2; exit 1; }
	for s in $(STACKS); do echo "tflint $$s"; $(TFLINT) --chdir $$s --config $(CURDIR)/.tflint.hcl; done

plan-offline: terraformrc build ## terraform init, validate and plan of every synthesized stack with the real provider, no AWS account; the policy pack on each plan
	@[ -n "$(STACKS)" ] || { echo "no stacks: run make synth first" >&2; exit 1; }
	go run ./tests/offline
	for s in $(STACKS); do ./$(BIN) check cdktf.out/offline/$$(basename $$s)/plan.json; done
	SCALEPAYMENTS_OFFLINE_PLANS=$(CURDIR)/cdktf.out/offline go test -count=1 -run TestTheOfflinePlansPassTheRunTask ./stacks/runtask

check: build ## the policy pack on a synthesized stack or a plan: make check FILE=plan.json (terraform show -json)
	$(if $(FILE),,$(error usage: make check FILE=cdktf.out/stacks/<stack>/cdk.tf.json or a plan in terraform show -json form))
	./$(BIN) check $(FILE)

test: deps tools vet fmt-check lambda unit build ## every check: vet, gofmt, tests, synth, tflint, offline plan, HCL validation
	@# synth as a user runs it; a clean run's stderr must be empty (the output contract)
	./$(BIN) 2> bin/synth.stderr || { cat bin/synth.stderr >&2; exit 1; }
	@if [ -s bin/synth.stderr ]; then cat bin/synth.stderr >&2; echo "make test: a successful synth wrote the above to stderr" >&2; exit 1; fi
	$(MAKE) --no-print-directory lint plan-offline validate-hcl

cover: ## coverage of the production packages across all tests
	go test -coverpkg=$$(echo "$(GO_PKGS)" | tr ' ' '\n' | grep -v /tests | paste -sd, -) -coverprofile=coverage.out $(GO_PKGS) >/dev/null
	go tool cover -func=coverage.out | tail -1

diff: env-set deps build ## terraform plan of one stack: make diff ENV=staging (or ENV=account-prod; needs AWS credentials)
	./$(BIN) ready $(ENV)
	$(CDKTF) diff scalepayments-$(ENV)

deploy: env-set deps build ## apply one stack: make deploy ENV=staging (or ENV=account-prod; needs AWS credentials)
	./$(BIN) ready $(ENV)
	$(CDKTF) deploy scalepayments-$(ENV)

# First deployment and day-2 operations of one environment (README "First deployment"). They
# run terraform and the AWS CLI against the real account: credentials from the standard chains.
STACK_DIR = cdktf.out/stacks/scalepayments-$(ENV)
SERVICE  ?=
NAME     ?=

env-set: # checked while make expands the recipe, so `make -n` refuses a missing ENV too
	$(if $(ENV),,$(error usage: make $(MAKECMDGOALS) ENV=dev|staging|prod))

bootstrap: env-set deps build ## first deployment, step 4: only what the image push and the secrets need (README): make bootstrap ENV=staging
	./$(BIN) ready $(ENV)
	SCALEPAYMENTS_ENVIRONMENTS=$(ENV) ./$(BIN)
	terraform -chdir=$(STACK_DIR) init -input=false
	terraform -chdir=$(STACK_DIR) apply $$(./$(BIN) targets $(ENV))

secret: env-set ## set one application secret from standard input: make secret ENV=staging SERVICE=payment NAME=processor-api-key < value
	$(if $(and $(SERVICE),$(NAME)),,$(error usage: make secret ENV=... SERVICE=... NAME=... < file-holding-the-value))
	aws secretsmanager put-secret-value --secret-id scalepayments/$(ENV)/$(SERVICE)/$(NAME) --secret-string file:///dev/stdin >/dev/null

db-users: env-set build ## create the IAM-authenticated database users through the RDS Data API: make db-users ENV=staging
	cluster=$$(terraform -chdir=$(STACK_DIR) output -raw aurora_cluster_arn); \
	secret=$$(terraform -chdir=$(STACK_DIR) output -raw aurora_master_secret_arn); \
	./$(BIN) db-users $(ENV) | while IFS= read -r sql; do \
	  echo "$$sql"; \
	  aws rds-data execute-statement --resource-arn "$$cluster" --secret-arn "$$secret" --database scalepayments --sql "$$sql" >/dev/null; \
	done

redeploy: env-set build ## force a new deployment of every service (after pushing images late): make redeploy ENV=staging
	cluster=$$(terraform -chdir=$(STACK_DIR) output -raw ecs_cluster_name); \
	for svc in $$(./$(BIN) services $(ENV)); do \
	  aws ecs update-service --cluster "$$cluster" --service "$$svc" --force-new-deployment >/dev/null && echo "redeploying $$svc"; \
	done

promote: build ## copy tested image digests forward: make promote FROM=staging TO=prod [SERVICE=payment]
	$(if $(and $(FROM),$(TO)),,$(error usage: make promote FROM=staging TO=prod [SERVICE=payment]))
	./$(BIN) promote $(FROM) $(TO) $(SERVICE)

# Terraform Cloud as the runner (README "Terraform Cloud"): a token from TFE_TOKEN or terraform login.
tfc-diff: build ## how Terraform Cloud differs from the repository (exit 1 on drift, made in the UI or anywhere else)
	./$(BIN) tfc diff

tfc-apply: build ## make Terraform Cloud match the repository: project, workspaces, variables, run triggers, run task, notifications
	./$(BIN) tfc apply

# The run task's HMAC key: production account credentials (secretsmanager:PutSecretValue on the
# one secret) and a Terraform Cloud token. The key goes from /dev/urandom to both, never printed.
RUN_TASK_SECRET := scalepayments-account-prod/run-task/hmac-key
run-task-key: build ## create or rotate the run task's HMAC key: store it in Secrets Manager and register the run task with it (every 90 days)
	@key=$$(head -c 32 /dev/urandom | od -An -vtx1 | tr -d ' \n') && \
	printf %s "$$key" | aws secretsmanager put-secret-value --secret-id $(RUN_TASK_SECRET) --secret-string file:///dev/stdin >/dev/null && \
	SCALEPAYMENTS_RUN_TASK_HMAC_KEY="$$key" ./$(BIN) tfc apply

report: deps build ## synthesize and write the review report to cdktf.out/report.md
	./$(BIN) report

bench: deps terraformrc ## measure synth, offline plan and tests against the jsii floor (tests/bench)
	go run ./tests/bench

clean: ## remove build and synth outputs
	rm -rf cdktf.out bin coverage.out
