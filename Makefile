# jgreylist toolkit: build, test, run, install.
#
#   make            build everything into build/ (programs in build/bin/)
#   make check      install missing Debian packages, build, run every test
#   make run        serve greylisted SMTP on 127.0.0.1 and ::1 (PORT=2525)
#   make run-mx     two MX on PORT and PORT+1 sharing one Redis
#   make bench      benchmarks, as ratios against baselines
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (60), with clang
#   make fuzz-long  every libFuzzer target at once for FUZZ_LONG_SECONDS (3600)
#   make check-asan every test on an ASan/UBSan build, in $(BUILD)/asan
#   make soak       two MX under load, Redis failover then a cleaned tree (SOAK_SECONDS each)
#   make install    PREFIX=/usr/local DESTDIR=
#   make deb        the Debian package, into $(BUILD)/deb/
#   make check-deb  build it, lint it, install it here, test it, purge it

CXX       = g++
CXXFLAGS  = -O2 -g
CPPFLAGS  =
LDFLAGS   =
# Programs link statically: jgreylist runs once per SMTP connection and a
# dynamic libstdc++ costs more start-up than all of its own work.
STATIC    = -static -Wl,--gc-sections
PREFIX    = /usr/local
DESTDIR   =
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man
PKGDATADIR = $(PREFIX)/share/jgreylist
# systemd reads units, sysusers.d and tmpfiles.d under /usr/local/lib too;
# the package puts its units in /lib/systemd/system (Debian 12).
UNITDIR   = $(PREFIX)/lib/systemd/system
SYSUSERSDIR = $(PREFIX)/lib/sysusers.d
TMPFILESDIR = $(PREFIX)/lib/tmpfiles.d
SYSCONFDIR = /etc
# The version: the newest entry of debian/changelog is its one source
# (`dch -v 1.1` bumps it); the programs' --version and the package take it.
VERSION  := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
BUILD     = build
PORT     ?= 2525
# make check builds on every core: the suite's build is most of its time.
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)

JGL_CPPFLAGS = -I. -DFMT_HEADER_ONLY
# What the programs link: tinycdb for the rules, hiredis for Redis, nettle
# for the SHA-256 that names triplet entries, c-ares for DNS (SPF). Linked
# statically, a program takes from these archives only what it calls; linked
# dynamically (check-asan), --as-needed keeps it so: jgreylist runs once per
# connection and must not load libraries it never calls.
LIBS         = -Wl,--as-needed -lcdb -lhiredis -lnettle -lcares
JGL_CXXFLAGS = -std=c++23 -Wall -Wextra -Wshadow -MMD -MP -ffunction-sections -fdata-sections

# lib/ is one folder per concern (lib/base, lib/net, ...); the direction of
# their includes is checked by scripts/check-layers.
LIB_SRCS  = $(wildcard lib/*/*.cc)
LIB_OBJS  = $(LIB_SRCS:%.cc=$(BUILD)/obj/%.o)
LIB       = $(BUILD)/lib/libjgl.a

# A new program is one word here: its main is NAME/main.cc, or
# tcprules/NAME.cc for the three tcprules tools.
PROGRAM_NAMES = jgreylist jgreylist-clean jgreylist-admin jgreylist-queue jgreylist-policy jgreylist-spf \
                tcprules tcprulescheck tcprules-exec
PROGRAMS  = $(PROGRAM_NAMES:%=$(BUILD)/bin/%)
main_obj  = $(BUILD)/obj/$(if $(wildcard $(1)/main.cc),$(1)/main,tcprules/$(1)).o
MAIN_OBJS = $(foreach p,$(PROGRAM_NAMES),$(call main_obj,$(p)))
$(MAIN_OBJS): JGL_CPPFLAGS += -DJGL_VERSION='"$(VERSION)"'
$(MAIN_OBJS): debian/changelog

UNIT_SRCS = $(wildcard tests/unit/*.cpp tests/unit/*/*.cpp)
UNIT_OBJS = $(UNIT_SRCS:%.cpp=$(BUILD)/obj/%.o)
UNIT      = $(BUILD)/tests/unit-tests
TEST_HELPERS = $(patsubst tests/helpers/%.cc,$(BUILD)/tests/%,$(wildcard tests/helpers/*.cc))
# jgreylist, jgreylist-clean and jgreylist-queue again, for tests only: the
# store's system_filesystem() comes from tests/helpers/fault_seam.cpp, which
# fails the calls JGL_FAULT names (tests/integration/jgreylist-faults.test,
# queue-faults.test).
FAULT_PROGRAMS = $(BUILD)/tests/jgreylist $(BUILD)/tests/jgreylist-clean $(BUILD)/tests/jgreylist-queue
TEST_HELPERS += $(FAULT_PROGRAMS)

MANPAGES  = $(wildcard man/*.[1-8])
SCRIPTS   = scripts/tcprules-edit scripts/jgreylist-whitelist-refresh
# systemd/: the units, with @BINDIR@ and @PKGDATADIR@ written at install
# time (so one `make install PREFIX=...` never installs another's paths),
# and the user, the tree's directory and the settings they read.
UNITS     = $(wildcard systemd/*.service systemd/*.socket systemd/*.timer)
INSTALL_PATHS = -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@PKGDATADIR@|$(PKGDATADIR)|g'

# make deb: dpkg-buildpackage in a copy of the source under $(DEB_BUILD)
# (its build/ is its own: the build/ of `make` is never touched); the
# .deb, .changes and .buildinfo land in $(DEB_DIR).
DEB_DIR   = $(BUILD)/deb
DEB_BUILD = $(DEB_DIR)/jgreylist-$(VERSION)

# libFuzzer targets (tests/fuzz/*.cc), built with clang into $(BUILD)/fuzz/
# with their own lib objects: the sanitizer flags must not mix with g++'s.
# Debian 12's clang 14 knows C++23 only as c++2b and cannot use libstdc++
# 12's <expected>: tests/fuzz/compat/expected stands in for it.
FUZZ_CXX      = clang++
FUZZ_SECONDS  = 60
# fuzz-long: all targets at once, each a process for the whole time, then
# a table of runs, rate, CPU, coverage and corpus per target. The inputs
# found stay in $(BUILD)/fuzz/work for the next run, as make fuzz's do.
FUZZ_LONG_SECONDS = 3600
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all
# The standard library's templates, fmt and the targets' own checks are
# left out of the coverage the fuzzer follows (tests/fuzz/coverage.ignore):
# 1.1-4.6x the runs a second, and corpora of the same reach in our code.
FUZZ_IGNORE   = tests/fuzz/coverage.ignore
FUZZ_CXXFLAGS = -std=c++2b -isystem tests/fuzz/compat -O1 -g -fno-omit-frame-pointer $(FUZZ_SANITIZE) \
                -fsanitize-coverage-ignorelist=$(FUZZ_IGNORE) -Wall -Wextra -Wshadow -MMD -MP
FUZZ_LIB_OBJS = $(LIB_SRCS:%.cc=$(BUILD)/fuzz/obj/%.o)
FUZZ_TARGETS  = $(patsubst tests/fuzz/%.cc,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/*.cc))

# make soak: tests/soak/soak.test, SOAK_RATE connections a second for
# SOAK_SECONDS, once with Redis behind Sentinel (the master killed halfway)
# and once with a tree under jgreylist-clean. 30 s each for CI (about 80 s
# in all); longer by hand: make soak SOAK_SECONDS=600.
SOAK_SECONDS = 30
SOAK_RATE    = 20

# check-asan: everything again with g++'s ASan and UBSan, dynamically linked
# (ASan cannot work in a static program), aborting at the first report.
# Under ASan every exec costs many times more: jgreylist-load.test's 90 s
# hold 400 sessions there, not 2,000 (measured: about 900 in 80 s on 2
# cores), with the same checks on each.
ASAN_BUILD    = $(BUILD)/asan
ASAN_CXXFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
ASAN_ENV      = ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1 \
                UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
                LOAD_SESSIONS=400

all: $(PROGRAMS)

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(@D)
	$(CXX) $(JGL_CPPFLAGS) $(CPPFLAGS) $(JGL_CXXFLAGS) $(CXXFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(JGL_CPPFLAGS) $(CPPFLAGS) $(JGL_CXXFLAGS) $(CXXFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

.SECONDEXPANSION:
$(PROGRAMS): $(BUILD)/bin/%: $$(call main_obj,$$*) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(STATIC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(UNIT): $(UNIT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS) -lpthread

$(FAULT_PROGRAMS): $(BUILD)/tests/%: $(BUILD)/obj/%/main.o $(BUILD)/obj/tests/helpers/fault_seam.o $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(STATIC) $(LDFLAGS) -o $@ $^ $(LIBS)

# A helper's headers come in by its .d file: compile the .cc alone.
$(BUILD)/tests/%: tests/helpers/%.cc $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(JGL_CPPFLAGS) $(CPPFLAGS) $(JGL_CXXFLAGS) $(CXXFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LIBS)

$(BUILD)/fuzz/obj/%.o: %.cc $(FUZZ_IGNORE)
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(JGL_CPPFLAGS) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_TARGETS): $(BUILD)/fuzz/%: tests/fuzz/%.cc $(FUZZ_LIB_OBJS) $(FUZZ_IGNORE)
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(JGL_CPPFLAGS) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) $(LIBS)

deps:
	scripts/install-deps

check: deps
	$(MAKE) -j$(JOBS) all $(UNIT) $(TEST_HELPERS) $(FUZZ_TARGETS)
	scripts/get-promtool $(BUILD)
	tests/run-all $(BUILD)

check-asan: deps
	$(MAKE) BUILD=$(ASAN_BUILD) STATIC= CXXFLAGS="$(ASAN_CXXFLAGS)" \
	  all $(patsubst $(BUILD)/%,$(ASAN_BUILD)/%,$(UNIT) $(TEST_HELPERS) $(FUZZ_TARGETS))
	scripts/get-promtool $(ASAN_BUILD)
	$(ASAN_ENV) tests/run-all $(ASAN_BUILD)

soak: deps
	$(MAKE) -j$(JOBS) all $(BUILD)/tests/soak-client
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_RATE=$(SOAK_RATE) BUILD=$(abspath $(BUILD)) bash tests/soak/soak.test

fuzz-build: $(FUZZ_TARGETS)

fuzz: deps
	$(MAKE) fuzz-build
	tests/fuzz/run $(BUILD) $(FUZZ_SECONDS) $(BUILD)/fuzz/work

fuzz-long: deps
	$(MAKE) fuzz-build
	tests/fuzz/run --parallel $(BUILD) $(FUZZ_LONG_SECONDS) $(BUILD)/fuzz/work

run: deps
	$(MAKE) all
	scripts/run-demo $(BUILD) $(PORT)

run-mx: deps
	$(MAKE) all
	scripts/run-mx $(BUILD) $(PORT)

bench: deps
	$(MAKE) all
	bench/run $(BUILD)

# The scripts and units get this install's paths and version; the
# settings file is the administrator's once there, never overwritten.
install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)
	for script in $(SCRIPTS); do \
	  sed -e 's|^version="$$prog .*"$$|version="$$prog $(VERSION)"|' \
	    -e 's|/usr/local/share/jgreylist|$(PKGDATADIR)|g' $$script >$(DESTDIR)$(BINDIR)/$${script##*/}; \
	  chmod 755 $(DESTDIR)$(BINDIR)/$${script##*/}; \
	done
	install -d $(DESTDIR)$(PKGDATADIR)
	install -m 644 data/big-senders $(DESTDIR)$(PKGDATADIR)/big-senders
	for page in $(MANPAGES); do \
	  section=$${page##*.}; \
	  install -d $(DESTDIR)$(MANDIR)/man$$section; \
	  install -m 644 $$page $(DESTDIR)$(MANDIR)/man$$section; \
	done
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	for unit in $(UNITS); do \
	  sed $(INSTALL_PATHS) $$unit >$(DESTDIR)$(UNITDIR)/$${unit##*/}; \
	  chmod 644 $(DESTDIR)$(UNITDIR)/$${unit##*/}; \
	done
	install -m 644 systemd/jgreylist.sysusers $(DESTDIR)$(SYSUSERSDIR)/jgreylist.conf
	install -m 644 systemd/jgreylist.tmpfiles $(DESTDIR)$(TMPFILESDIR)/jgreylist.conf
	install -d $(DESTDIR)$(SYSCONFDIR)/default
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/jgreylist ] || \
	  install -m 644 systemd/jgreylist.default $(DESTDIR)$(SYSCONFDIR)/default/jgreylist

deps-deb:
	scripts/install-deps deb

deb: deps-deb
	rm -rf $(DEB_BUILD) $(DEB_DIR)/jgreylist_* $(DEB_DIR)/jgreylist-dbgsym_*
	mkdir -p $(DEB_BUILD)
	tar --exclude=./$(BUILD) --exclude=./.git -cf - . | tar -xf - -C $(DEB_BUILD)
	cd $(DEB_BUILD) && DEB_BUILD_OPTIONS=parallel=$(JOBS) dpkg-buildpackage -us -uc -b
	ls $(DEB_DIR)/jgreylist_$(VERSION)_*.deb

check-deb: deb
	tests/package/deb.test $(DEB_DIR) $(VERSION)

clean:
	rm -rf $(BUILD)

.PHONY: all deps deps-deb check check-asan soak fuzz fuzz-long fuzz-build run run-mx bench install deb check-deb clean

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(MAIN_OBJS:.o=.d) $(BUILD)/obj/tests/helpers/fault_seam.d \
  $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_TARGETS:=.d) $(TEST_HELPERS:=.d)
