#!/usr/bin/env bash
# npm run test:all: what the tests need, then every test. The one command to run on a fresh clone,
# and the one .ci/run runs. Arguments go to vitest (`npm run test:all -- test/unit`).
#   1. Debian packages for the real runtimes the tests drive: R (testthat, vcr 1), Python (pytest,
#      vcrpy), Ruby (RSpec, VCR, webmock), and what building the vcr 2 stack needs. Installed when
#      missing if run as root; otherwise the exact apt-get line is printed and nothing else runs.
#   2. The vcr 2 + httr2 stack from test/vendor/r-stack, built once into a cache folder (about 60 s
#      the first time; test/support/vendor.ts finds the same folder).
#   3. npm packages (npm ci) when node_modules is missing, then `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_packages=(r-base-core r-cran-testthat r-cran-vcr r-cran-webmockr r-cran-httr r-cran-crul
  r-base-dev libcurl4-openssl-dev
  python3-vcr python3-pytest python3-yaml ruby-vcr ruby-webmock ruby-rspec ruby-multi-json git)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test:all: the tests drive real R, Python and Ruby; these Debian packages are missing: ${missing[*]}" >&2
    echo "install them, then run npm run test:all again:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 2
  fi
  echo "test:all: installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stack=test/vendor/r-stack
stack_id=$( (cat "$stack/install.sh"; cd "$stack" && ls -- *.tar.gz) | sha256sum | cut -c1-16)
export RERECORD_TEST_R_LIBS_VCR2=${RERECORD_TEST_R_LIBS_VCR2:-${XDG_CACHE_HOME:-$HOME/.cache}/rerecord/r-stack-$stack_id}
started=$SECONDS
bash "$stack/install.sh" "$RERECORD_TEST_R_LIBS_VCR2"
echo "test:all: vcr 2 stack ready in $RERECORD_TEST_R_LIBS_VCR2 ($((SECONDS - started)) s)"

[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
exec npm test -- "$@"
