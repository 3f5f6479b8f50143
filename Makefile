# jobd — persistent job scheduler.  GNU make.
#
#   make                     build into build/
#   make check               build and run every test (the end-to-end
#                            suite on SQLite, then on PostgreSQL)
#   make SANITIZE=address,undefined check
#                            the same, in its own build directory
#   make install             PREFIX=/usr/local DESTDIR= (COMPLETIONSDIR=)
#   make lint                mandoc -Tlint on the man pages
#   make run                 start jobd on a database in ./run/
#   make bench               benchmarks: figures and ratios to targets
#   make chaos               10,000 jobs, jobd SIGKILLed 50 times; then on
#                            PostgreSQL 3,000 jobs, 3 daemons SIGKILLed 30
#                            times, the server restarted twice
#   make submitters          8 x 1000 concurrent submissions, busy jobd
#   make tsan                the daemon's tests under ThreadSanitizer
#   make valgrind            jobctl and jobd under valgrind memcheck
#   make fuzz                libFuzzer targets, FUZZ_TIME seconds each (clang)
#   make BUILDDIR=dir ...    build somewhere other than build/
#
# Honours CC, CFLAGS, CPPFLAGS, LDFLAGS, LDLIBS and PKG_CONFIG.  Warnings are
# errors unless WERROR= is given.

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
UNITDIR		?= $(PREFIX)/lib/systemd/system
# Where bash-completion looks for completions, else under PREFIX.
COMPLETIONSDIR	?= $(or $(shell $(PKG_CONFIG) --variable=completionsdir \
		   bash-completion 2>/dev/null),$(PREFIX)/share/bash-completion/completions)
DESTDIR		?=
INSTALL		?= install
PKG_CONFIG	?= pkg-config
CC		?= cc
CFLAGS		?= -g -O2
WERROR		?= -Werror
SANITIZE	?=
VERSION		:= 0.1.0

BUILDDIR	?= build
comma		:= ,
ifeq ($(SANITIZE),)
B		:= $(BUILDDIR)
SAN_FLAGS	:=
else
B		:= $(BUILDDIR)/san-$(subst $(comma),-,$(SANITIZE))
SAN_FLAGS	:= -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all
endif

# Build and test dependencies: pkg-config modules, the commands the tests
# use, and the Debian packages that provide them all.
PKGS		:= sqlite3 libuv inih libpq libcbor
TEST_PKGS	:= cmocka
TOOLS		:= sqlite3 mandoc timeout python3
FILES		:= /usr/share/zoneinfo/America/New_York
DEB_PKGS	:= libsqlite3-dev libuv1-dev libinih-dev libpq-dev libcbor-dev \
		   libcmocka-dev pkg-config sqlite3 mandoc python3 tzdata

NODEPS_GOALS	:= clean distclean uninstall deps-check
ifneq ($(filter-out $(NODEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
DEPS_OK := $(shell $(PKG_CONFIG) --exists $(PKGS) $(TEST_PKGS) 2>/dev/null && \
	     for t in $(TOOLS); do command -v $$t >/dev/null || exit 1; done && \
	     for f in $(FILES); do [ -e $$f ] || exit 1; done && echo yes)
ifneq ($(DEPS_OK),yes)
ifeq ($(shell id -u),0)
$(info jobd: installing missing build dependencies: $(DEB_PKGS))
DEPS_RC := $(shell (apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	     apt-get install -y -q $(DEB_PKGS)) >&2; echo $$?)
ifneq ($(DEPS_RC),0)
$(error jobd: "apt-get install -y $(DEB_PKGS)" failed (exit $(DEPS_RC)))
endif
else
$(error jobd: missing build dependencies; install them with: \
	sudo apt-get install -y $(DEB_PKGS))
endif
endif
endif

# make check runs the end-to-end suite on each of TEST_BACKENDS; the
# PostgreSQL pass, and make chaos's PostgreSQL form, need a server's
# programs (initdb, pg_ctl, psql, pg_dump), installed as root like the
# packages above (without the cluster Debian would otherwise make and
# start: the tests make their own, tests/with_pg.sh); as another user
# the pass is skipped, naming the command to run.  TEST_JOBS test
# programs run at once.
TEST_BACKENDS	?= sqlite postgresql
TEST_JOBS	?= 3
PG_DEB_PKGS	:= postgresql
ifneq ($(filter check chaos,$(MAKECMDGOALS)),)
ifneq ($(filter postgresql,$(TEST_BACKENDS)),)
PG_OK := $(shell { command -v initdb || ls /usr/lib/postgresql/*/bin/initdb; \
	     } >/dev/null 2>&1 && command -v psql >/dev/null && \
	     command -v pg_dump >/dev/null && echo yes)
ifneq ($(PG_OK),yes)
ifeq ($(shell id -u),0)
$(info jobd: installing PostgreSQL for the tests: $(PG_DEB_PKGS))
PG_RC := $(shell (mkdir -p /etc/postgresql-common/createcluster.d && \
	     echo 'create_main_cluster = false' \
	     >/etc/postgresql-common/createcluster.d/jobd-tests.conf && \
	     apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	     apt-get install -y -q $(PG_DEB_PKGS)) >&2; echo $$?)
ifneq ($(PG_RC),0)
$(error jobd: "apt-get install -y $(PG_DEB_PKGS)" failed (exit $(PG_RC)))
endif
endif
endif
endif
endif

# libpq and libsqlite3 are not linked: src/core/pq.c and sqlib.c map
# them when a database of theirs is opened, so that jobd on a SQLite file
# does not carry libpq, nor a jobctl that only talks to jobd's socket
# libsqlite3 (their headers are needed; tests and benches that call them
# directly link them).
PKG_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell $(PKG_CONFIG) --libs \
		   $(filter-out libpq sqlite3,$(PKGS)) 2>/dev/null) -ldl
SQLITE_LIBS	:= $(shell $(PKG_CONFIG) --libs sqlite3 2>/dev/null)
TEST_CFLAGS	:= $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS) 2>/dev/null)
TEST_LIBS	:= $(shell $(PKG_CONFIG) --libs $(TEST_PKGS) libpq sqlite3 \
		   2>/dev/null)

WARNINGS	:= -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wpointer-arith -Wcast-qual \
		   -Wno-missing-field-initializers
JOBD_CPPFLAGS	:= -D_POSIX_C_SOURCE=200809L -Iinclude -I$(B)/gen \
		   -DJOBD_VERSION='"$(VERSION)"' \
		   -DJOBD_SYSCONFDIR='"$(SYSCONFDIR)/jobd"'
JOBD_CFLAGS	:= -std=c11 -pthread -MMD -MP $(WARNINGS) $(WERROR) \
		   $(SAN_FLAGS) $(PKG_CFLAGS)
JOBD_LDFLAGS	:= -pthread $(SAN_FLAGS)

COMPILE		 = $(CC) $(JOBD_CPPFLAGS) $(CPPFLAGS) $(JOBD_CFLAGS) $(CFLAGS)

CORE		:= clock log civil timefmt timefmt_at config trust store store_sql \
		   store_conn store_sqlite store_pg store_pgsql store_daemon \
		   store_result store_schedule schedule tz cron crash utf8 \
		   procopt jobspec procfs outbox store_notify mail \
		   store_metrics metrics stats store_stats store_prune \
		   store_deps store_claim retention queue store_queue dburl \
		   store_copy store_crontab pq sqlib strbuf useraccess wire \
		   store_remote quota store_user
JOBD		:= main scheduler cronfire workers runner notify schedfile cgroup \
		   contain metricsfile retain sockserv sockreq sockreq_sched
JOBCTL		:= main out cmd_submit cmd_list cmd_cancel cmd_status jobfmt jobwhy cmd_wait cmd_logs cmd_dead jobopts cmd_next cmd_schedule cmd_schedule_set cmd_import cmd_rerun \
		   cmd_complete crontab_parse cmd_crontab cmd_metrics cmd_stats cmd_prune cmd_queue cmd_migrate
UNIT		:= timefmt config trust store runner workers schedfile tz cron faults \
		   clock log jobspec cronfire outbox mail metrics stats retention queue \
		   dburl useraccess quota

CORE_OBJS	:= $(CORE:%=$(B)/obj/core/%.o) $(B)/gen/schema_sql.o
JOBD_OBJS	:= $(JOBD:%=$(B)/obj/jobd/%.o)
JOBCTL_OBJS	:= $(JOBCTL:%=$(B)/obj/jobctl/%.o)
UNIT_BINS	:= $(UNIT:%=$(B)/tests/test_%)
LIBCORE		:= $(B)/libjobd.a
SCHEMA		:= $(sort $(wildcard schema/*.sql))
SCHEMA_PG	:= $(sort $(wildcard schema/postgresql/*.sql))
MANPAGES	:= man/jobctl.1 man/jobd.conf.5 man/jobd.8

.PHONY: all check chaos submitters tsan valgrind fuzz lint run bench install \
	uninstall clean deps-check
.DELETE_ON_ERROR:
.SECONDARY:

all: $(B)/jobctl $(B)/jobd

$(B)/jobd: $(JOBD_OBJS) $(LIBCORE)
	$(CC) $(JOBD_LDFLAGS) $(LDFLAGS) -o $@ $(JOBD_OBJS) $(LIBCORE) \
	    $(PKG_LIBS) $(LDLIBS)

$(B)/jobctl: $(JOBCTL_OBJS) $(LIBCORE)
	$(CC) $(JOBD_LDFLAGS) $(LDFLAGS) -o $@ $(JOBCTL_OBJS) $(LIBCORE) \
	    $(PKG_LIBS) $(LDLIBS)

$(LIBCORE): $(CORE_OBJS)
	rm -f $@
	$(AR) rcs $@ $(CORE_OBJS)

$(B)/obj/core/%.o: src/core/%.c
	@mkdir -p $(@D)
	$(COMPILE) -c -o $@ $<

$(B)/obj/jobd/%.o: src/jobd/%.c
	@mkdir -p $(@D)
	$(COMPILE) -c -o $@ $<

$(B)/obj/jobctl/%.o: src/jobctl/%.c
	@mkdir -p $(@D)
	$(COMPILE) -c -o $@ $<

# The migrations, embedded as C strings: schema_migrations[i] is file
# schema/NNN_*.sql, applied in order; its number is the user_version it
# leaves behind.  schema_pg_migrations[]: those of schema/postgresql/.
EMBED_SQL = n=0; for f in $(3); do n=$$((n + 1)); \
	    echo "static const char $(1)$$n[] ="; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; \
	    echo ';'; done; \
	  echo 'const struct schema_migration schema_$(2)migrations[] = {'; \
	  n=0; for f in $(3); do n=$$((n + 1)); \
	    echo "	{ \"$$(basename $$f)\", $(1)$$n },"; done; \
	  echo '	{ 0, 0 }'; \
	  echo '};'; \
	  echo "const int schema_$(2)nmigrations = $$n;"
$(B)/gen/schema_sql.c: $(SCHEMA) $(SCHEMA_PG) Makefile
	@mkdir -p $(@D)
	@{ echo '/* Generated from the files in schema/ by the Makefile. */'; \
	  echo '#include "jobd/schema.h"'; \
	  $(call EMBED_SQL,m,,$(SCHEMA)); \
	  $(call EMBED_SQL,pgm,pg_,$(SCHEMA_PG)); } > $@.tmp
	@mv $@.tmp $@

$(B)/gen/schema_sql.o: $(B)/gen/schema_sql.c
	$(COMPILE) -c -o $@ $<

$(B)/obj/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(COMPILE) $(TEST_CFLAGS) -c -o $@ $<

# A unit test links the core library, and the daemon objects it tests.
TEST_DEPS_runner	:= $(B)/obj/jobd/runner.o $(B)/obj/jobd/cgroup.o
TEST_DEPS_workers	:= $(B)/obj/jobd/workers.o $(B)/obj/jobd/runner.o \
			   $(B)/obj/jobd/cgroup.o
TEST_DEPS_schedfile	:= $(B)/obj/jobd/schedfile.o
TEST_DEPS_cronfire	:= $(B)/obj/jobd/cronfire.o

.SECONDEXPANSION:
TEST_LIB	:= $(B)/obj/tests/fake_clock.o $(B)/obj/tests/testdir.o
$(B)/tests/test_%: $(B)/obj/tests/test_%.o $(TEST_LIB) \
    $$(TEST_DEPS_$$*) $(LIBCORE)
	@mkdir -p $(@D)
	$(CC) $(JOBD_LDFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIB) \
	    $(TEST_DEPS_$*) $(LIBCORE) $(PKG_LIBS) $(TEST_LIBS) $(LDLIBS)

# tests/pg/check_sql.sh's: every statement as the PostgreSQL backend
# sends it (the store's private header, so -Isrc/core).
$(B)/tests/pg_dump_sql: tests/pg/dump_sql.c $(LIBCORE)
	@mkdir -p $(@D)
	$(COMPILE) -Isrc/core $(JOBD_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIBCORE) \
	    $(PKG_LIBS) $(LDLIBS)

check: all $(UNIT_BINS) $(B)/tests/pg_dump_sql lint
	@B=$(B) JOBD_TEST_BACKENDS="$(TEST_BACKENDS)" TEST_JOBS=$(TEST_JOBS) \
	    tests/run.sh

# The long crash-chaos tests, both run whatever the first gives: on
# SQLite 10000 jobs, jobd SIGKILLed 50 times; on PostgreSQL (a private
# server, when TEST_BACKENDS names it) 3000 jobs over 3 daemons, 30
# SIGKILLs spread over them and 2 restarts of the server.
chaos: all
	@rc=0; CHAOS_JOBS=10000 CHAOS_KILLS=50 TEST_TIMEOUT=1800 \
	    TEST_VERBOSE=1 B=$(B) tests/run.sh chaos.sh || rc=1; \
	    case " $(TEST_BACKENDS) " in *" postgresql "*) \
	    CHAOS_JOBS=3000 CHAOS_KILLS=30 CHAOS_PG_RESTARTS=2 \
	    TEST_TIMEOUT=1800 TEST_VERBOSE=1 JOBD_TEST_BACKENDS=postgresql \
	    B=$(B) tests/run.sh chaos_pg.sh || rc=1 ;; esac; exit $$rc

# The long concurrent-submitter test: 8 x 1000 submissions against a busy
# jobd, with readers and batch submissions.
submitters: all
	@SUBMITTERS_N=1000 TEST_TIMEOUT=1800 TEST_VERBOSE=1 B=$(B) \
	    tests/run.sh submitters.sh

# ThreadSanitizer over the daemon's threads: every end-to-end script that
# starts jobd (the daemon's own, cron, the short chaos test ...) and the
# unit tests of the worker pool and the runner, built with SANITIZE=thread
# into $(BUILDDIR)/san-thread.  tests/tsan.supp: uninstrumented libraries
# only.  A kernel whose mmap randomisation is too wide for this TSan
# runtime gets the tests run with it off (setarch -R).
TSAN_B		:= $(BUILDDIR)/san-thread
TSAN_TESTS	:= test_workers test_runner $(filter-out daemon_lib.sh, \
		   $(notdir $(sort $(wildcard tests/e2e/daemon_*.sh) \
		   $(shell grep -lw start_jobd tests/e2e/*.sh))))

tsan:
	@$(MAKE) --no-print-directory SANITIZE=thread all \
	    $(TSAN_B)/tests/test_workers $(TSAN_B)/tests/test_runner
	@r=; $(TSAN_B)/jobd --version >/dev/null 2>&1 || { \
	    r="setarch $$(uname -m) -R"; \
	    echo "tsan: jobd does not start; running with ASLR off"; }; \
	    TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp \
	    second_deadlock_stack=1 $$TSAN_OPTIONS" B=$(TSAN_B) \
	    $$r tests/run.sh $(TSAN_TESTS)

# valgrind memcheck over every jobctl command and a short jobd run, on the
# build without sanitizers (tests/valgrind.sh).  valgrind is installed
# with apt-get when missing and we are root.
ifneq ($(filter valgrind,$(MAKECMDGOALS)),)
ifneq ($(SANITIZE),)
$(error jobd: make valgrind needs a build without SANITIZE)
endif
endif

valgrind: all
	@command -v valgrind >/dev/null || if [ "$$(id -u)" = 0 ]; then \
	    echo "jobd: installing valgrind"; (apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    valgrind) >&2 || exit 1; else echo "jobd: make valgrind needs" \
	    "valgrind; install it with: sudo apt-get install -y valgrind" \
	    >&2; exit 1; fi
	@B=$(B) tests/valgrind.sh

# Fuzzing with libFuzzer: the targets tests/fuzz/fuzz_NAME.c, built with
# clang, ASan and UBSan into $(B)/fuzz/ (the core compiled again there,
# apart from the cc build), each run for FUZZ_TIME seconds from the seeds
# in tests/fuzz/corpus/NAME/.  New inputs go to $(B)/fuzz/corpus/NAME/, a
# crash to $(B)/fuzz/crash-NAME-* (and fails the run).  FUZZ= picks the
# targets: make fuzz FUZZ="cron timefmt" FUZZ_TIME=300.
FUZZ_CC		?= clang
FUZZ_CFLAGS	?= -g -O1
FUZZ_TIME	?= 30
FUZZ_TARGETS	:= cron timefmt config schedfile import jobctl mail socket
FUZZ		?= $(FUZZ_TARGETS)
FUZZ_DEB_PKGS	:= clang libclang-rt-dev
FUZZ_B		:= $(B)/fuzz
FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
# clang, unlike gcc, also flags the format of vprintf-style wrappers.
FUZZ_COMPILE	 = $(FUZZ_CC) $(JOBD_CPPFLAGS) $(CPPFLAGS) -std=c11 -pthread \
		   -MMD -MP $(WARNINGS) -Wno-format-nonliteral $(WERROR) \
		   $(PKG_CFLAGS) $(FUZZ_CFLAGS) $(FUZZ_SAN) \
		   -fsanitize=fuzzer-no-link
FUZZ_LINK	 = $(FUZZ_CC) -pthread $(FUZZ_SAN) -fsanitize=fuzzer $(LDFLAGS)

ifneq ($(filter fuzz,$(MAKECMDGOALS)),)
FUZZ_OK := $(shell printf 'int LLVMFuzzerTestOneInput(const char *d, long n) \
	   { (void)d; (void)n; return 0; }\n' | $(FUZZ_CC) -x c \
	   -fsanitize=fuzzer,address,undefined -o /dev/null - \
	   >/dev/null 2>&1 && echo yes)
ifneq ($(FUZZ_OK),yes)
ifeq ($(shell id -u),0)
$(info jobd: installing the fuzzing toolchain: $(FUZZ_DEB_PKGS))
FUZZ_RC := $(shell (apt-get update -q && DEBIAN_FRONTEND=noninteractive \
	     apt-get install -y -q $(FUZZ_DEB_PKGS)) >&2; echo $$?)
ifneq ($(FUZZ_RC),0)
$(error jobd: "apt-get install -y $(FUZZ_DEB_PKGS)" failed (exit $(FUZZ_RC)))
endif
else
$(error jobd: make fuzz needs $(FUZZ_CC) with libFuzzer; install it with: \
	sudo apt-get install -y $(FUZZ_DEB_PKGS))
endif
endif
endif

FUZZ_LIBCORE	:= $(FUZZ_B)/libjobd.a
FUZZ_CORE_OBJS	:= $(CORE:%=$(FUZZ_B)/obj/core/%.o) \
		   $(FUZZ_B)/obj/gen/schema_sql.o
FUZZ_CTL_OBJS	:= $(JOBCTL:%=$(FUZZ_B)/obj/jobctl/%.o)
# fuzz_schedfile includes the .c file it tests, for its static parser;
# fuzz_jobctl runs jobctl's main() (renamed) in-process.
FUZZ_DEPS_import := $(FUZZ_CTL_OBJS)
FUZZ_DEPS_jobctl := $(FUZZ_CTL_OBJS)
# fuzz_socket runs jobd's request handling (sockreq.c) on a real database.
FUZZ_DEPS_socket := $(FUZZ_B)/obj/jobd/sockreq.o \
		    $(FUZZ_B)/obj/jobd/sockreq_sched.o $(FUZZ_B)/obj/jobd/sockserv.o
FUZZ_LDFLAGS_jobctl := -Wl,--wrap=exit,--wrap=store_open,--wrap=store_close \
		   -Wl,--wrap=clock_default,--wrap=nanosleep

fuzz: $(FUZZ:%=$(FUZZ_B)/fuzz_%)
	@F=$(FUZZ_B) FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run.sh $(FUZZ)

$(FUZZ_LIBCORE): $(FUZZ_CORE_OBJS)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_CORE_OBJS)

$(FUZZ_B)/obj/core/%.o: src/core/%.c
	@mkdir -p $(@D)
	$(FUZZ_COMPILE) -c -o $@ $<

$(FUZZ_B)/obj/gen/schema_sql.o: $(B)/gen/schema_sql.c
	@mkdir -p $(@D)
	$(FUZZ_COMPILE) -c -o $@ $<

$(FUZZ_B)/obj/jobctl/main.o: src/jobctl/main.c
	@mkdir -p $(@D)
	$(FUZZ_COMPILE) -Dmain=jobctl_main -Wno-missing-prototypes -c -o $@ $<

$(FUZZ_B)/obj/jobctl/%.o: src/jobctl/%.c
	@mkdir -p $(@D)
	$(FUZZ_COMPILE) -c -o $@ $<

$(FUZZ_B)/obj/jobd/%.o: src/jobd/%.c
	@mkdir -p $(@D)
	$(FUZZ_COMPILE) -c -o $@ $<

$(FUZZ_B)/obj/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(@D)
	$(FUZZ_COMPILE) -c -o $@ $<

$(FUZZ_B)/fuzz_%: $(FUZZ_B)/obj/fuzz/fuzz_%.o $$(FUZZ_DEPS_$$*) $(FUZZ_LIBCORE)
	$(FUZZ_LINK) $(FUZZ_LDFLAGS_$*) -o $@ $< $(FUZZ_DEPS_$*) \
	    $(FUZZ_LIBCORE) $(PKG_LIBS) $(LDLIBS)

lint:
	mandoc -Tlint -W warning $(MANPAGES)

# Figures, not tests: each line prints a value, its target and the ratio
# (bench/RESULTS.md).  The programs in bench/ measure this machine's limits
# (plain C and SQLite) and parts of the core library; they build into
# $(B)/bench/.  BENCH_ARGS passes options, e.g. BENCH_ARGS="--idle 10".
# sockmin is linked with libc alone, and startup (an empty main) three
# ways: libc alone, libsqlite3, and the libraries jobctl loads, kept
# although unused, so that their differences are the loader's work.
# task-spooler (tsp), the reference for submission and latency, is
# installed with apt-get when missing and we are root; otherwise the
# bench runs without it and names the command.
BENCH_PLAIN	:= spawn latency sqlcommit submitmin
BENCH_CORE	:= lease cronrate retention
BENCH_BARE	:= sockmin startup-bare
BENCH_STARTUP	:= startup-sqlite startup-libs
BENCH_BINS	:= $(BENCH_PLAIN:%=$(B)/bench/%) $(BENCH_CORE:%=$(B)/bench/%) \
		   $(BENCH_BARE:%=$(B)/bench/%) $(BENCH_STARTUP:%=$(B)/bench/%)
LIBS_sqlite	:= $(SQLITE_LIBS)
LIBS_libs	:= $(shell $(PKG_CONFIG) --libs inih libcbor 2>/dev/null)
BENCH_DEB_PKGS	:= task-spooler

$(BENCH_PLAIN:%=$(B)/bench/%): $(B)/bench/%: bench/%.c
	@mkdir -p $(@D)
	$(COMPILE) $(JOBD_LDFLAGS) $(LDFLAGS) -o $@ $< $(PKG_LIBS) \
	    $(SQLITE_LIBS) $(LDLIBS)

$(B)/bench/sockmin: bench/sockmin.c
	@mkdir -p $(@D)
	$(COMPILE) $(LDFLAGS) -o $@ $<

$(B)/bench/startup-bare: bench/startup.c
	@mkdir -p $(@D)
	$(COMPILE) $(LDFLAGS) -o $@ $<

$(BENCH_STARTUP:%=$(B)/bench/%): $(B)/bench/startup-%: bench/startup.c
	@mkdir -p $(@D)
	$(COMPILE) $(LDFLAGS) -o $@ $< -Wl,--no-as-needed $(LIBS_$*) \
	    -Wl,--as-needed


$(BENCH_CORE:%=$(B)/bench/%): $(B)/bench/%: bench/%.c $(LIBCORE)
	@mkdir -p $(@D)
	$(COMPILE) $(JOBD_LDFLAGS) $(LDFLAGS) -o $@ $< \
	    $(LIBCORE) $(PKG_LIBS) $(SQLITE_LIBS) $(LDLIBS)

bench: $(B)/jobd $(B)/jobctl $(BENCH_BINS)
	@command -v tsp >/dev/null || if [ "$$(id -u)" = 0 ]; then \
	    echo "jobd: installing $(BENCH_DEB_PKGS)"; (apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    $(BENCH_DEB_PKGS)) >&2 || exit 1; else echo "jobd: make bench" \
	    "compares with task-spooler; install it with: sudo apt-get" \
	    "install -y $(BENCH_DEB_PKGS)" >&2; fi
	python3 bench/bench.py $(BENCH_ARGS) $(B)

# jobd in the foreground on a database in the working tree (./run/);
# in another terminal: export JOBD_DB=$$PWD/run/jobs.db; build/jobctl ...
run: $(B)/jobd $(B)/jobctl
	@mkdir -p -m 700 run
	$(B)/jobd --config etc/jobd.conf --db $(CURDIR)/run/jobs.db

deps-check:
	@echo "Debian build dependencies: $(DEB_PKGS)"

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/jobd \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(COMPLETIONSDIR)
	$(INSTALL) -m 755 $(B)/jobctl $(DESTDIR)$(BINDIR)/jobctl
	$(INSTALL) -m 755 $(B)/jobd $(DESTDIR)$(SBINDIR)/jobd
	$(INSTALL) -m 644 man/jobctl.1 $(DESTDIR)$(MANDIR)/man1/jobctl.1
	$(INSTALL) -m 644 man/jobd.conf.5 $(DESTDIR)$(MANDIR)/man5/jobd.conf.5
	$(INSTALL) -m 644 man/jobd.8 $(DESTDIR)$(MANDIR)/man8/jobd.8
	$(INSTALL) -m 644 etc/jobctl.bash-completion \
	    $(DESTDIR)$(COMPLETIONSDIR)/jobctl
	$(INSTALL) -d $(DESTDIR)$(SYSCONFDIR)/jobd/schedules.d
	$(INSTALL) -m 644 etc/schedules.d/example.conf \
	    $(DESTDIR)$(SYSCONFDIR)/jobd/schedules.d/example.conf.sample
	sed 's|@SBINDIR@|$(SBINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    etc/jobd.service > $(DESTDIR)$(UNITDIR)/jobd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/jobd.service
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/jobd/jobd.conf ]; then \
	    echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/jobd/jobd.conf"; \
	else \
	    echo "$(INSTALL) -m 644 etc/jobd.conf $(DESTDIR)$(SYSCONFDIR)/jobd/jobd.conf"; \
	    $(INSTALL) -m 644 etc/jobd.conf $(DESTDIR)$(SYSCONFDIR)/jobd/jobd.conf; \
	fi

# The sample config is removed only if it is still the one we installed.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/jobctl $(DESTDIR)$(SBINDIR)/jobd \
	    $(DESTDIR)$(MANDIR)/man1/jobctl.1 \
	    $(DESTDIR)$(MANDIR)/man5/jobd.conf.5 \
	    $(DESTDIR)$(MANDIR)/man8/jobd.8 $(DESTDIR)$(UNITDIR)/jobd.service \
	    $(DESTDIR)$(COMPLETIONSDIR)/jobctl \
	    $(DESTDIR)$(SYSCONFDIR)/jobd/schedules.d/example.conf.sample
	@rmdir $(DESTDIR)$(SYSCONFDIR)/jobd/schedules.d 2>/dev/null || true
	@if cmp -s etc/jobd.conf $(DESTDIR)$(SYSCONFDIR)/jobd/jobd.conf; then \
	    echo "rm -f $(DESTDIR)$(SYSCONFDIR)/jobd/jobd.conf"; \
	    rm -f $(DESTDIR)$(SYSCONFDIR)/jobd/jobd.conf; \
	    rmdir $(DESTDIR)$(SYSCONFDIR)/jobd 2>/dev/null || true; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/jobd/jobd.conf ]; then \
	    echo "keeping modified $(DESTDIR)$(SYSCONFDIR)/jobd/jobd.conf"; \
	fi

clean:
	rm -rf build

-include $(shell find $(B) -name '*.d' 2>/dev/null)
