# sifasuo — GNU Make + pkg-config.  `make run` and `make test` are the two
# commands of the README; everything else is here for developers and CI.
.DEFAULT_GOAL := all
SHELL := /bin/bash

PKGS     := libevent libevent_pthreads libevent_openssl sqlite3 libpq jansson openssl xlsxwriter expat zlib
CC       ?= cc
BUILD    ?= build
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wno-unused-parameter -Wno-missing-field-initializers -Wstrict-prototypes
HARDEN   ?= -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT      ?= -O2 -g
CFLAGS   += -std=c17 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) -Isrc -I$(BUILD)/gen \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS  += -pie -Wl,-z,relro,-z,now
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -largon2 -lpthread -lm

SRC      := $(shell find src -name '*.c' | sort)
OBJ      := $(SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/migrations.o $(BUILD)/obj/gen/demo_data.o
DATA     := $(sort $(wildcard data/*.csv))
LIBOBJ   := $(filter-out $(BUILD)/obj/src/main.o,$(OBJ))
MIGRATIONS := $(sort $(wildcard src/store/migrations/*.sql))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# the fuzz targets, each linked with tests/fuzz/replay.c to replay its corpus (make asan)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
ASAN_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -Wno-format-truncation

DB       ?= sqlite:var/sifasuo.db
LISTEN   ?= 127.0.0.1:8080

.PHONY: all run test deps-test test-unit test-ha asan bench fuzz clean deps web format

all: $(BUILD)/sifasuo build/sifasuo_fts.so web

$(BUILD)/sifasuo: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The search tokenizer as an SQLite extension, for the sqlite3 shell on a
# store (".load build/sifasuo_fts", docs/operations.md; the tests' own SQL):
# always the plain build, which any sqlite3 can load.
build/sifasuo_fts.so: src/store/fts_scope.c src/store/fts_scope.h
	@mkdir -p build
	$(CC) -std=c17 -O2 -g $(WARN) -fPIC -shared -Isrc -DFTS_SCOPE_EXTENSION -o $@ $<

$(BUILD)/obj/%.o: %.c | $(BUILD)/gen/migrations.c $(BUILD)/gen/demo_data.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gen/migrations.c: $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	scripts/embed-migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/demo_data.c: $(DATA) scripts/embed-data.sh
	@mkdir -p $(dir $@)
	scripts/embed-data.sh $(DATA) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIBOBJ) tests/unit/test.h
	@mkdir -p $(dir $@)
	@echo "  LINK $@"
	@$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $(LIBOBJ)
	@mkdir -p $(dir $@)
	@echo "  LINK $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIBOBJ) $(LDLIBS)

# The web app is built when npm is present (scripts/deps.sh installs it);
# web/dist is what the server serves.
web: web/dist/index.html
web/dist/index.html: $(shell find web/src web/portal web/index.html web/package.json web/vite.config.* web/vite.portal.config.* -type f 2>/dev/null)
	@if [ -f web/package.json ] && command -v npm >/dev/null; then \
	  cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build; \
	else echo "(跳过前端构建: 没有 npm 或 web/package.json)"; fi

deps:
	scripts/deps.sh

run: deps
	$(MAKE) all
	@mkdir -p var
	@if [ ! -f var/sifasuo.db ]; then $(BUILD)/sifasuo init --demo --db $(DB); fi
	$(BUILD)/sifasuo serve --db $(DB) --listen $(LISTEN)

test: deps-test
	$(MAKE) all $(UNIT_BIN)
	tests/run.sh

deps-test:
	scripts/deps.sh --test

test-unit: $(UNIT_BIN)
	tests/run.sh unit

# Failover under concurrent writes on a loopback Patroni cluster (issue 26,
# docs/reliability.md): HA_FAILOVERS=50 make test-ha for the long mode.
test-ha: $(BUILD)/sifasuo build/sifasuo_fts.so
	scripts/deps.sh --ha
	tests/ha/run.sh

# The sanitizer pass (docs/testing.md): unit tests, the fuzz corpus replayed
# and the API files on SQLite; PostgreSQL's API pass and the browser tests
# run in `make test` only.
asan:
	$(MAKE) BUILD=build-asan OPT="$(ASAN_CFLAGS)" HARDEN=-fPIE LDFLAGS="-fsanitize=address,undefined -pie" \
	  build-asan/sifasuo build/sifasuo_fts.so $(patsubst $(BUILD)/%,build-asan/%,$(UNIT_BIN) $(FUZZ_BIN))
	SIFASUO_BIN=build-asan/sifasuo UNIT_DIR=build-asan/tests FUZZ_DIR=build-asan/fuzz API_STORES=sqlite \
	  TEST_BUDGET_S=$${TEST_BUDGET_S:-900} ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} tests/run.sh unit fuzz api

bench:
	scripts/deps.sh --bench
	$(MAKE) all
	bench/run.sh

fuzz:
	scripts/deps.sh --fuzz
	tests/fuzz/run.sh

format:
	clang-format -i $(SRC) $(wildcard src/*/*.h)

clean:
	rm -rf build build-asan web/dist

-include $(OBJ:.o=.d)
