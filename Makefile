# Mission Collaboration for Microsoft 365: build, test and run.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

GO ?= go
NPM ?= npm
PLUGIN_ID := $(shell node -p "require('./plugin.json').id")
PLUGIN_VERSION := $(shell node -p "require('./plugin.json').version")
BUNDLE := dist/$(PLUGIN_ID)-$(PLUGIN_VERSION).tar.gz
PLATFORMS := linux-amd64 linux-arm64 darwin-amd64 darwin-arm64
SERVER_BINS := $(foreach p,$(PLATFORMS),server/dist/plugin-$(p))
# The Entra setup command, built for the same platforms next to the bundle.
SETUP_BINS := $(foreach p,$(PLATFORMS),dist/m365-setup-$(PLUGIN_VERSION)-$(p))
# The files of this module each binary is built from, as the Go tool lists
# them (embedded pages and static files included).
module_files = $(shell $(GO) list -deps -f '{{if not .Standard}}{{if eq .Module.Path "github.com/missioncollab/mattermost-plugin-m365"}}{{range .GoFiles}}{{$$.Dir}}/{{.}} {{end}}{{range .EmbedFiles}}{{$$.Dir}}/{{.}} {{end}}{{end}}{{end}}' $(1)) go.mod go.sum
GO_SOURCES := $(call module_files,./server)
SETUP_SOURCES := $(call module_files,./cmd/m365-setup)
WEBAPP_SOURCES := $(shell find webapp/src -type f) webapp/package.json webapp/package-lock.json webapp/build.mjs
# The Teams JS SDK, pinned in webapp/package.json, ships inside the bundle.
TEAMS_JS := webapp/node_modules/@microsoft/teams-js
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Reproducible builds: no paths, no build IDs, no VCS stamps. Every Go
# command here (vet, staticcheck and tests too) compiles the way the plugin
# ships, so the standard library and shared packages compile once, not once
# for the binaries and again for the checks.
export CGO_ENABLED := 0
export GOFLAGS := $(strip $(GOFLAGS) -trimpath -buildvcs=false)
GO_BUILD := $(GO) build -ldflags "-s -w -buildid="
# The setup command for this machine, which the end-to-end tests run.
HOST_PLATFORM := $(shell $(GO) env GOOS)-$(shell $(GO) env GOARCH)
HOST_SETUP := dist/m365-setup-$(PLUGIN_VERSION)-$(HOST_PLATFORM)
# The end-to-end suite, built while the bundle is, and the bundle it installs.
E2E_TEST := dist/e2e.test
HOST_BIN := server/dist/plugin-$(HOST_PLATFORM)
E2E_BUNDLE := dist/e2e/$(PLUGIN_ID)-$(PLUGIN_VERSION).tar.gz

.PHONY: all dist server webapp test test-all beside bundle-check check unit webapp-test e2e e2e-unit system-deps $(E2E_TEST) demo deploy clean

all: check dist

## dist: build the plugin bundle an admin uploads, and the setup command.
dist: $(BUNDLE) $(SETUP_BINS)

server: $(SERVER_BINS)

server/dist/plugin-%: $(GO_SOURCES)
	GOOS=$(word 1,$(subst -, ,$*)) GOARCH=$(word 2,$(subst -, ,$*)) $(GO_BUILD) -o $@ ./server

dist/m365-setup-$(PLUGIN_VERSION)-%: $(SETUP_SOURCES)
	mkdir -p dist
	GOOS=$(word 1,$(subst -, ,$*)) GOARCH=$(word 2,$(subst -, ,$*)) $(GO) build \
		-ldflags "-s -w -buildid= -X main.version=$(PLUGIN_VERSION)" -o $@ ./cmd/m365-setup

webapp/node_modules/.package-lock.json: webapp/package-lock.json
	cd webapp && $(NPM) ci --no-audit --no-fund
	touch $@

webapp: webapp/dist/main.js

webapp/dist/main.js: webapp/node_modules/.package-lock.json $(WEBAPP_SOURCES)
	cd webapp && $(NPM) run build

# bundle packs the plugin with the server binaries $(1) into $@, gzip level $(2).
define bundle
	rm -rf $@.stage && mkdir -p $@.stage/$(PLUGIN_ID)/server/dist $@.stage/$(PLUGIN_ID)/webapp/dist
	cp plugin.json $@.stage/$(PLUGIN_ID)/
	cp -r assets $@.stage/$(PLUGIN_ID)/
	cp $(1) $@.stage/$(PLUGIN_ID)/server/dist/
	cp webapp/dist/main.js $@.stage/$(PLUGIN_ID)/webapp/dist/
	mkdir -p $@.stage/$(PLUGIN_ID)/assets/teams-js
	cp $(TEAMS_JS)/dist/umd/MicrosoftTeams.min.js $(TEAMS_JS)/LICENSE $@.stage/$(PLUGIN_ID)/assets/teams-js/
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --mode=u+rwX,go+rX,go-w \
		-C $@.stage -cf - $(PLUGIN_ID) | gzip -n -$(2) > $@
	rm -rf $@.stage
	@echo "built $@"
endef

BUNDLE_INPUTS := plugin.json webapp/dist/main.js webapp/node_modules/.package-lock.json $(shell find assets -type f)

$(BUNDLE): $(BUNDLE_INPUTS) $(SERVER_BINS)
	$(call bundle,$(SERVER_BINS),9)

# The bundle the end-to-end suite installs: the shipped one with this
# machine's server binary only, so that the suite need not wait for the
# other platforms. bundle-check proves the shipped bundle holds the same
# files, byte for byte, and adds only the other platforms' binaries.
$(E2E_BUNDLE): $(BUNDLE_INPUTS) $(HOST_BIN)
	mkdir -p $(dir $@)
	$(call bundle,$(HOST_BIN),1)

bundle-check: $(BUNDLE) $(E2E_BUNDLE)
	./build/same-bundle.sh $(BUNDLE) $(E2E_BUNDLE) $(HOST_PLATFORM)

## check: formatting, vet, static analysis, and the plugin's dependency rule.
check: webapp/node_modules/.package-lock.json
	@test -z "$$(gofmt -l server internal cmd e2e build 2>/dev/null)" || { echo "gofmt needed:"; gofmt -l server internal cmd e2e build; exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	cd e2e && $(GO) vet ./...
	cd e2e && $(GO) run $(STATICCHECK) ./...
	./build/check-deps.sh
	cd webapp && $(NPM) run check

## unit: the root module's fast tests (no server, no network).
unit:
	$(GO) test -count=1 ./...

webapp-test: webapp/node_modules/.package-lock.json
	cd webapp && $(NPM) test

e2e/manifestschema/node_modules/.package-lock.json: e2e/manifestschema/package-lock.json
	cd e2e/manifestschema && $(NPM) ci --no-audit --no-fund
	touch $@

system-deps:
	NEED_CHROMIUM=1 ./build/ensure-system-deps.sh

# The Go tool decides whether the test binary is up to date.
$(E2E_TEST):
	mkdir -p dist
	cd e2e && $(GO) test -c -o $(CURDIR)/$@ .

## e2e: real PostgreSQL + real Mattermost server + the built bundle.
e2e: system-deps $(E2E_TEST) $(E2E_BUNDLE) $(HOST_SETUP) e2e/manifestschema/node_modules/.package-lock.json e2e-unit
	@echo "end-to-end suite (its output: dist/e2e.log, printed here if it fails)"
	cd e2e && PLUGIN_BUNDLE=$(CURDIR)/$(E2E_BUNDLE) SETUP_COMMAND=$(CURDIR)/$(HOST_SETUP) \
		$(CURDIR)/$(E2E_TEST) -test.count=1 -test.timeout=20m > $(CURDIR)/dist/e2e.log 2>&1 || { cat $(CURDIR)/dist/e2e.log; exit 1; }
	@echo "ok  	end-to-end suite"

## e2e-unit: the e2e module's own small packages (the host, which serves the bundled Teams SDK, and the sandbox's walkthrough).
e2e-unit: system-deps webapp/node_modules/.package-lock.json
	cd e2e && $(GO) test -count=1 ./teamshost ./sandbox

## test: everything CI runs. The end-to-end suite mostly waits on the server
## and the browser, so the other checks and the other platforms' builds run
## beside it, at the lowest CPU priority, on the cores it leaves idle.
test:
	$(MAKE) -j3 --output-sync=target test-all

test-all: e2e beside

# Starts once what the suite shares with it is built, so that the two never
# build the same file.
beside: $(E2E_BUNDLE) $(HOST_SETUP)
	MAKEFLAGS= nice -n 19 $(MAKE) --no-print-directory check unit webapp-test dist bundle-check

## demo: a local Mattermost with the plugin installed, until Ctrl-C.
demo: dist
	./build/ensure-system-deps.sh
	cd e2e && $(GO) build -o $(CURDIR)/dist/sandbox ./cmd/sandbox
	./dist/sandbox -bundle $(CURDIR)/$(BUNDLE) $(DEMO_FLAGS)

## deploy: upload and enable the bundle on the server at MM_SERVICESETTINGS_SITEURL.
deploy: dist
	$(GO) run ./build/deploy -bundle $(BUNDLE)

clean:
	rm -rf dist server/dist webapp/dist webapp/node_modules e2e/manifestschema/node_modules
