# mk/docs.mk - the documentation: doc/*.md, and the man pages and shell
# completions, printed by the just-built program (`machinectl __generate
# WHAT`, src/cmd/gen.c): the templates in doc/gen rendered against a model of
# the same tables as --help, into $(builddir)/gen/, with the installed program
# name (--program-transform-name) and the drivers of this build (the plugins
# in drivers/*/.libs).  `make install` puts them in the standard places:
#
#   $(mandir)/man1/PROG.1  man5/PROG-config.5  man7/PROG-drivers.7
#   $(datadir)/bash-completion/completions/PROG
#   $(datadir)/zsh/vendor-completions/_PROG
#   $(datadir)/fish/vendor_completions.d/PROG.fish
#   $(pkgdatadir)/PROG.ps1                    (PowerShell: dot-source it)
#
# where PROG is `echo machinectl | sed '$(transform)'`.  A `make install`
# with another transform than the build's regenerates them for that name.

EXTRA_DIST += $(patsubst $(srcdir)/%,%,$(wildcard $(srcdir)/doc/*.md))

# Where __generate finds the templates when neither --templates nor
# MACHINECTL_GENERATE_TEMPLATES says (the build passes --templates itself).
AM_CPPFLAGS += -DMC_GENDIR='"$(abs_top_srcdir)/doc/gen"'

# One template per output, and the partials they include (_NAME.tmpl).
ECO_TEMPLATES = $(sort $(patsubst $(srcdir)/%,%,$(wildcard $(srcdir)/doc/gen/*.tmpl)))
EXTRA_DIST += $(ECO_TEMPLATES)

ECO_GEN = \
	gen/machinectl.1 \
	gen/machinectl-drivers.7 \
	gen/machinectl-config.5 \
	gen/machinectl.bash \
	gen/machinectl.zsh \
	gen/machinectl.fish \
	gen/machinectl.ps1

# The generator sees the plugins of this build only, and an empty store.
ECO_RUN = MACHINECTL_DRIVER_PATH='$(abs_top_builddir)/drivers/libvirt/.libs' \
	MACHINECTL_STORAGE_PATH='$(abs_top_builddir)/gen/no-store' \
	$(abs_top_builddir)/machinectl$(EXEEXT) __generate --templates '$(abs_top_srcdir)/doc/gen'
ECO_PROG = echo machinectl | sed '$(transform)'
# The build's name (configure's); `make install transform=...` changes only
# what is installed, never the files in gen/.
ECO_BUILD_PROG = echo machinectl | sed '$(program_transform_name)'
ECO_DEPS = machinectl$(EXEEXT) $(pkgdriver_LTLIBRARIES) $(ECO_TEMPLATES)

# gen/prog holds the program name the files were made for; it changes only
# when the name does, so the files are remade only then.
gen/prog: FORCE
	@$(MKDIR_P) gen; prog=`$(ECO_BUILD_PROG)`; \
	test "`cat $@ 2>/dev/null`" = "$$prog" || echo "$$prog" >$@
FORCE:
.PHONY: FORCE

gen/machinectl.1: $(ECO_DEPS) gen/prog
	$(AM_V_GEN)$(ECO_RUN) --prog "`cat gen/prog`" man >$@.tmp && mv $@.tmp $@
gen/machinectl-drivers.7: $(ECO_DEPS) gen/prog
	$(AM_V_GEN)$(ECO_RUN) --prog "`cat gen/prog`" man-drivers >$@.tmp && mv $@.tmp $@
gen/machinectl-config.5: $(ECO_DEPS) gen/prog
	$(AM_V_GEN)$(ECO_RUN) --prog "`cat gen/prog`" man-config >$@.tmp && mv $@.tmp $@
gen/machinectl.bash: $(ECO_DEPS) gen/prog
	$(AM_V_GEN)$(ECO_RUN) --prog "`cat gen/prog`" bash >$@.tmp && mv $@.tmp $@
gen/machinectl.zsh: $(ECO_DEPS) gen/prog
	$(AM_V_GEN)$(ECO_RUN) --prog "`cat gen/prog`" zsh >$@.tmp && mv $@.tmp $@
gen/machinectl.fish: $(ECO_DEPS) gen/prog
	$(AM_V_GEN)$(ECO_RUN) --prog "`cat gen/prog`" fish >$@.tmp && mv $@.tmp $@
gen/machinectl.ps1: $(ECO_DEPS) gen/prog
	$(AM_V_GEN)$(ECO_RUN) --prog "`cat gen/prog`" powershell >$@.tmp && mv $@.tmp $@

.PHONY: eco-gen
eco-gen: $(ECO_GEN)
all-local: eco-gen

CLEANFILES += $(ECO_GEN) gen/prog gen/*.tmp

ecoman1dir = $(mandir)/man1
ecoman5dir = $(mandir)/man5
ecoman7dir = $(mandir)/man7
bashcompdir = $(datadir)/bash-completion/completions
zshcompdir = $(datadir)/zsh/vendor-completions
fishcompdir = $(datadir)/fish/vendor_completions.d

# eco_put WHAT SRC DEST: install SRC, or, when the installed name is not the
# one SRC was made for, what the generator prints for that name.
install-data-local: $(ECO_GEN)
	@prog=`$(ECO_PROG)`; baked=`cat gen/prog`; \
	$(MKDIR_P) '$(DESTDIR)$(ecoman1dir)' '$(DESTDIR)$(ecoman5dir)' '$(DESTDIR)$(ecoman7dir)' \
		'$(DESTDIR)$(bashcompdir)' '$(DESTDIR)$(zshcompdir)' '$(DESTDIR)$(fishcompdir)' \
		'$(DESTDIR)$(pkgdatadir)' || exit 1; \
	set -- \
		man gen/machinectl.1 '$(DESTDIR)$(ecoman1dir)'/$$prog.1 \
		man-config gen/machinectl-config.5 '$(DESTDIR)$(ecoman5dir)'/$$prog-config.5 \
		man-drivers gen/machinectl-drivers.7 '$(DESTDIR)$(ecoman7dir)'/$$prog-drivers.7 \
		bash gen/machinectl.bash '$(DESTDIR)$(bashcompdir)'/$$prog \
		zsh gen/machinectl.zsh '$(DESTDIR)$(zshcompdir)'/_$$prog \
		fish gen/machinectl.fish '$(DESTDIR)$(fishcompdir)'/$$prog.fish \
		powershell gen/machinectl.ps1 '$(DESTDIR)$(pkgdatadir)'/$$prog.ps1; \
	while [ $$# -ge 3 ]; do \
		src=$$2; \
		if [ "$$prog" != "$$baked" ]; then \
			src=gen/$$prog.$$1.install.tmp; \
			$(ECO_RUN) --prog "$$prog" $$1 >$$src || exit 1; \
		fi; \
		echo " $(INSTALL_DATA) $$src '$$3'"; \
		$(INSTALL_DATA) $$src "$$3" || exit 1; \
		shift 3; \
	done; \
	rm -f gen/$$prog.*.install.tmp

uninstall-local:
	@prog=`$(ECO_PROG)`; \
	for f in '$(DESTDIR)$(ecoman1dir)'/$$prog.1 '$(DESTDIR)$(ecoman5dir)'/$$prog-config.5 \
		'$(DESTDIR)$(ecoman7dir)'/$$prog-drivers.7 '$(DESTDIR)$(bashcompdir)'/$$prog \
		'$(DESTDIR)$(zshcompdir)'/_$$prog '$(DESTDIR)$(fishcompdir)'/$$prog.fish \
		'$(DESTDIR)$(pkgdatadir)'/$$prog.ps1; do \
		echo " rm -f '$$f'"; rm -f "$$f"; \
	done

