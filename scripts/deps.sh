#!/bin/bash
# Installs the Debian packages ifgan needs, only those missing, and makes sure
# the system BLAS is OpenBLAS built with OpenMP (LibTorch's thread pool);
# Debian's reference BLAS makes the fully connected layers about 5x slower.
set -euo pipefail
PKGS=(g++ make libtorch-dev libpng-dev libturbojpeg0-dev libcxxopts-dev nlohmann-json3-dev catch2
      libopenblas0-openmp jq groff-base time bc file gnuplot-nox libdlib-dev libdlib-data libgloo-dev "$@")  # "$@": what a target adds (make fuzz: clang)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "deps: missing packages: ${missing[*]}" >&2
        echo "deps: run as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    echo "deps: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${missing[@]}" ||
        { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
fi
BLAS=/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
if [[ -e $BLAS ]] && [[ $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3) != "$(readlink -f $BLAS)" ]]; then
    if [[ $(id -u) -eq 0 ]]; then
        update-alternatives --set libblas.so.3-x86_64-linux-gnu "$BLAS" >&2
    else
        echo "deps: warning: libblas.so.3 is not OpenBLAS (OpenMP); training will be slow" >&2
    fi
fi
