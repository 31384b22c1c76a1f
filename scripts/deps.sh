#!/bin/bash
# Installs the Debian packages ifgan needs, only those missing, among them
# OpenBLAS built with OpenMP (LibTorch's thread pool), which the tools load
# whatever the system's libblas.so.3 points to.
set -euo pipefail
PKGS=(g++ make curl libtorch-dev libpng-dev libturbojpeg0-dev libcxxopts-dev nlohmann-json3-dev catch2
      libopenblas0-openmp jq python3 groff-base time bc file gnuplot-nox libdlib-dev libdlib-data libgloo-dev libcpp-httplib-dev "$@")  # "$@": what a target adds (make fuzz: clang)
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
# The tools reach OpenBLAS (OpenMP) through their own search path (the
# Makefile's BLAS_RPATH): the system's libblas.so.3 alternative is left as it is.
