# Builds the R package and the Python module and installs them for every user: the R
# package with R CMD INSTALL into R's site library (/usr/local/lib/R/site-library), the
# Python package into Debian's python3 site folder (/usr/local/lib/python3.X/dist-packages),
# so that `library(ldnsim)` and `import ldnsim` work from any folder. Sourced by
# scripts/bootstrap.
ldnsim_install_frontends() {
  local build="$1"
  local targets=()
  grep -q '^ldnsim_r_package' <(cmake --build "$build" --target help 2>/dev/null | sed 's/^\.\.\. //') && targets+=(ldnsim_r_package)
  grep -q '^ldnsim_python' <(cmake --build "$build" --target help 2>/dev/null | sed 's/^\.\.\. //') && targets+=(ldnsim_python)
  [ ${#targets[@]} -gt 0 ] || { echo "ldnsim: no R package or Python module to build" >&2; return 0; }
  cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
  if [ -d "$build/r/pkg/ldnsim" ]; then
    local rlib
    rlib="$(Rscript -e 'cat(.libPaths()[1])')"
    ldnsim_as_root R CMD INSTALL --no-multiarch --library="$rlib" "$build/r/pkg/ldnsim"
  fi
  if [ -d "$build/python/ldnsim" ]; then
    local site
    site="$(/usr/bin/python3 -c 'import site; print(site.getsitepackages()[0])')"
    ldnsim_as_root mkdir -p "$site"
    ldnsim_as_root rm -rf "$site/ldnsim"
    ldnsim_as_root cp -r "$build/python/ldnsim" "$site/ldnsim"
  fi
}
