#!/usr/bin/env bash
# Test venv with the imaging reference implementations (pyradiomics 3.0.1 + SimpleITK 2.5.7 + numpy),
# used by tests/imaging-reference.test.ts and `npm run bench -- imaging`. Prints the venv's python on
# stdout (export it as YZ_IMAGING_REF_PYTHON); logs go to stderr. Idempotent: a marker holding the hash
# of the pins skips the install when nothing changed (~30 s the first time, then instant).
#
# Why two steps: pyradiomics publishes no wheels (3.1.0's sdist is broken: its version metadata does not
# match and a C header is missing), so 3.0.1 is built from its sdist (hash-pinned) against the pinned
# numpy with --no-build-isolation. That needs a C compiler and the Python headers (Debian: gcc python3-dev).
set -euo pipefail
cd "$(dirname "$0")"
log() { echo "imaging-reference: $*" >&2; }

PY=${YZ_PYTHON:-python3}
if [[ $EUID -eq 0 ]]; then CACHE=${YZ_CACHE_DIR:-/var/cache/yingzhi}; else CACHE=${YZ_CACHE_DIR:-$HOME/.cache/yingzhi}; fi
VENV=$CACHE/imaging-reference-venv
PYRADIOMICS_SDIST_SHA256=47c57f441d6cb7973fa3b2ea48d3948df78e3348e1c69e1e2ff19001601fc2f5
STAMP=$(cat reference-requirements.txt <(echo "pyradiomics==3.0.1 $PYRADIOMICS_SDIST_SHA256") | sha256sum | cut -c1-16)

if [[ -f $VENV/.ok && $(cat "$VENV/.ok") == "$STAMP" ]]; then echo "$VENV/bin/python"; exit 0; fi
log "building $VENV (pyradiomics 3.0.1, SimpleITK 2.5.7, numpy 1.26.4, pydicom 3.0.2)"
mkdir -p "$CACHE"
rm -rf "$VENV"
"$PY" -m venv "$VENV"
PIP=("$VENV/bin/pip" install -q --disable-pip-version-check --no-input)
"${PIP[@]}" --only-binary=numpy,SimpleITK,PyWavelets --require-hashes -r reference-requirements.txt >&2
"${PIP[@]}" --no-build-isolation --no-deps --require-hashes -r <(echo "pyradiomics==3.0.1 --hash=sha256:$PYRADIOMICS_SDIST_SHA256") >&2
"$VENV/bin/python" -c 'import radiomics, SimpleITK, numpy, pydicom; print(radiomics.__version__, SimpleITK.Version_VersionString(), numpy.__version__, pydicom.__version__)' >&2
echo "$STAMP" > "$VENV/.ok"
echo "$VENV/bin/python"
