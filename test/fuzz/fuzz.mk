# test/fuzz/fuzz.mk - libFuzzer targets (included by the top Makefile).
#
#   make fuzz         each target for FUZZ_SECONDS (default 600) in turn
#   make fuzz-smoke   each target for FUZZ_SMOKE_SECONDS (default 15); part of `make test`
#
# Built with clang -fsanitize=fuzzer,address,undefined into build/fuzz/.
# Runs start from the committed seeds (test/fuzz/corpus/<target>/, read
# only) and collect new inputs in build/fuzz/corpus-<target>/; a crash is
# saved as build/fuzz/crash-* and fails the run.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 15
FUZZ_DIR     := build/fuzz
FUZZ_TARGETS := fuzz_csv fuzz_query fuzz_config fuzz_evcsv fuzz_xes
FUZZ_FLAGS   := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Wall -Wextra -Werror -Iserver
FUZZ_LIBSRC  := server/csv.c server/import.c server/store.c server/store_health.c server/config.c server/iniread.c server/date.c \
	server/buf.c server/strmap.c server/log.c server/urlcodec.c \
	server/ts.c server/tz.c server/events.c server/import_map.c server/digest.c \
	server/evimport.c server/evcsv.c server/xes.c server/gz.c server/store_events.c server/calendar.c \
	server/peer.c server/jsonx.c server/annot.c
FUZZ_HDRS    := $(wildcard server/*.h)
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)

.PHONY: fuzz fuzz-smoke fuzz-build

fuzz-build: $(FUZZ_BINS)

$(FUZZ_DIR)/%: test/fuzz/%.c $(FUZZ_LIBSRC) $(FUZZ_HDRS) build/gen/migrations.c test/fuzz/fuzz.mk \
		| $(DEPS_FUZZ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(shell pkg-config --cflags sqlite3 jansson) -o $@ $< \
		$(FUZZ_LIBSRC) $(FUZZ_EXTRA) build/gen/migrations.c \
		$(shell pkg-config --libs sqlite3 jansson expat zlib nettle) $(FUZZ_EXTRA_LIBS) -lm -lpthread

# fuzz_query drives the range and number parsers of api_common.c.  Its
# route table names every handler, which this target does not link: the
# table's section is dropped at link time (--gc-sections), which ASan's
# instrumentation of globals would prevent, so it is off for that file.
$(FUZZ_DIR)/fuzz_query: FUZZ_EXTRA = $(FUZZ_DIR)/api_common.o -Wl,--gc-sections
$(FUZZ_DIR)/fuzz_query: FUZZ_EXTRA_LIBS = $(shell pkg-config --libs jansson)
$(FUZZ_DIR)/fuzz_query: $(FUZZ_DIR)/api_common.o

$(FUZZ_DIR)/api_common.o: server/api_common.c $(FUZZ_HDRS) test/fuzz/fuzz.mk | $(DEPS_FUZZ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -mllvm -asan-globals=0 -ffunction-sections -fdata-sections \
		$(shell pkg-config --cflags jansson) -c -o $@ $<

# $(1) = seconds per target
define fuzz_run
	@set -e; for t in $(FUZZ_TARGETS); do \
		c=$${t#fuzz_}; mkdir -p $(FUZZ_DIR)/corpus-$$c; \
		echo "== $$t for $(1) s"; \
		$(FUZZ_DIR)/$$t -max_total_time=$(1) -max_len=65536 -timeout=10 -rss_limit_mb=1024 \
			-print_final_stats=1 -close_fd_mask=2 -artifact_prefix=$(FUZZ_DIR)/crash-$$c- \
			$(FUZZ_DIR)/corpus-$$c test/fuzz/corpus/$$c 2>&1 | \
			grep -E 'Done|stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|crash' || true; \
		if ls $(FUZZ_DIR)/crash-$$c-* >/dev/null 2>&1; then \
			echo "$$t: crash saved in $(FUZZ_DIR)/" >&2; exit 1; fi; \
	done
endef

fuzz: $(FUZZ_BINS)
	$(call fuzz_run,$(FUZZ_SECONDS))

fuzz-smoke: $(FUZZ_BINS)
	$(call fuzz_run,$(FUZZ_SMOKE_SECONDS))
