# Leadtime - GNU Makefile.
#
#   make            build build/leadtimed (installs missing packages first)
#   make run        build, then serve the demo store on http://127.0.0.1:8080
#   make test       build, then run every test (unit + integration, under ASan/UBSan)
#   make asan       build the sanitized binary and unit tests into build/asan/
#   make fuzz       libFuzzer targets, 10 minutes each (a 15 s smoke run is part of make test)
#   make bench      benchmarks on 1M- and 10M-ticket stores; writes docs/BENCHMARKS.md
#   make clean | format
#
# Dependencies come from Debian packages: when pkg-config cannot find one,
# scripts/install-deps.sh installs it (with sudo when not root).

VERSION   := 0.1.0
CC        ?= cc
BUILD     ?= build
SANITIZE  ?=
PKGS      := libmicrohttpd sqlite3 jansson inih libsystemd zlib xlsxwriter expat
TEST_PKGS := cmocka

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wwrite-strings -Wpointer-arith -Wformat=2 -Wvla
OPT  := -O2 -g
ifneq ($(SANITIZE),)
OPT  := -O1 -g -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

# recursive (=) so pkg-config runs after the dependency check has installed it
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lm -lpthread
CFLAGS_ALL = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-DLEADTIME_VERSION='"$(VERSION)"' $(OPT) $(WARN) -MMD -MP \
	-Iserver -I$(BUILD)/gen $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(OPT) $(LDFLAGS)

SRCS      := $(wildcard server/*.c)
LIB_SRCS  := $(filter-out server/main.c,$(SRCS))
LIB_OBJS  := $(LIB_SRCS:server/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/migrations.o \
	$(BUILD)/obj/assets.o
WEB_SRCS  := $(shell find web -type f 2>/dev/null)
NPM_OK    := node_modules/.package-lock.json
MIGRATIONS:= $(sort $(wildcard sql/[0-9][0-9][0-9]_*.sql))
UNIT_SRCS := $(wildcard test/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(BUILD)/test/%)
DEPS_OK   := build/.deps-ok

.PHONY: all run test unit integration browser asan clean format deps bench
.DEFAULT_GOAL := all

all: $(BUILD)/leadtimed

# ---- dependencies ----
deps: $(DEPS_OK)
$(DEPS_OK): scripts/install-deps.sh
	@pkg-config --exists $(PKGS) $(TEST_PKGS) && command -v python3 >/dev/null && \
		command -v npm >/dev/null && command -v gzip >/dev/null && \
		command -v chromium >/dev/null && command -v clang >/dev/null && \
		command -v promtool >/dev/null && \
		dpkg-query -W -f='$${Status}' libclang-rt-14-dev 2>/dev/null | grep -q 'ok installed' && \
		test -e /usr/share/zoneinfo/Europe/Berlin || \
		scripts/install-deps.sh --browser
	@pkg-config --exists $(PKGS) $(TEST_PKGS) || \
		{ echo "missing packages after install: $(PKGS) $(TEST_PKGS)" >&2; exit 1; }
	@mkdir -p $(@D) && touch $@

# ---- build ----
$(BUILD)/embed: scripts/embed.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) -std=c11 -O1 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/gen/migrations.c: $(MIGRATIONS) $(BUILD)/embed
	@mkdir -p $(@D)
	$(BUILD)/embed sql $@ $(MIGRATIONS)

$(BUILD)/obj/migrations.o: $(BUILD)/gen/migrations.c
	@mkdir -p $(@D)
	$(CC) -std=c11 $(OPT) -c -o $@ $<

# web assets: web/ plus the vendored Chart.js bundles, gzipped, embedded
$(NPM_OK): package.json package-lock.json | $(DEPS_OK)
	npm ci --no-audit --no-fund --loglevel=error

$(BUILD)/gen/assets.c: $(WEB_SRCS) scripts/stage-web.sh $(NPM_OK) $(BUILD)/embed
	scripts/stage-web.sh $(BUILD)/web
	$(BUILD)/embed assets $@ $(BUILD)/web $$(find $(BUILD)/web -type f ! -name '*.gz' | LC_ALL=C sort)

$(BUILD)/obj/assets.o: $(BUILD)/gen/assets.c server/assets.h
	@mkdir -p $(@D)
	$(CC) -std=c11 $(OPT) -Iserver -c -o $@ $<

$(BUILD)/obj/%.o: server/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/leadtimed: $(LIB_OBJS) $(BUILD)/obj/main.o
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

# ---- tests ----
$(BUILD)/test/%: test/unit/%.c $(LIB_OBJS) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags cmocka) -o $@ $< $(LIB_OBJS) \
		$(PKG_LIBS) $(shell pkg-config --libs cmocka)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

asan:
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined build/asan/leadtimed \
		$(UNIT_SRCS:test/unit/%.c=build/asan/test/%)

integration: all asan
	LEADTIME_BIN=$(CURDIR)/build/asan/leadtimed python3 test/integration/run.py

BROWSER_TESTS := $(wildcard test/browser/*.test.mjs)
browser: all $(NPM_OK)
	LEADTIME_BIN=$(CURDIR)/build/leadtimed node --test $(BROWSER_TESTS)

# unit tests and the daemon under ASan/UBSan; the browser against the release build
test: all asan $(NPM_OK)
	@set -e; for t in $(UNIT_SRCS:test/unit/%.c=build/asan/test/%); do \
		echo "== $$t"; $$t; done
	LEADTIME_BIN=$(CURDIR)/build/asan/leadtimed python3 test/integration/run.py
	$(if $(BROWSER_TESTS),LEADTIME_BIN=$(CURDIR)/build/leadtimed node --test $(BROWSER_TESTS))
	$(if $(wildcard test/fuzz/fuzz.mk),$(MAKE) fuzz-smoke)

run: all
	@echo "leadtime: starting; the dashboard will be on http://127.0.0.1:8080/ (Ctrl-C stops)"
	build/leadtimed serve --config config.ini

# benchmarks (not part of `make test`): bench/run.sh writes docs/BENCHMARKS.md
bench: all
	scripts/install-deps.sh --bench
	bench/run.sh --json build/bench-results.json

clean:
	rm -rf build

format:
	clang-format -i server/*.c server/*.h test/unit/*.c scripts/*.c

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/test/*.d)
-include test/fuzz/fuzz.mk
