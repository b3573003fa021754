#!/bin/sh
# Usage: skeleton.sh SOURCE_DIR OUTPUT_DIR
#
# Copies the workspace's Cargo.lock and every Cargo.toml from SOURCE_DIR into OUTPUT_DIR
# and puts a stub in place of every target root (src/lib.rs, src/main.rs, build.rs and any
# `path = "....rs"` a manifest names). The result is a workspace that resolves exactly as
# the real one does (same manifests, same lockfile) but has no source code, so the
# Dockerfile can compile every dependency in a layer that changes only when a manifest or
# the lockfile changes. Nothing here knows the crate list: new crates need no edit.
#
# deploy/validate.sh runs this script and checks the result with `cargo metadata --locked`.
set -eu

src=${1:?usage: skeleton.sh SOURCE_DIR OUTPUT_DIR}
out=${2:?usage: skeleton.sh SOURCE_DIR OUTPUT_DIR}
mkdir -p "$out"
cp "$src/Cargo.lock" "$out/Cargo.lock"

stub() { # stub FILE: a file that compiles as a library, a binary, a test or a build script
    mkdir -p "$(dirname "$1")"
    printf '#![allow(dead_code)]\nfn main() {}\n' >"$1"
}

(cd "$src" && find . -name Cargo.toml -not -path './target/*' -not -path '*/.git/*') |
while IFS= read -r manifest; do
    dir=$(dirname "$manifest")
    mkdir -p "$out/$dir"
    cp "$src/$manifest" "$out/$manifest"
    for root in src/lib.rs src/main.rs build.rs; do
        if [ -f "$src/$dir/$root" ]; then stub "$out/$dir/$root"; fi
    done
    # Targets with explicit paths ([lib], [[bin]], [[test]], ... path = "x.rs").
    sed -n 's/^[[:space:]]*path[[:space:]]*=[[:space:]]*"\([^"]*\.rs\)".*/\1/p' "$src/$manifest" |
    while IFS= read -r path; do
        stub "$out/$dir/$path"
    done
done
