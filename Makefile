# jgreylist toolkit: build, test, run, install.
#
#   make            build everything into build/ (programs in build/bin/)
#   make check      install missing Debian packages, build, run every test
#   make run        serve greylisted SMTP on 127.0.0.1 and ::1 (PORT=2525)
#   make bench      benchmarks, as ratios against baselines
#   make install    PREFIX=/usr/local DESTDIR=

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
BUILD     = build
PORT     ?= 2525

JGL_CPPFLAGS = -I. -DFMT_HEADER_ONLY
JGL_CXXFLAGS = -std=c++23 -Wall -Wextra -Wshadow -MMD -MP -ffunction-sections -fdata-sections

LIB_SRCS  = $(wildcard lib/*.cc)
LIB_OBJS  = $(LIB_SRCS:%.cc=$(BUILD)/obj/%.o)
LIB       = $(BUILD)/lib/libjgl.a

PROGRAMS  = $(BUILD)/bin/jgreylist $(BUILD)/bin/jgreylist-clean \
            $(BUILD)/bin/tcprules $(BUILD)/bin/tcprulescheck $(BUILD)/bin/tcprules-exec

UNIT_SRCS = $(wildcard tests/unit/*.cpp)
UNIT_OBJS = $(UNIT_SRCS:%.cpp=$(BUILD)/obj/%.o)
UNIT      = $(BUILD)/tests/unit-tests
TEST_HELPERS = $(patsubst tests/helpers/%.cc,$(BUILD)/tests/%,$(wildcard tests/helpers/*.cc))

MANPAGES  = $(wildcard man/*.[1-8])

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

$(BUILD)/bin/jgreylist: $(BUILD)/obj/jgreylist/main.o $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(STATIC) $(LDFLAGS) -o $@ $^

$(BUILD)/bin/jgreylist-clean: $(BUILD)/obj/jgreylist-clean/main.o $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(STATIC) $(LDFLAGS) -o $@ $^

# tcprules and tcprulescheck write and read cdb files with tinycdb.
$(BUILD)/bin/tcprules: $(BUILD)/obj/tcprules/tcprules.o $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(STATIC) $(LDFLAGS) -o $@ $^ -lcdb

$(BUILD)/bin/tcprulescheck: $(BUILD)/obj/tcprules/tcprulescheck.o $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(STATIC) $(LDFLAGS) -o $@ $^ -lcdb

$(BUILD)/bin/tcprules-exec: $(BUILD)/obj/tcprules/tcprules-exec.o $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(STATIC) $(LDFLAGS) -o $@ $^ -lcdb

$(UNIT): $(UNIT_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ -lcdb -lpthread

$(BUILD)/tests/%: tests/helpers/%.cc $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(JGL_CPPFLAGS) $(CPPFLAGS) $(JGL_CXXFLAGS) $(CXXFLAGS) $(LDFLAGS) -o $@ $^

deps:
	scripts/install-deps

check: deps
	$(MAKE) all $(UNIT) $(TEST_HELPERS)
	tests/run-all $(BUILD)

run: deps
	$(MAKE) all
	scripts/run-demo $(BUILD) $(PORT)

bench: deps
	$(MAKE) all
	bench/run $(BUILD)

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)
	for page in $(MANPAGES); do \
	  section=$${page##*.}; \
	  install -d $(DESTDIR)$(MANDIR)/man$$section; \
	  install -m 644 $$page $(DESTDIR)$(MANDIR)/man$$section; \
	done

clean:
	rm -rf $(BUILD)

.PHONY: all deps check run bench install clean

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(BUILD)/obj/jgreylist/main.d $(BUILD)/obj/jgreylist-clean/main.d \
  $(BUILD)/obj/tcprules/tcprules.d $(BUILD)/obj/tcprules/tcprulescheck.d $(BUILD)/obj/tcprules/tcprules-exec.d
