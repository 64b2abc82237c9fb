# emlkit - plain GNU make.  `make demo`, `make check`; see README.md.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
PKGDIR ?= $(LIBDIR)/pkgconfig

CC ?= cc
CFLAGS ?= -O2 -g
override CFLAGS += -std=c11 -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 \
	-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wcast-qual -Wno-unused-parameter \
	-fPIC -Ilib -MMD -MP
LDLIBS_LIB := -lz -lcrypto
# lib/net (clients): OpenSSL for TLS and SCRAM, libresolv for SRV lookups.
# One library rather than two: tests and tools link one archive, and a
# static link pulls the OpenSSL users in only where a tool calls them.
LDLIBS_LIB += -lssl -lresolv
# sha256.c loads libcrypto with dlopen() at the first digest (libc has
# dlopen since glibc 2.34, -ldl before).  Tools link with --as-needed
# (as Debian's gcc does by default, but not with sanitizers or clang):
# a library none of their code calls is not loaded at every start.
LDLIBS_LIB += -ldl
TOOL_LDFLAGS := -Wl,--as-needed

ifneq ($(SAN),)
override CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
override LDFLAGS += -fsanitize=$(SAN)
B ?= build-san
else
B ?= build
endif

SOMAJOR := 0
SONAME := libemlkit.so.$(SOMAJOR)
VERSION := $(shell sed -n 's/^\#define EML_VERSION "\(.*\)"/\1/p' lib/eml.h)

LIB_SRC := $(wildcard lib/*.c) $(wildcard lib/net/*.c)
LIB_OBJ := $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
TOOL_SRC := $(wildcard tools/eml-*.c)
TOOLS := $(TOOL_SRC:tools/%.c=$(B)/%)
TOOL_COMMON := $(filter-out $(TOOL_SRC),$(wildcard tools/*.c))
TOOL_COMMON_OBJ := $(TOOL_COMMON:tools/%.c=$(B)/tools/%.o)
# tools/net/*.c: connection options of the network tools, linked into
# those only
NET_TOOLS := $(filter $(B)/eml-smtp $(B)/eml-imap $(B)/eml-pop3,$(TOOLS))
NET_COMMON_OBJ := $(patsubst tools/%.c,$(B)/tools/%.o,$(wildcard tools/net/*.c))
TEST_SRC := $(wildcard tests/check_*.c)
FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_T := $(FUZZ_SRC:fuzz/fuzz_%.c=%)
TEST_OBJ := $(TEST_SRC:tests/%.c=$(B)/tests/%.o)

CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

all: $(B)/libemlkit.a $(B)/$(SONAME) $(TOOLS)

$(B)/lib/%.o: lib/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/tools/%.o: tools/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(CHECK_CFLAGS) -Itests -I$(B)/tests -c -o $@ $<

$(B)/libemlkit.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/$(SONAME): $(LIB_OBJ)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -o $@ $^ $(LDLIBS_LIB)
	ln -sf $(SONAME) $(B)/libemlkit.so

$(B)/eml-%: $(B)/tools/eml-%.o $(TOOL_COMMON_OBJ) $(B)/libemlkit.a
	$(CC) $(LDFLAGS) $(TOOL_LDFLAGS) -o $@ $^ $(LDLIBS_LIB)

$(NET_TOOLS): $(B)/eml-%: $(B)/tools/eml-%.o $(TOOL_COMMON_OBJ) \
		$(NET_COMMON_OBJ) $(B)/libemlkit.a
	$(CC) $(LDFLAGS) $(TOOL_LDFLAGS) -o $@ $^ $(LDLIBS_LIB)

# tools: PCRE2 is linked into eml-grep only
PCRE2_CFLAGS = $(shell pkg-config --cflags libpcre2-8 2>/dev/null)
PCRE2_LIBS = $(shell pkg-config --libs libpcre2-8 2>/dev/null || echo -lpcre2-8)
$(B)/tools/eml-grep.o: override CFLAGS += $(PCRE2_CFLAGS)
$(B)/eml-grep: LDLIBS_LIB += $(PCRE2_LIBS)

# The test runner finds every suite by its constructor's name.
$(B)/tests/suites.h: $(TEST_SRC)
	@mkdir -p $(@D)
	sed -n 's/^\(eml_[a-z0-9_]*_suite\)(void)$$/SUITE(\1)/p' $(filter-out tests/check_main.c,$(TEST_SRC)) > $@.tmp
	mv $@.tmp $@

$(B)/tests/check_main.o: $(B)/tests/suites.h

# --wrap lets check_attack.c fail any allocation of the library (J67)
$(B)/check_emlkit: $(TEST_OBJ) $(B)/libemlkit.a
	$(CC) $(LDFLAGS) -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc \
		-o $@ $^ $(CHECK_LIBS) $(LDLIBS_LIB)

# Fuzzing: each harness builds three ways.  Replay (plain cc, with SAN
# when given) is part of `make check`; libFuzzer and AFL++ builds need
# clang and afl++ (`sh mk/deps.sh fuzz`).
$(B)/fuzz/%.o: fuzz/%.c fuzz/fuzz.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -Ifuzz -c -o $@ $<

$(B)/fuzz/replay_%: $(B)/fuzz/fuzz_%.o $(B)/fuzz/replay.o $(B)/libemlkit.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_LIB)

fuzz-replay: $(FUZZ_T:%=$(B)/fuzz/replay_%)
	@set -e; for t in $(FUZZ_T); do \
		dirs=$$(ls -d corpus/fuzz/$$t 2>/dev/null || true); \
		[ $$t = message ] && dirs="$$dirs corpus/third_party corpus/demo"; \
		[ $$t = parser ] && dirs="corpus/fuzz/message corpus/third_party corpus/demo"; \
		[ -n "$$dirs" ] || { echo "fuzz-replay $$t: no corpus"; continue; }; \
		$(B)/fuzz/replay_$$t $$dirs; \
	done

FUZZ_B := build-fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
fuzz-build:
	@sh mk/deps.sh fuzz
	$(MAKE) B=$(FUZZ_B)/libfuzzer CC=clang SAN= \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
		$(FUZZ_B)/libfuzzer/libemlkit.a
	$(MAKE) B=$(FUZZ_B)/afl CC=afl-clang-fast SAN= \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
		$(FUZZ_B)/afl/libemlkit.a
	@set -e; for t in $(FUZZ_T); do \
		clang -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) -Ilib -Ifuzz \
			-o $(FUZZ_B)/libfuzzer/fuzz_$$t fuzz/fuzz_$$t.c \
			$(FUZZ_B)/libfuzzer/libemlkit.a $(LDLIBS_LIB); \
		AFL_QUIET=1 afl-clang-fast -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) \
			-Ilib -Ifuzz -o $(FUZZ_B)/afl/fuzz_$$t fuzz/fuzz_$$t.c \
			$(FUZZ_B)/afl/libemlkit.a $(LDLIBS_LIB); \
	done
	@echo "fuzz-build: $(words $(FUZZ_T)) harnesses in $(FUZZ_B)/libfuzzer and $(FUZZ_B)/afl"

# make fuzz T=message S=600: one AFL++ campaign on one harness.
T ?= message
S ?= 600
fuzz: fuzz-build
	@mkdir -p $(FUZZ_B)/out
	AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
		afl-fuzz -V $(S) -i corpus/fuzz/$(T) -o $(FUZZ_B)/out/$(T) \
		$$( [ -f fuzz/$(T).dict ] && echo -x fuzz/$(T).dict ) \
		-- $(FUZZ_B)/afl/fuzz_$(T)

# rebuilt every time: PREFIX may differ from the last run
emlkit.pc: emlkit.pc.in lib/eml.h FORCE
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|; s|@VERSION@|$(VERSION)|' $< > $@

deps:
	@sh mk/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@sh mk/demo.sh $(B)

check: deps
	@$(MAKE) --no-print-directory all $(B)/check_emlkit
	@$(MAKE) --no-print-directory test-unit test-tools fuzz-replay test-net

test-unit: $(B)/check_emlkit
	$(B)/check_emlkit

# tools: helpers of the tool tests (sandbox probe, JSON path reader,
# peak-memory runner), built from tests/tools/*.c
TOOL_TEST_HELPERS := $(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(wildcard tests/tools/*.c))

test-tools: $(TOOLS) $(TOOL_TEST_HELPERS)
	@sh tests/tools/run.sh $(B)

$(B)/tests/tools/%: tests/tools/%.c $(TOOL_COMMON_OBJ) $(B)/libemlkit.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -Itools $(LDFLAGS) -o $@ $^ $(LDLIBS_LIB)

# End-to-end network tests: eml-smtp against our hostile server, then
# (as root, servers installed and started by tests/servers/) against
# real Postfix and Dovecot.
$(B)/tests/hostile-smtp: tests/net/hostile-smtp.c tests/net/script.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -o $@ $< $(LDFLAGS)

test-net: $(TOOLS) $(B)/tests/hostile-smtp $(B)/tests/tools/maxrss
	@sh tests/net/e2e-smtp.sh $(B)

bench: all
	@sh mk/deps.sh bench
	@$(MAKE) --no-print-directory -C tests/bench B=$(abspath $(B))
	@sh tests/net/bench-smtp.sh $(B)
	@sh tests/bench/tools.sh $(B)

# net-imap: eml-imap and eml-pop3 end to end, against the real Dovecot
# of tests/servers (ports from EML_TEST_PORT_BASE, default 21000) and
# the hostile servers of tests/net/imap_hostile.c; skipped without root.
# Part of test-net, so of `make check`.
test-net-fetch: $(TOOLS)
	@sh tests/net/imap_e2e.sh $(B)

test-net: test-net-fetch

# ... and the fetch benchmark (eml-imap against mbsync and fetchmail)
bench-net-fetch: all
	@sh mk/deps.sh bench
	@sh tests/net/imap_bench.sh $(B)

bench: bench-net-fetch

.PHONY: test-net-fetch bench-net-fetch

# ... and eml-extract -a against ripMIME and munpack (tests/bench/extract.sh)
bench-extract: all
	@sh mk/deps.sh bench
	@sh tests/bench/extract.sh $(B)

bench: bench-extract

.PHONY: bench-extract

# Generated tricky messages through emlkit and GMime (tests/diff/):
# agreement and each class of difference.  Not part of `make check`.
diff-test: $(B)/libemlkit.a
	-@sh mk/deps.sh bench
	@$(MAKE) --no-print-directory -C tests/diff B=$(abspath $(B))

install: all emlkit.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) \
		$(DESTDIR)$(PKGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	install -m 644 $(B)/libemlkit.a $(DESTDIR)$(LIBDIR)
	install -m 755 $(B)/$(SONAME) $(DESTDIR)$(LIBDIR)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libemlkit.so
	install -m 644 lib/eml.h $(DESTDIR)$(INCDIR)
	install -m 644 lib/net/eml_net.h $(DESTDIR)$(INCDIR)
	install -m 644 emlkit.pc $(DESTDIR)$(PKGDIR)
	$(if $(wildcard docs/*.1),install -m 644 $(wildcard docs/*.1) $(DESTDIR)$(MANDIR)/man1)
	$(if $(wildcard docs/*.3),install -m 644 $(wildcard docs/*.3) $(DESTDIR)$(MANDIR)/man3)

clean:
	rm -rf build build-san build-clang build-fuzz emlkit.pc

# keep objects that only pattern rules name
.SECONDARY:

FORCE:

.PHONY: all deps demo check test-unit test-tools test-net bench install clean FORCE \
	fuzz fuzz-build fuzz-replay diff-test

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(TOOL_COMMON_OBJ:.o=.d) \
	$(TOOL_SRC:tools/%.c=$(B)/tools/%.d) $(NET_COMMON_OBJ:.o=.d) \
	$(FUZZ_T:%=$(B)/fuzz/fuzz_%.d) $(B)/fuzz/replay.d
