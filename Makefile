# Leadtime - GNU Makefile.
#
#   make            build build/leadtimed (needs only the C libraries; installs missing ones)
#   make install    install under PREFIX (default /usr/local); make uninstall (see "install" below)
#   make dist       build/leadtime-VERSION.tar.gz: the sources plus the staged web assets,
#                   which builds offline without npm
#   make deb        the .deb, built by dpkg-buildpackage from that tarball, into build/deb/
#   make deb-check  the .deb installed and run under systemd in a throwaway container (root)
#   make run        build, then serve the demo store on http://127.0.0.1:8080
#   make test       build, then run every test (unit + integration, under ASan/UBSan)
#   make asan       build the sanitized binary and unit tests into build/asan/
#   make tsan       the daemon under ThreadSanitizer (build/tsan/) and its concurrency
#                   stress, test/stress/tsan_stress.py (also part of make test)
#   make fuzz       libFuzzer targets, 10 minutes each (a 15 s smoke run is part of make test)
#   make bench      benchmarks on 1M- and 10M-ticket stores; writes docs/BENCHMARKS.md
#   make clean | format
#
# Dependencies come from Debian packages: when pkg-config or a tool cannot be
# found, scripts/install-deps.sh installs it (with sudo when not root), each
# group only for the targets that need it: the C libraries for `make`, npm
# for the web assets (not from a release tarball), cmocka, chromium and
# clang for the tests.  AUTO_DEPS=0 reports what is missing instead.
#
# CPPFLAGS, CFLAGS and LDFLAGS are honoured (after ours, so they win).
# WERROR=1 turns warnings into errors: the default in a git checkout (the
# project's own builds, tests and CI), off in a release tarball and in
# debian/rules, so that a newer compiler's new warnings do not break a build.

VERSION   := 0.1.0
CC        ?= cc
BUILD     ?= build
SANITIZE  ?=
WERROR    ?= $(if $(wildcard .git),1,0)
AUTO_DEPS ?= 1
PKGS      := libmicrohttpd sqlite3 jansson libsystemd zlib xlsxwriter expat nettle
TEST_PKGS := cmocka

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wold-style-definition -Wwrite-strings -Wpointer-arith -Wformat=2 -Wvla
WERROR_FLAG := $(if $(filter 1,$(WERROR)),-Werror)
OPT  := -O2 -g
ifneq ($(SANITIZE),)
OPT  := -O1 -g -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

# Debian's hardening defaults (dpkg-buildflags, hardening=+all).  Fortify is
# left to the caller when CPPFLAGS/CFLAGS already set it (no redefinition
# warning), and off under the sanitizers, whose interceptors it would bypass.
HARDEN_CFLAGS  := -fstack-protector-strong -fPIE
HARDEN_LDFLAGS := -pie -Wl,-z,relro -Wl,-z,now
ifeq ($(SANITIZE)$(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),)
HARDEN_CPPFLAGS := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
endif

# recursive (=) so pkg-config runs after the dependency check has installed it
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lm -lpthread
CFLAGS_ALL = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-DLEADTIME_VERSION='"$(VERSION)"' $(HARDEN_CPPFLAGS) $(OPT) $(HARDEN_CFLAGS) \
	$(WARN) $(WERROR_FLAG) -MMD -MP -Iserver -I$(BUILD)/gen $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
# the generated tables (migrations, assets): no project warnings
GEN_CFLAGS = -std=c11 $(OPT) $(HARDEN_CFLAGS) -Iserver $(CPPFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(OPT) $(HARDEN_CFLAGS) $(HARDEN_LDFLAGS) $(LDFLAGS)

SRCS      := $(wildcard server/*.c)
LIB_SRCS  := $(filter-out server/main.c,$(SRCS))
LIB_OBJS  := $(LIB_SRCS:server/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/migrations.o \
	$(BUILD)/obj/assets.o
WEB_SRCS  := $(shell find web -type f 2>/dev/null)
NPM_OK    := node_modules/.package-lock.json
# a release tarball carries the Chart.js bundles, staged: no npm then
WEB_VENDOR:= $(wildcard web-vendor/*.js)
MIGRATIONS:= $(sort $(wildcard sql/[0-9][0-9][0-9]_*.sql))
UNIT_SRCS := $(wildcard test/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(BUILD)/test/%)
FLAGS     := $(BUILD)/.flags

.PHONY: all run test unit integration browser asan tsan tsan-build clean format deps bench \
	install uninstall dist deb deb-check FORCE
.DEFAULT_GOAL := all

all: $(BUILD)/leadtimed

# ---- dependencies ----
# One stamp per group; each target waits only for the groups it needs.
#   build    C compiler, pkg-config, the -dev libraries        make, make install
#   web      npm (Chart.js from the lockfile)                  the web assets, from git
#   unit     cmocka, tzdata                                    make unit (debian/rules too)
#   test     the unit group, python3, sqlite3, groff/man,      make test, make integration
#            systemd-analyze, promtool
#   browser  chromium, node                                    make test, make browser
#   fuzz     clang with libFuzzer                              make test, make fuzz
#   deb      debhelper, dpkg-dev                               make deb, make test
DEPS_BUILD   := build/.deps-build
DEPS_WEB     := build/.deps-web
DEPS_UNIT    := build/.deps-unit
DEPS_TEST    := build/.deps-test
DEPS_BROWSER := build/.deps-browser
DEPS_FUZZ    := build/.deps-fuzz
DEPS_DEB     := build/.deps-deb
# every group make test needs (the name targets used before the split)
DEPS_OK      := $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_BROWSER) $(DEPS_FUZZ) $(DEPS_DEB)

# $(call deps_check,CHECK,OPTION): run CHECK (a shell condition); when it
# fails, install the group (AUTO_DEPS=1) or say what is missing
define deps_check
	@$(1) || { [ "$(AUTO_DEPS)" = 1 ] && scripts/install-deps.sh $(2); } || \
		{ echo "make: missing build dependencies ($(or $(2),the C build)): see scripts/install-deps.sh $(2)" >&2; exit 1; }
	@$(1) || { echo "make: still missing after scripts/install-deps.sh $(2)" >&2; exit 1; }
	@mkdir -p $(@D) && touch $@
endef
have = command -v $(1) >/dev/null 2>&1
# the compiler links a program with -fsanitize=$(1) (its runtime is installed)
, := ,
sanitizer_ok = echo 'int main(void){return 0;}' | $(CC) -fsanitize=$(1) -x c - -o /dev/null 2>/dev/null
deb_installed = dpkg-query -W -f='$${Status}' $(1) 2>/dev/null | grep -q 'ok installed'

deps: $(DEPS_OK)
$(DEPS_BUILD): scripts/install-deps.sh
	$(call deps_check,pkg-config --exists $(PKGS) && $(call have,gzip),)
$(DEPS_WEB): scripts/install-deps.sh | $(DEPS_BUILD)
	$(call deps_check,$(call have,npm),--web)
$(DEPS_UNIT): scripts/install-deps.sh | $(DEPS_BUILD)
	$(call deps_check,pkg-config --exists $(TEST_PKGS) && \
		test -e /usr/share/zoneinfo/Europe/Berlin && $(call sanitizer_ok,address$(,)undefined) && \
		$(call sanitizer_ok,thread),--unit)
$(DEPS_TEST): scripts/install-deps.sh | $(DEPS_UNIT)
	$(call deps_check,$(call have,python3) && $(call have,sqlite3) && $(call have,groff) && \
		$(call have,lexgrog) && $(call have,systemd-analyze) && $(call have,promtool),--test)
$(DEPS_BROWSER): scripts/install-deps.sh | $(DEPS_BUILD)
	$(call deps_check,$(call have,chromium) && $(call have,node) && $(call have,npm),--browser)
$(DEPS_FUZZ): scripts/install-deps.sh | $(DEPS_BUILD)
	$(call deps_check,$(call have,clang) && $(call deb_installed,libclang-rt-14-dev),--fuzz)
$(DEPS_DEB): scripts/install-deps.sh | $(DEPS_BUILD)
	$(call deps_check,$(call have,dpkg-buildpackage) && $(call have,dh),--deb)

# objects are rebuilt when the flags change (WERROR, CFLAGS, a packager's
# build after a developer's): $(FLAGS) holds the last ones
neq = $(or $(subst $(1),,$(2)),$(subst $(2),,$(1)))
FLAGS_NOW = $(CC) $(CFLAGS_ALL) | $(GEN_CFLAGS) | $(LDFLAGS_ALL)
# (make expands a recipe whole before running it: the folder is made by
# $(shell), and the file is written only when the flags differ)
$(FLAGS): FORCE | $(DEPS_BUILD)
	@$(if $(call neq,$(strip $(file <$@)),$(strip $(FLAGS_NOW))),$(shell mkdir -p $(@D))$(file >$@,$(FLAGS_NOW)):,:)

# ---- build ----
$(BUILD)/embed: scripts/embed.c $(FLAGS) | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(CC) -std=c11 -O1 -Wall -Wextra $(WERROR_FLAG) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(BUILD)/gen/migrations.c: $(MIGRATIONS) $(BUILD)/embed
	@mkdir -p $(@D)
	$(BUILD)/embed sql $@ $(MIGRATIONS)

$(BUILD)/obj/migrations.o: $(BUILD)/gen/migrations.c $(FLAGS)
	@mkdir -p $(@D)
	$(CC) $(GEN_CFLAGS) -c -o $@ $<

# web assets: web/ plus the vendored Chart.js bundles, gzipped, embedded.
# From git the bundles come from node_modules (npm ci); a release tarball
# has them in web-vendor/.
$(NPM_OK): package.json package-lock.json | $(DEPS_WEB)
	npm ci --no-audit --no-fund --loglevel=error

$(BUILD)/gen/assets.c: $(WEB_SRCS) scripts/stage-web.sh $(or $(WEB_VENDOR),$(NPM_OK)) $(BUILD)/embed
	scripts/stage-web.sh $(BUILD)/web
	$(BUILD)/embed assets $@ $(BUILD)/web $$(find $(BUILD)/web -type f ! -name '*.gz' | LC_ALL=C sort)

$(BUILD)/obj/assets.o: $(BUILD)/gen/assets.c server/assets.h $(FLAGS)
	@mkdir -p $(@D)
	$(CC) $(GEN_CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: server/%.c $(FLAGS) | $(DEPS_BUILD)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/leadtimed: $(LIB_OBJS) $(BUILD)/obj/main.o
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

# ---- install ----
# make install [DESTDIR=…] [PREFIX=/usr/local] [BINDIR=…] [SYSCONFDIR=…] …
#   $(BINDIR)/leadtimed
#   $(UNITDIR)/leadtimed.service          ExecStart follows BINDIR and SYSCONFDIR
#   $(MANDIR)/man1/leadtimed.1
#   $(SYSCONFDIR)/leadtime/config.ini     only when absent: an existing one is kept
#   $(DOCDIR)/examples/config.ini         the same file as shipped, to compare with
#   $(DOCDIR)/README.md, docs/*.md
# The installed config keeps the store in the unit's StateDirectory and
# does not seed demo data.  uninstall removes these; the config only when
# it is unchanged from the example.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
DOCDIR     ?= $(DATADIR)/doc/leadtime
# /usr installs read /etc (FHS); any other prefix keeps its own etc/
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR    ?= $(if $(filter /usr,$(PREFIX)),$(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system),$(PREFIX)/lib/systemd/system)
# systemd's StateDirectory=leadtime
STATEDIR   := /var/lib/leadtime
INSTALL    ?= install
DOCS       := README.md $(wildcard docs/*.md)

SUBST = sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
	-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' -e 's|@STATEDIR@|$(STATEDIR)|g'
# config.ini as installed: the store in STATEDIR, no demo data
CONFIG_EDIT = sed -e 's|^db = .*|db = $(STATEDIR)/leadtime.db|' \
	-e 's|^seed_demo = true .*|seed_demo = false      ; true: generate demo data when the store is empty|'

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(SYSCONFDIR)/leadtime $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR)/docs
	$(INSTALL) -m 0755 $(BUILD)/leadtimed $(DESTDIR)$(BINDIR)/leadtimed
	$(SUBST) packaging/leadtimed.service.in > $(DESTDIR)$(UNITDIR)/leadtimed.service
	$(SUBST) packaging/leadtimed.1.in > $(DESTDIR)$(MANDIR)/man1/leadtimed.1
	$(CONFIG_EDIT) config.ini > $(DESTDIR)$(DOCDIR)/examples/config.ini
	chmod 0644 $(DESTDIR)$(UNITDIR)/leadtimed.service $(DESTDIR)$(MANDIR)/man1/leadtimed.1 \
		$(DESTDIR)$(DOCDIR)/examples/config.ini
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/leadtime/config.ini ]; then \
		echo "install: keeping the existing $(DESTDIR)$(SYSCONFDIR)/leadtime/config.ini (the new default: $(DOCDIR)/examples/config.ini)"; \
	else \
		echo "$(INSTALL) -m 0644 … $(DESTDIR)$(SYSCONFDIR)/leadtime/config.ini"; \
		$(INSTALL) -m 0644 $(DESTDIR)$(DOCDIR)/examples/config.ini $(DESTDIR)$(SYSCONFDIR)/leadtime/config.ini; \
	fi
	$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	$(INSTALL) -m 0644 $(filter docs/%,$(DOCS)) $(DESTDIR)$(DOCDIR)/docs/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/leadtimed $(DESTDIR)$(UNITDIR)/leadtimed.service \
		$(DESTDIR)$(MANDIR)/man1/leadtimed.1 $(DOCS:%=$(DESTDIR)$(DOCDIR)/%)
	@cfg=$(DESTDIR)$(SYSCONFDIR)/leadtime/config.ini; ex=$(DESTDIR)$(DOCDIR)/examples/config.ini; \
	if [ -e "$$cfg" ] && ! cmp -s "$$cfg" "$$ex"; then \
		echo "uninstall: keeping $$cfg (changed since install)"; \
	else \
		echo "rm -f $$cfg"; rm -f "$$cfg"; \
	fi
	rm -f $(DESTDIR)$(DOCDIR)/examples/config.ini
	rmdir $(DESTDIR)$(SYSCONFDIR)/leadtime $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR)/docs \
		$(DESTDIR)$(DOCDIR) 2>/dev/null || true

# ---- release tarball and .deb ----
# dist: the files git tracks (as in the working tree) plus web-vendor/, the
# Chart.js bundles staged from node_modules; reproducible (sorted, owner 0,
# mtimes of the last commit).  deb: dpkg-buildpackage -us -uc -b on that
# tarball, unpacked in build/deb/ (so the package is built as a packager
# would: offline, no npm, WERROR=0).
DIST     := leadtime-$(VERSION)
TARBALL  := $(BUILD)/$(DIST).tar.gz

dist: $(NPM_OK) | $(DEPS_BUILD)
	@git rev-parse --git-dir >/dev/null 2>&1 || \
		{ echo "make dist: needs a git checkout (it packs the files git tracks)" >&2; exit 1; }
	rm -rf $(BUILD)/dist && mkdir -p $(BUILD)/dist/$(DIST)
	git ls-files -z | xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
		tar --null -T - -cf - | tar -xf - -C $(BUILD)/dist/$(DIST)
	scripts/stage-web.sh --vendor $(BUILD)/dist/$(DIST)/web-vendor
	tar --sort=name --owner=0 --group=0 --numeric-owner --format=gnu \
		--mtime=@$$(git log -1 --format=%ct 2>/dev/null || date +%s) \
		-C $(BUILD)/dist -cf - $(DIST) | gzip -9 -n > $(TARBALL).tmp
	mv $(TARBALL).tmp $(TARBALL)
	rm -rf $(BUILD)/dist
	@echo "$(TARBALL)"

deb: dist | $(DEPS_DEB)
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb
	tar -xzf $(TARBALL) -C $(BUILD)/deb
	cd $(BUILD)/deb/$(DIST) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b
	@ls $(BUILD)/deb/*.deb

# the .deb installed and booted under systemd in a throwaway overlay of this
# machine's root (root only; for machines whose PID 1 is not systemd)
deb-check: deb
	@command -v systemd-nspawn >/dev/null || scripts/install-deps.sh --nspawn
	packaging/systemd-check.sh $$(ls $(BUILD)/deb/leadtime_$(VERSION)-*.deb)

# ---- tests ----
$(BUILD)/test/%: test/unit/%.c $(LIB_OBJS) | $(DEPS_UNIT)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(shell pkg-config --cflags cmocka) $(LDFLAGS_ALL) -o $@ $< $(LIB_OBJS) \
		$(PKG_LIBS) $(shell pkg-config --libs cmocka)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

asan: | $(DEPS_UNIT)
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined build/asan/leadtimed \
		$(UNIT_SRCS:test/unit/%.c=build/asan/test/%)

# the daemon under ThreadSanitizer, and a short read/write/reload/export
# stress against it that fails on any report (TSAN_STRESS_ROUNDS writer rounds)
TSAN_STRESS_ROUNDS ?= 100
tsan-build: | $(DEPS_UNIT)
	$(MAKE) BUILD=build/tsan SANITIZE=thread build/tsan/leadtimed

tsan: tsan-build | $(DEPS_TEST)
	LEADTIME_BIN=$(CURDIR)/build/tsan/leadtimed python3 test/stress/tsan_stress.py \
		--rounds $(TSAN_STRESS_ROUNDS)

integration: all asan | $(DEPS_TEST) $(DEPS_DEB)
	LEADTIME_BIN=$(CURDIR)/build/asan/leadtimed python3 test/integration/run.py

BROWSER_TESTS := $(wildcard test/browser/*.test.mjs)
browser: all $(NPM_OK) | $(DEPS_BROWSER)
	LEADTIME_BIN=$(CURDIR)/build/leadtimed node --test $(BROWSER_TESTS)

# unit tests and the daemon under ASan/UBSan, the stress under TSan; the browser
# against the release build
test: all asan tsan-build $(NPM_OK) | $(DEPS_OK)
	@set -e; for t in $(UNIT_SRCS:test/unit/%.c=build/asan/test/%); do \
		echo "== $$t"; $$t; done
	LEADTIME_BIN=$(CURDIR)/build/asan/leadtimed python3 test/integration/run.py
	LEADTIME_BIN=$(CURDIR)/build/tsan/leadtimed python3 test/stress/tsan_stress.py \
		--rounds $(TSAN_STRESS_ROUNDS)
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
