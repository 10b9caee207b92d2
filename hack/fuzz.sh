#!/usr/bin/env bash
# Coverage-guided fuzzing of TokenGate's parsers with libFuzzer (issue 12).
#
#   hack/fuzz.sh [TARGET] [SECONDS]     build once, then run TARGET (default: all) for SECONDS (default 60) each
#   hack/fuzz.sh --ci                   every target for FUZZ_CI_SECONDS (default 8) each, as hack/test.sh runs it
#   hack/fuzz.sh --list                 the target names
#
# Targets: one per directory Tests/Fuzz/Sources/fuzz-<target> (an LLVMFuzzerTestOneInput), its invariants
# in Sources/TokenGateFuzzChecks: json admission workflow jws exchange-form kube-answers config pem.
#
# The fuzz package is built with the fuzzer and address sanitizers into .build-fuzz (gitignored).
# Each target reads its committed seeds from Tests/Fuzz/Corpus/<target> and grows a working corpus
# in .build-fuzz/corpus/<target>, kept between runs but never committed (a few dozen seeds are).
# A crash (a trap, an ASan report or a broken invariant), a timeout or an out-of-memory is saved
# under Tests/Fuzz/Crashes/<target>/; the TokenGateFuzzChecksTests suite replays every file there,
# so commit the file together with its fix. Targets run one after another under `nice`.
#
# Per target this prints executions, coverage (cov: edges, ft: features), crashes and run time,
# and the script exits non-zero when any target crashed.
#
# Environment: FUZZ_CI_SECONDS (8; --ci then takes about 4 minutes with a cold build of the fuzz package,
# about 1.5 with a warm one), FUZZ_RSS_MB (2048),
# FUZZ_TIMEOUT (10 s for one input), FUZZ_EXTRA_ARGS (more libFuzzer flags, e.g. "-runs=2000000 -max_len=16384"),
# FUZZ_CONFIG (debug; release builds the targets optimized into .build-fuzz-release, about 1.6x the
# executions a second, for long runs; the sanitizers and coverage are the same).
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t TARGETS < <(find Tests/Fuzz/Sources -mindepth 1 -maxdepth 1 -type d -name 'fuzz-*' | sed 's|.*/fuzz-||' | sort)
seconds=60
selected=()
case "${1:-}" in
    --list) printf '%s\n' "${TARGETS[@]}"; exit 0 ;;
    --ci) seconds="${FUZZ_CI_SECONDS:-8}"; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
esac
if [ $# -gt 0 ] && [ "$1" != all ]; then
    printf '%s\n' "${TARGETS[@]}" | grep -qx -- "$1" || { echo "unknown target '$1'; one of: ${TARGETS[*]}" >&2; exit 2; }
    selected=("$1")
else
    selected=("${TARGETS[@]}")
fi
[ $# -gt 0 ] && shift
if [ $# -gt 0 ]; then seconds="$1"; fi
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "SECONDS must be a whole number, not '$seconds'" >&2; exit 2; }

config="${FUZZ_CONFIG:-debug}"
case "$config" in debug) scratch=.build-fuzz ;; release) scratch=.build-fuzz-release ;; *) echo "FUZZ_CONFIG is debug or release, not '$config'" >&2; exit 2 ;; esac
echo "== fuzz: building ${selected[*]} (fuzzer + address sanitizers, $scratch)"
# SwiftPM's cached build manifest misses a source file added to or removed from the main package (a
# dependency here) until a manifest changes, while --disable-build-manifest-caching rebuilds every
# module on every call (about 3 minutes). So the cache is dropped once, and only when the list of
# source files differs from the last build's.
mkdir -p "$scratch"
sources=$(find Sources Tests/Fuzz/Sources -type f | sort)
manifest_flag=()
if [ "$sources" != "$(cat "$scratch/fuzz-sources.list" 2>/dev/null)" ]; then manifest_flag=(--disable-build-manifest-caching); fi
for target in "${selected[@]}"; do
    # One product at a time: building the whole package would also link the main package's
    # `tokengate`, whose main clashes with libFuzzer's. `--sanitize` makes SwiftPM link libFuzzer's
    # main instead of renaming the executable's entry point, and instruments the C targets; it hands
    # swiftc two separate -sanitize flags, of which only the last counts, hence the -Xswiftc that
    # instruments the Swift modules for coverage too.
    nice -n 10 swift build -c "$config" --package-path Tests/Fuzz --scratch-path "$scratch" --product "fuzz-$target" \
        --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address ${manifest_flag[@]+"${manifest_flag[@]}"} 2>&1 \
        | grep -vE "Cannot export local symbol|no .eh_frame_hdr table will be created|^\[[0-9]+/[0-9]+\] (Compiling|Emitting|Linking|Write|Build)" || true
    [ -x "$scratch/$config/fuzz-$target" ] || { echo "building fuzz-$target failed" >&2; exit 1; }
    manifest_flag=()
done
printf '%s\n' "$sources" >"$scratch/fuzz-sources.list"

failed=0
summary=()
for target in "${selected[@]}"; do
    seeds="Tests/Fuzz/Corpus/$target"
    work="$scratch/corpus/$target"
    crashes="Tests/Fuzz/Crashes/$target"
    log="$scratch/logs/$target.log"
    mkdir -p "$seeds" "$work" "$crashes" "$(dirname "$log")"
    before=$(find "$crashes" -type f | sort)
    echo "== fuzz: $target for ${seconds}s (log: $log)"
    start=$(date +%s)
    set +e
    # SWIFT_BACKTRACE: the Swift runtime's crash backtracer reads memory that ASan then reports as
    # a second, unrelated error; libFuzzer prints the stack itself.
    # LSAN_OPTIONS: LeakSanitizer misreads Swift's spare-bit-tagged pointers (see the file).
    # shellcheck disable=SC2086 # FUZZ_EXTRA_ARGS is a list of flags
    SWIFT_BACKTRACE=enable=no LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/lsan-suppressions.txt${LSAN_OPTIONS:+:$LSAN_OPTIONS}" nice -n 10 "$scratch/$config/fuzz-$target" -max_total_time="$seconds" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
        -timeout="${FUZZ_TIMEOUT:-10}" -artifact_prefix="$crashes/" -print_final_stats=1 ${FUZZ_EXTRA_ARGS:-} \
        "$work" "$seeds" </dev/null >"$log" 2>&1
    status=$?
    set -e
    elapsed=$(( $(date +%s) - start ))
    new=$(comm -13 <(echo "$before") <(find "$crashes" -type f | sort) | grep -c . || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
    cov=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$last")
    ft=$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$last")
    line=$(printf '%-13s execs %-10s cov %-6s ft %-7s crashes %s  (%ss)' "$target" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$new" "$elapsed")
    summary+=("$line")
    echo "$line"
    if [ "$status" -ne 0 ] || [ "$new" -gt 0 ]; then
        failed=1
        grep -E "fuzz invariant broken|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|Fatal error|SUMMARY|Test unit written" "$log" | head -8
    fi
done

echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
    echo "fuzzing found crashes; reproducers are under Tests/Fuzz/Crashes (replay: swift test --filter FuzzReplay)" >&2
    exit 1
fi
