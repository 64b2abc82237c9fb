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
LDLIBS_LIB := -lz

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

LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
TOOL_SRC := $(wildcard tools/eml-*.c)
TOOLS := $(TOOL_SRC:tools/%.c=$(B)/%)
TOOL_COMMON := $(filter-out $(TOOL_SRC),$(wildcard tools/*.c))
TOOL_COMMON_OBJ := $(TOOL_COMMON:tools/%.c=$(B)/tools/%.o)
TEST_SRC := $(wildcard tests/check_*.c)
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
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_LIB)

# The test runner finds every suite by its constructor's name.
$(B)/tests/suites.h: $(TEST_SRC)
	@mkdir -p $(@D)
	sed -n 's/^\(eml_[a-z0-9_]*_suite\)(void)$$/SUITE(\1)/p' $(filter-out tests/check_main.c,$(TEST_SRC)) > $@.tmp
	mv $@.tmp $@

$(B)/tests/check_main.o: $(B)/tests/suites.h

$(B)/check_emlkit: $(TEST_OBJ) $(B)/libemlkit.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS_LIB)

emlkit.pc: emlkit.pc.in lib/eml.h
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCDIR@|$(INCDIR)|; s|@VERSION@|$(VERSION)|' $< > $@

deps:
	@sh mk/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@sh mk/demo.sh $(B)

check: deps
	@$(MAKE) --no-print-directory all $(B)/check_emlkit
	@$(MAKE) --no-print-directory test-unit test-tools

test-unit: $(B)/check_emlkit
	$(B)/check_emlkit

test-tools: $(TOOLS)
	@sh tests/tools/run.sh $(B)

bench: all
	@$(MAKE) --no-print-directory -C tests/bench B=$(abspath $(B))

install: all emlkit.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) \
		$(DESTDIR)$(PKGDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)
	install -m 644 $(B)/libemlkit.a $(DESTDIR)$(LIBDIR)
	install -m 755 $(B)/$(SONAME) $(DESTDIR)$(LIBDIR)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libemlkit.so
	install -m 644 lib/eml.h $(DESTDIR)$(INCDIR)
	install -m 644 emlkit.pc $(DESTDIR)$(PKGDIR)
	install -m 644 $(wildcard docs/*.1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(wildcard docs/*.3) $(DESTDIR)$(MANDIR)/man3

clean:
	rm -rf build build-san emlkit.pc

.PHONY: all deps demo check test-unit test-tools bench install clean

-include $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(TOOL_COMMON_OBJ:.o=.d) \
	$(TOOL_SRC:tools/%.c=$(B)/tools/%.d)
