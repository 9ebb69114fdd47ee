# tjit — one plain Makefile (see STYLE.md). `make` builds build/tjit and
# build/libtjit.a; `make check` sets up and runs every test; `make demo`
# sets up, builds and traces the tutorial's example.
CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
          -Wpointer-arith -Wvla -Wformat=2 -Wno-format-nonliteral
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) -iquote lib $(LIB_DIRS:%=-iquote lib/%) $(GRAPHVIZ_CFLAGS)
LDLIBS  = -lcjson -ltcc -ldl -lpthread -lm
LDLIBS += -lxxhash
# the disk cache's MACs (keyed BLAKE2b) and keys
LDLIBS += -lsodium
# The block kernels (lib/backend/kernels.c) are built optimized and vectorized
# whatever CFLAGS say; packagers override KERNEL_CFLAGS (e.g. -O3 -mavx2)
# for a portable build. KERNEL_MATHFLAGS keep them exact (no -ffast-math)
# while letting gcc call libmvec's vector sin, exp ...
KERNEL_CFLAGS ?= -O3 -march=native
KERNEL_MATHFLAGS = -fopenmp-simd -fno-math-errno -fno-trapping-math -ffp-contract=off
LDLIBS  += -lmvec

# The library, one folder per stage (docs/ARCHITECTURE.md): the foundations,
# the front end, the tracer, the IR and its passes, the reference evaluator,
# the C backend and runtime, the caches and explain-recompile, the graph.
# lib/ itself holds only the public header and the API over the stages
# (and lib/libtcc_shared.c, for the shared library alone: below).
LIB_DIRS = base front trace ir eval backend cache graph export
LIB_SRC  = lib/api.c lib/api_listing.c lib/versions.c $(foreach d,$(LIB_DIRS),$(sort $(wildcard lib/$(d)/*.c)))
CMD_SRC  = cmd/tjit.c cmd/common.c cmd/output.c cmd/trace.c cmd/check.c cmd/run.c cmd/help.c cmd/emit_c.c cmd/export.c cmd/options.c cmd/explain.c cmd/cache.c cmd/graph.c cmd/completion.c cmd/color.c cmd/progress.c cmd/multi.c cmd/baseline.c
# tjit graph draws with Graphviz in process (libcgraph builds, libgvc lays
# out and renders).
# Asked of pkg-config once, when a compile or link first needs them, not
# when make reads this file: on a fresh machine neither pkg-config nor
# Graphviz is there until `deps` has run (demo and check run it first, then
# build in a second make).
GRAPHVIZ_CFLAGS = $(eval GRAPHVIZ_CFLAGS := $$(shell pkg-config --cflags libcgraph libgvc))$(GRAPHVIZ_CFLAGS)
GRAPHVIZ_LIBS = $(eval GRAPHVIZ_LIBS := $$(shell pkg-config --libs libcgraph libgvc))$(GRAPHVIZ_LIBS)
LDLIBS  += $(GRAPHVIZ_LIBS)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
# The versions tjit --version shows that no function tells at run time
# (lib/versions.c): libtcc's (Debian's libtcc.a exposes none; its
# package's version) and OpenBLAS's (loaded only when code calls it).
# Asked once, when lib/versions.c is compiled; "" (unknown) without dpkg
# or pkg-config.
BUILD_VERSIONS = $(eval BUILD_VERSIONS := \
  -DTJ_LIBTCC_VERSION='"$$(shell dpkg-query -W -f='$$$${Version}' libtcc-dev 2>/dev/null)"' \
  -DTJ_OPENBLAS_VERSION='"$$(shell pkg-config --modversion openblas 2>/dev/null)"')$(BUILD_VERSIONS)
$(BUILD)/lib/versions.o: ALL_CFLAGS += $(BUILD_VERSIONS)

LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ  = $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/unit/%)

# The version, kept in one place: lib/tjit.h's TJ_VERSION (what
# `tjit --version` and tj_version() say). It names the shared library
# (libtjit.so.MAJOR.MINOR.PATCH, soname libtjit.so.MAJOR) and is tjit.pc's
# Version.
VERSION := $(shell sed -n 's/^.define TJ_VERSION "\([0-9.]*\)"$$/\1/p' lib/tjit.h)
VERSION_MAJOR = $(firstword $(subst ., ,$(VERSION)))
SONAME  = libtjit.so.$(VERSION_MAJOR)
SHARED  = $(BUILD)/libtjit.so.$(VERSION)
# The shell completions (made from the built tjit: below).
COMPLETIONS = $(BUILD)/completions/tjit.bash $(BUILD)/completions/_tjit

all: $(BUILD)/tjit $(BUILD)/libtjit.a $(BUILD)/libtjit.flags \
     $(SHARED) $(BUILD)/$(SONAME) $(BUILD)/libtjit.so $(BUILD)/tjit.pc $(COMPLETIONS)

# `make V=1` shows the commands.
Q = $(if $(V),,@)

# The public archive holds one object: every library object linked together
# (ld -r) with only the tj_* names left global, the rest made local, so that
# a program linking libtjit.a may define its own eval, emit, intern ...
# (tests/cli/97-library.bats). The generated code reaches the runtime and
# the kernels by address (tcc_add_symbol), never by name, so local is
# enough for it. The unit tests, the fuzzing harnesses and the benchmark's
# driver call internal functions: they link libtjit-internal.a, the objects
# as they are.
LD      ?= ld
OBJCOPY ?= objcopy
$(BUILD)/libtjit.a: $(BUILD)/libtjit.o
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/libtjit.o: $(LIB_OBJ)
	@echo "  LD -r   $@"
	$(Q)$(LD) -r -o $@.all $^
	$(Q)$(OBJCOPY) -w --keep-global-symbol='tj_*' $@.all $@
	@rm -f $@.all

# The shared library is linked from the same objects (so they are built
# position-independent; -fno-semantic-interposition lets gcc inline and
# call the library's own functions directly, as in the executable) with
# the static dependency's code (libtcc.a) inside it and the shared ones
# as its DT_NEEDED, so a program needs only -ltjit. lib/libtjit.map
# exports tj_* alone, as the archive does; the kernels and the runtime
# stay local for the reason above.
# libtcc.a is Debian's, position-dependent where it reads libc's stdout,
# stderr and environ: the library links a copy of it with those names
# renamed to variables of lib/libtcc_shared.c (which says why that is
# enough).
SHARED_OBJ = $(LIB_OBJ) $(BUILD)/lib/libtcc_shared.o
$(SHARED_OBJ): ALL_CFLAGS += -fPIC -fno-semantic-interposition

$(SHARED): $(SHARED_OBJ) $(BUILD)/libtcc-shared.a lib/libtjit.map
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) \
	  -Wl,--version-script=lib/libtjit.map -o $@ $(SHARED_OBJ) $(BUILD)/libtcc-shared.a \
	  $(filter-out -ltcc,$(LDLIBS))

# The archive -ltcc finds, asked of the compiler when the link needs it.
$(BUILD)/libtcc-shared.a:
	@mkdir -p $(dir $@)
	$(Q)$(OBJCOPY) --redefine-sym stdout=tjit_libtcc_stdout --redefine-sym stderr=tjit_libtcc_stderr \
	  --redefine-sym environ=tjit_libtcc_environ "$$($(CC) -print-file-name=libtcc.a)" $@

# The soname's link (what the dynamic loader looks for) and the
# development link (what -ltjit finds).
$(BUILD)/$(SONAME): $(SHARED)
	$(Q)ln -sf $(notdir $<) $@
$(BUILD)/libtjit.so: $(BUILD)/$(SONAME)
	$(Q)ln -sf $(notdir $<) $@

$(BUILD)/libtjit-internal.a: $(LIB_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# What a program linking libtjit.a of this build needs (the same compiler
# and flags: an ASan build's library needs -fsanitize=address at the link),
# as shell assignments for tests/cli/97-library.bats; rewritten only when
# they change.
$(BUILD)/libtjit.flags: FORCE
	@mkdir -p $(dir $@)
	@printf "CC='%s'\nCFLAGS='%s'\nLDFLAGS='%s'\nLDLIBS='%s'\n" \
	  '$(CC)' '$(ALL_CFLAGS)' '$(LDFLAGS)' '$(LDLIBS)' >$@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi

FORCE:

# tjit.pc, for `pkg-config --cflags --libs tjit` (the shared library) and
# `pkg-config --static --libs tjit` (libtjit.a and what it needs: the
# libraries above, also as pkg-config modules where they have one). Made
# from tjit.pc.in with this make's PREFIX (DESTDIR is only for install),
# rewritten only when that changes.
PC_REQUIRES_PRIVATE = libcjson libxxhash libsodium libcgraph libgvc
$(BUILD)/tjit.pc: tjit.pc.in FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(PC_LIBDIR)|' \
	  -e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	  -e 's|@REQUIRES_PRIVATE@|$(PC_REQUIRES_PRIVATE)|' \
	  -e 's|@LIBS_PRIVATE@|$(strip $(LDLIBS))|' tjit.pc.in >$@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi

$(BUILD)/tjit: $(CMD_OBJ) $(BUILD)/libtjit.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CMD_OBJ) $(BUILD)/libtjit.a $(LDLIBS)

# The bash and zsh completion scripts, printed by the tjit just built from
# its own option tables (`tjit completion`, cmd/completion.c), so they name
# exactly the options this build has.
$(BUILD)/completions/tjit.bash: $(BUILD)/tjit
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(BUILD)/tjit completion bash >$@.new && mv -f $@.new $@
$(BUILD)/completions/_tjit: $(BUILD)/tjit
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(BUILD)/tjit completion zsh >$@.new && mv -f $@.new $@

# Every disk cache entry's name holds a digest of the library's sources
# (lib/cache/diskcache_entry.c): a tjit built from other sources, whose
# traces or C may differ, never loads an entry this one wrote (TJ_VERSION
# stays the same between releases).
# The build keeps the list it hashed (source_digest.sums: each file's
# sha256 and path; the digest is that list's), so a test can check the
# digest compiled in against the sources as built, not as they are now.
LIB_TEXT = $(sort $(LIB_SRC) $(wildcard lib/*.h lib/*/*.h lib/*/*.def))
$(BUILD)/source_digest.h: $(LIB_TEXT) Makefile
	@mkdir -p $(dir $@)
	$(Q)sha256sum $(LIB_TEXT) >$(BUILD)/source_digest.sums.new
	$(Q)printf '#define TJ_SOURCE_DIGEST "%s"\n' "$$(sha256sum <$(BUILD)/source_digest.sums.new | cut -c1-32)" >$@.new
	@mv $(BUILD)/source_digest.sums.new $(BUILD)/source_digest.sums && mv $@.new $@
$(BUILD)/lib/cache/diskcache_entry.o: $(BUILD)/source_digest.h
$(BUILD)/lib/cache/diskcache_entry.o: ALL_CFLAGS += -iquote $(BUILD)

$(BUILD)/%.o: %.c lib/*.h lib/*/*.h lib/*/*.def cmd/*.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/lib/backend/kernels.o: lib/backend/kernels.c lib/*/*.def lib/*.h lib/*/*.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(KERNEL_CFLAGS) $(KERNEL_MATHFLAGS) -c -o $@ $<

# pad's and reduce_window's runtime (lib/backend/window_rt.c), the
# cumulative reductions' (cum_rt.c), the scatters' (scatter_rt.c) and the
# f16/bf16 block conversions (half_rt.c), the PRNG's (random_rt.c) and the
# reductions over a block of axes (reduce_rt.c): the same flags
$(BUILD)/lib/backend/window_rt.o $(BUILD)/lib/backend/cum_rt.o $(BUILD)/lib/backend/scatter_rt.o \
  $(BUILD)/lib/backend/half_rt.o $(BUILD)/lib/backend/random_rt.o $(BUILD)/lib/backend/reduce_rt.o: \
  $(BUILD)/lib/backend/%.o: lib/backend/%.c lib/*/*.def lib/*.h lib/*/*.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(KERNEL_CFLAGS) $(KERNEL_MATHFLAGS) -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c tests/unit/harness.h $(BUILD)/libtjit-internal.a
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -iquote tests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libtjit-internal.a $(LDLIBS)

unit: $(UNIT_BIN)

deps:
	@scripts/install-deps.sh

# What the README's first command (scripts/setup.sh demo) runs. The build
# is a second make, so that it starts once deps has finished, even with -j.
demo: deps
	@$(MAKE) --no-print-directory all
	@echo '$$ tjit trace examples/relu_scale.json'
	@$(BUILD)/tjit trace examples/relu_scale.json
	@echo '$$ tjit trace examples/conditional_double_static.json   # x is still traced'
	@$(BUILD)/tjit trace examples/conditional_double_static.json || true
	@echo '$$ tjit trace examples/conditional_double_both_static.json'
	@$(BUILD)/tjit trace examples/conditional_double_both_static.json
	@echo '$$ tjit trace --autograph examples/conditional_double_static.json'
	@$(BUILD)/tjit trace --autograph examples/conditional_double_static.json
	@echo '$$ tjit run --autograph examples/conditional_double_recompile.json   # compiled by libtcc'
	@$(BUILD)/tjit run --autograph examples/conditional_double_recompile.json

check: deps
	@$(MAKE) --no-print-directory all unit
	@BUILD=$(BUILD) tests/run

# The suite again, built with AddressSanitizer and UBSan (CI runs both).
check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" all unit
	@BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run

# Allocation-failure injection (tests/oom/run): a build whose k-th large
# allocation fails, with ASan and UBSan, run for every k over the examples.
OOM_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -DTJ_ALLOC_FAULTS
check-oom: deps
	@$(MAKE) --no-print-directory BUILD=build-oom CFLAGS="$(OOM_CFLAGS)" \
	  LDFLAGS="-fsanitize=address,undefined" build-oom/tjit
	@BUILD=build-oom tests/oom/run

# Rewrites the golden files from the current build; review the diff.
update-golden: all
	@BUILD=$(BUILD) tests/update-golden

# The README's drawings (docs/layer_norm.svg, docs/grad_sin_cos.svg); a test
# checks they are current.
docs: all
	@scripts/docs-graph.sh $(BUILD)/tjit . docs/layer_norm.svg
	@scripts/docs-graph.sh $(BUILD)/tjit . docs/grad_sin_cos.svg

bench: all $(BUILD)/libtjit-internal.a
	-@scripts/bench-trace.sh $(BUILD)/tjit
	-@scripts/bench-graph.sh $(BUILD)/tjit
	-@scripts/bench-explain.sh $(BUILD)/tjit
	-@CC="$(CC)" scripts/bench-run.sh $(BUILD)

# tjit against numpy and plain C (gcc -O2, OpenBLAS for the matmuls) on the
# workloads of scripts/bench/peers/, one table (scripts/bench-peers.sh).
# A report, never a gate; the peers are needed by no build or test.
bench-peers: all
	-@CC="$(CC)" scripts/bench-peers.sh $(BUILD)

# ---- fuzzing (tests/fuzz, README "Fuzzing") ----
# The library again, built by clang with the sanitizers and libFuzzer's
# coverage (fuzzer-no-link) into build-fuzz/; each harness links it with
# -fsanitize=fuzzer. `make fuzz-smoke` replays tests/fuzz/regress, then
# runs each harness FUZZ_SMOKE_SECONDS; `make fuzz FUZZ_SECONDS=N` is a
# longer campaign. Not part of `make check` (CI runs fuzz-smoke itself).
FUZZ_BUILD   ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all
# Lower budgets of work (lib/base/limits.h), so that an input that reaches one
# ends well within the 10 s timeout under the sanitizers.
FUZZ_LIMITS   = -DTJ_MAX_EQNS=50000 -DTJ_MAX_STEPS=200000 -DTJ_MAX_WORK=50000000LL
FUZZ_CFLAGS   = -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -Wno-pass-failed $(FUZZ_LIMITS)
FUZZ_HARNESSES = fuzz_spec fuzz_run fuzz_npy fuzz_cache_entry fuzz_explain fuzz_gen fuzz_jaxpr
FUZZ_BINS     = $(FUZZ_HARNESSES:%=$(FUZZ_BUILD)/fuzz/%)
FUZZ_SECONDS ?= 1800
FUZZ_SMOKE_SECONDS ?= 60

fuzz-deps:
	@scripts/install-deps.sh fuzz

# A second make for the library, so that deps are there before it reads
# pkg-config (as check does).
fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
	  CFLAGS="$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link" KERNEL_CFLAGS=-O2 $(FUZZ_BUILD)/libtjit-internal.a
	@$(MAKE) --no-print-directory fuzz-harnesses

fuzz-harnesses: $(FUZZ_BINS)

$(FUZZ_BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/*.h $(FUZZ_BUILD)/libtjit-internal.a
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZ_CC) $(ALL_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -iquote tests/fuzz -o $@ \
	  $< $(if $(filter fuzz_gen,$*),tests/fuzz/gen.c) $(FUZZ_BUILD)/libtjit-internal.a $(LDLIBS)

$(FUZZ_BUILD)/fuzz/fuzz_gen: tests/fuzz/gen.c

fuzz-smoke: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run smoke $(FUZZ_SMOKE_SECONDS) $(FUZZ_HARNESSES)

fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run campaign $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

# Where `make install` puts things (GNU conventions: PREFIX is what the
# installed files say, tjit.pc's prefix; DESTDIR, for staging a package,
# is prepended at install time only).
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
MANDIR       ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# Where bash-completion and zsh look for a command's completion.
BASHCOMPDIR  ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR   ?= $(PREFIX)/share/zsh/site-functions
# tjit.pc names the directories under its prefix by ${prefix}, so that
# pkg-config --define-prefix can move it.
PC_LIBDIR     = $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR = $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))
MAN1 = $(notdir $(wildcard man/*.1))
MAN5 = $(notdir $(wildcard man/*.5))

# Depends on the files it installs, not on `all`: an install after a
# build relinks nothing (tests/cli/97-embed.bats installs the tree it
# tests).
install: $(BUILD)/tjit $(BUILD)/libtjit.a $(SHARED) $(BUILD)/tjit.pc $(COMPLETIONS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR) \
	  $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 $(BUILD)/tjit $(DESTDIR)$(BINDIR)/tjit
	install -m 644 $(BUILD)/libtjit.a $(DESTDIR)$(LIBDIR)/libtjit.a
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/libtjit.so.$(VERSION)
	ln -sf libtjit.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libtjit.so
	install -m 644 $(BUILD)/tjit.pc $(DESTDIR)$(PKGCONFIGDIR)/tjit.pc
	install -m 644 lib/tjit.h $(DESTDIR)$(INCLUDEDIR)/tjit.h
	install -m 644 $(MAN1:%=man/%) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN5:%=man/%) $(DESTDIR)$(MANDIR)/man5/
	install -m 644 $(BUILD)/completions/tjit.bash $(DESTDIR)$(BASHCOMPDIR)/tjit
	install -m 644 $(BUILD)/completions/_tjit $(DESTDIR)$(ZSHCOMPDIR)/_tjit

# Removes the files install wrote (not the directories: others' files may
# share them).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tjit $(DESTDIR)$(LIBDIR)/libtjit.a \
	  $(DESTDIR)$(LIBDIR)/libtjit.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libtjit.so $(DESTDIR)$(PKGCONFIGDIR)/tjit.pc \
	  $(DESTDIR)$(INCLUDEDIR)/tjit.h \
	  $(MAN1:%=$(DESTDIR)$(MANDIR)/man1/%) $(MAN5:%=$(DESTDIR)$(MANDIR)/man5/%) \
	  $(DESTDIR)$(BASHCOMPDIR)/tjit $(DESTDIR)$(ZSHCOMPDIR)/_tjit

clean:
	rm -rf build build-asan build-oom build-fuzz

.PHONY: FORCE all unit deps demo check check-asan check-oom update-golden docs bench bench-peers install uninstall clean \
        fuzz-deps fuzz-build fuzz-harnesses fuzz-smoke fuzz
