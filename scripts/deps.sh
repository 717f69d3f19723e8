# Installs what ldnsim needs and is missing: Debian 12 packages (apt-get, as root or with
# sudo) and the report's JavaScript libraries (npm ci). Sourced by scripts/bootstrap and
# scripts/check; safe to run again (does nothing when everything is there).

LDNSIM_APT_PACKAGES=(
  g++ cmake make pkg-config                     # toolchain
  libboost-dev                                  # Boost.Odeint, Boost.Math (header-only)
  libsundials-dev                               # CVODES: BDF/Adams integrators
  libeigen3-dev                                 # linear algebra (steady state, statistics)
  libnlopt-cxx-dev libnlopt-dev                 # optimisation (calibration)
  libcli11-dev                                  # command line
  libtomlplusplus-dev                           # population and trial specs (TOML)
  nlohmann-json3-dev                            # JSON output and report data
  libfmt-dev                                    # formatting
  librandom123-dev                              # counter-based random streams
  libcpp-httplib-dev                            # local explorer server
  libssl-dev                                    # SHA-256/HMAC: the native-code cache's keys and checks
  libopenmpi-dev openmpi-bin                    # MPI: mpirun -np K ldnsim ... (docs/scale.md)
  libgtest-dev libgmock-dev libbenchmark-dev    # tests and micro-benchmarks
  chromium chromium-driver                      # headless-browser report tests
  r-base-core r-base-dev r-cran-rcpp            # the R package (r/)
  r-cran-testthat r-cran-jsonlite               # its tests (testthat; the CLI's --json read back)
  r-cran-ggplot2                                # its vignette's plots (the Rmarkdown source is not rendered)
  python3-dev python3-pybind11 python3-numpy    # the Python module (python/)
  python3-pandas python3-pytest                 # DataFrames, and its tests
)

ldnsim_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ldnsim_install_deps() {
  local missing=()
  for p in "${LDNSIM_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "ldnsim: installing ${missing[*]}"
    ldnsim_as_root apt-get update -q
    ldnsim_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  # The report libraries, pinned by report/package-lock.json.
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  if [ ! -f "$root/report/node_modules/.package-lock.json" ] ||
     ! cmp -s "$root/report/package-lock.json" "$root/report/node_modules/.ldnsim-lock"; then
    echo "ldnsim: installing report libraries (npm ci --prefix report)"
    (cd "$root" && npm ci --prefix report --no-audit --no-fund --loglevel=error)
    cp "$root/report/package-lock.json" "$root/report/node_modules/.ldnsim-lock"
  fi
}

# For scripts/fuzz only (not needed to build or test): clang with libFuzzer.
LDNSIM_FUZZ_PACKAGES=(clang libfuzzer-14-dev)

ldnsim_install_fuzz_deps() {
  local missing=()
  for p in "${LDNSIM_FUZZ_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "ldnsim: installing ${missing[*]}"
    ldnsim_as_root apt-get update -q
    ldnsim_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}
