# visio: the two commands that matter are `make run` and `make test`.
# Needs Go and Node.js (npm); the browser tests also need Chromium (apt-get install chromium).

GO       ?= go
BIN      := bin/visio
WEB_OUT  := web/dist/app/index.html
NPM_DEPS := web/node_modules/.package-lock.json
FUZZTIME ?= 10s
CHROMIUM ?= /usr/bin/chromium
# The version `visio version` prints: git describe, or the commit when there is no tag, or
# "unknown" outside a git checkout.
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo unknown)
LDFLAGS  := -X main.buildVersion=$(VERSION)
# The local speech recognizer (pocketsphinx, cgo) is built in when its library is installed.
GOTAGS   := $(shell pkg-config --exists pocketsphinx 2>/dev/null && echo -tags pocketsphinx)

.PHONY: run build web test test-go test-e2e fuzz bench loadtest vet clean

## run: build everything and run the service on embedded defaults (http://localhost:8080)
run: build
	./$(BIN) serve

## build: the web app, then the single binary that embeds it
build: web
	$(GO) build $(GOTAGS) -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/visio

## web: install the web app's dependencies (npm ci) and build it into web/dist/app
web: $(WEB_OUT)

$(NPM_DEPS): web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

$(WEB_OUT): $(NPM_DEPS) $(shell find web/src web/index.html web/vite.config.ts web/tsconfig.json -type f 2>/dev/null)
	cd web && npm run build

## test: every test: vet, Go tests with the race detector, short fuzz runs, browser end-to-end tests
test: vet test-go fuzz test-e2e

vet:
	$(GO) vet $(GOTAGS) ./...
	@test -z "$$(gofmt -l cmd internal web/*.go)" || { echo "gofmt needed on:"; gofmt -l cmd internal web/*.go; exit 1; }

test-go: web
	$(GO) test $(GOTAGS) -race -count=1 -timeout 15m ./...
	# Congestion-control tests judge packet delays: run them without the race detector's slowdown.
	$(GO) test $(GOTAGS) -count=1 -run 'TestSimulcastAdaptation' ./internal/app/
	$(GO) test $(GOTAGS) -run '^$$' -bench . -benchtime 1x ./...

## fuzz: run every fuzz target for FUZZTIME (default 10s) each
# Go 1.26's fuzzing coordinator can fail a target with a bare "context deadline exceeded" as
# -fuzztime expires (golang.org/issue/75804, fixed in Go 1.27): such a run, with no failing input
# written, is run once more; any other failure fails at once.
fuzz:
	@out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    for try in 1 2; do \
	      echo "fuzz $$pkg $$f"; \
	      if $(GO) test $(GOTAGS) -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg >$$out 2>&1; then cat $$out; break; fi; \
	      cat $$out; \
	      if [ $$try = 1 ] && grep -q 'context deadline exceeded' $$out && ! grep -q 'Failing input written' $$out; then \
	        echo "fuzz: $$f stopped on the Go fuzzing deadline race, not on an input: running it again"; continue; fi; \
	      exit 1; \
	    done; \
	  done; \
	done

## test-e2e: browser tests: headless Chromium (Playwright) against the real binary
test-e2e: build
	@test -x $(CHROMIUM) || { echo "Chromium is needed for the browser tests: apt-get install chromium"; exit 1; }
	cd web && VISIO_BIN=../$(BIN) CHROMIUM=$(CHROMIUM) npm run test:e2e

## bench: the benchmarks, with allocations
bench:
	$(GO) test $(GOTAGS) -run '^$$' -bench . -benchmem ./...

## loadtest: whole-system figures against the bare-relay floor (see docs/BENCHMARKS.md)
loadtest: build
	./$(BIN) loadtest --spawn ./$(BIN) --floor --publishers 1 --subscribers 50

clean:
	rm -rf bin web/dist/app web/node_modules
