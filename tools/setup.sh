#!/usr/bin/env bash
# setup.sh: the README's two commands. Installs whatever Debian packages are missing (as root; otherwise prints the
# apt-get line and stops), builds, then either runs the default simulation or the whole test suite.
#
#   tools/setup.sh run [robotaxi-sim options]   build and play the default Wuhan day (with its no-robotaxi baseline)
#   tools/setup.sh test                         build twice (plain and ASan+UBSan) and run every test in both, then
#                                               run each fuzz driver (clang, libFuzzer) over its seeds for a while
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

# Debian 12 packages the build and the tests need, and what each is for.
packages=(
  build-essential cmake pkg-config   # compiler, CMake >= 3.25, pkg-config
  libzmq3-dev                        # ZeroMQ: dispatcher service and metrics stream
  libczmq-dev                        # CZMQ: CURVE key files and the ZAP authenticator (robotaxi-dispatcher --curve-*)
  libprotobuf-c-dev protobuf-c-compiler   # wire schema, protoc-c at build time
  libproj-dev proj-data              # PROJ: WGS84 -> metric CRS
  libinih-dev                        # scenario files
  libjansson-dev                     # summary.json and JSON lines
  libreadosm-dev zlib1g-dev          # OpenStreetMap .osm/.pbf import; checksums in map files
  libexpat1-dev                      # readosm's XML parser, which the importer runs first to check a .osm file
  python-osmnx-doc bzip2             # test data: real OSM extracts shipped by Debian (one is .osm.bz2)
  check libsubunit-dev               # the test framework
  gnuplot-nox                        # the SVG plots of every run and sweep (report.html)
  protobuf-compiler                  # protoc: robotaxi_pb2.py for Python metrics subscribers, at build time
  help2man                           # a man page per tool from its --help, at build time (cmake --install)
  python3 python3-zmq python3-protobuf   # tools/subscribe.py and its test (Debian's /usr/bin/python3)
  librsvg2-bin python3-pil chromium fonts-dejavu-core   # the picture test: SVGs rendered by rsvg-convert and read
                                     # with Pillow, each report.html in headless Chromium; a font for their text
  clang libclang-rt-14-dev           # the fuzz drivers (tests/fuzz): clang 14 and its libFuzzer and sanitizer
                                     # runtimes, which clang only recommends
  openmpi-bin libopenmpi-dev         # Open MPI: sweeps and regression suites spread over ranks (mpirun), and the
                                     # test that compares them with a one-machine sweep byte for byte
  slurm-wlm                          # Slurm: the README's sbatch scripts (tools/slurm/) run through a one-node
                                     # Slurm that the test starts on localhost (auth/none: no munge daemon)
)

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
}

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages. Install them as root, then run this again:" >&2
    echo "  apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

build() {  # build DIR [cmake options...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  run)
    install_missing
    build build
    exec build/tools/robotaxi-sim --baseline --out out "$@"
    ;;
  test)
    install_missing
    jobs=$(nproc)
    build build
    (cd build && ctest --output-on-failure -j"$jobs")
    echo "setup: the same suite under AddressSanitizer and UndefinedBehaviorSanitizer" >&2
    build build-sanitize -DENABLE_SANITIZERS=ON -DCMAKE_BUILD_TYPE=Debug
    (cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs")
    echo "setup: every decoder of outside input under libFuzzer, ASan and UBSan (tests/fuzz)" >&2
    build build-fuzz -DCMAKE_C_COMPILER=clang -DENABLE_FUZZING=ON
    (cd build-fuzz && ctest --output-on-failure -j"$jobs")
    ;;
  -h|--help)
    usage
    ;;
  *)
    usage >&2
    exit 2
    ;;
esac
