#!/usr/bin/env bash
# Builds the libFuzzer target: the pure modules' sources compiled as one module (imports of the
# project's own modules removed) with the fuzz entry point. SwiftPM cannot link -sanitize=fuzzer
# executables, swiftc can (see issue 8).
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build/fuzz
rm -rf "$out/src" && mkdir -p "$out/src"
for m in SafeText AnonVMASim SceneScript ScenePlayer Conformance TermRender AppCore; do
  # Recursive: a module's sources may live in subfolders (Kernel/, Views/, ...).
  find "Sources/$m" -name '*.swift' | sort | while read -r f; do
    # In one module the re-export of SafeText's escaper would name itself: dropped too.
    sed -E -e '/^import (SafeText|AnonVMASim|SceneScript|ScenePlayer|Conformance|TermRender|AppCore)$/d' \
      -e '/^public typealias TextSafety = SafeText\.TextSafety$/d' "$f" > "$out/src/${m}_$(echo "${f#Sources/$m/}" | tr '/' '_')"
  done
done
cp Fuzz/FuzzEntry.swift "$out/src/"
# -wmo: one frontend job for the whole module. Without it swiftc ran one job per file (150), each
# parsing and type-checking every file again, and optimized each file alone (no inlining across
# files, a slower fuzzer). -num-threads 2: the whole module's LLVM work on two threads.
swiftc -O -wmo -num-threads 2 -sanitize=fuzzer,address -parse-as-library -module-name FuzzCore -swift-version 6 \
  "$out"/src/*.swift -o "$out/fuzz-scenes"
echo "$out/fuzz-scenes"
