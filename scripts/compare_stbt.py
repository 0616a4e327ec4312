#!/usr/bin/env python3
"""Compare vpt's image matcher with stb-tester's stbt.match on the same frames.

Writes the synthetic cases with the `verify_fixtures` example (or uses --cases-dir), runs
stbt.match on each (reference pre-loaded, median of --repeats calls), runs vpt through the
`match_cases` example (release build, single thread), and prints one row per case: expected
outcome, each tool's verdict, position and median time, and the speed-up.

Requires: pip install stbt-core (brings numpy and opencv).
Usage: scripts/compare_stbt.py [--repeats N] [--cases-dir DIR] [--manifest-path Cargo.toml]
                               [--opencv-threads N]
Exit code: 0 when both tools give the expected verdict and the same position (±1 px) on every
case, 1 otherwise.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def cargo_example(name, args, manifest_path):
    command = ["cargo", "run", "--quiet", "--release", "--example", name]
    if manifest_path:
        command += ["--manifest-path", manifest_path]
    command += ["--", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def run_stbt(cases_dir, cases, repeats):
    import stbt_core as stbt

    results = {}
    for case in cases:
        frame = stbt.load_image(str(cases_dir / case["frame"]))
        reference = stbt.load_image(str(cases_dir / case["reference"]), color_channels=(3, 4))
        region = case["region"]
        kwargs = {"frame": frame}
        if region:
            kwargs["region"] = stbt.Region(region["x"], region["y"], width=region["width"], height=region["height"])
        result = stbt.match(reference, **kwargs)  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            result = stbt.match(reference, **kwargs)
            times.append((time.perf_counter() - start) * 1e3)
        results[case["name"]] = {
            "matched": bool(result.match),
            "x": result.region.x,
            "y": result.region.y,
            "median_ms": statistics.median(times),
        }
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--cases-dir", type=Path, help="reuse cases written by verify_fixtures")
    parser.add_argument("--manifest-path", default=str(Path(__file__).resolve().parent.parent / "Cargo.toml"),
                        help="Cargo.toml of the crate with the examples (default: this repository's)")
    parser.add_argument("--opencv-threads", type=int, help="cv2.setNumThreads (default: OpenCV's own choice)")
    args = parser.parse_args()

    if args.opencv_threads is not None:
        import cv2

        cv2.setNumThreads(args.opencv_threads)

    with tempfile.TemporaryDirectory(prefix="vpt-cases-") as scratch:
        cases_dir = args.cases_dir or Path(scratch)
        if not args.cases_dir:
            cargo_example("verify_fixtures", [str(cases_dir)], args.manifest_path)
        cases = json.loads((cases_dir / "cases.json").read_text())
        vpt_lines = cargo_example("match_cases", [str(cases_dir), str(args.repeats)], args.manifest_path)
        vpt = {r["name"]: r for r in map(json.loads, vpt_lines.splitlines())}
        stbt = run_stbt(cases_dir, cases, args.repeats)

    def verdict(r):
        return ("found" if r["matched"] else "absent") + (" @%d,%d" % (r["x"], r["y"]) if r["matched"] else "")

    header = "| case | expected | stbt.match | stbt ms | vpt | vpt ms | speed-up | agree |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    all_agree = True
    agreed = 0
    speedups = []
    for case in cases:
        name, exp = case["name"], case["expected"]
        s, v = stbt[name], vpt[name]
        expected = "found @%d,%d" % (exp["x"], exp["y"]) if exp else "absent"
        same_verdict = s["matched"] == v["matched"] == (exp is not None)
        same_place = not exp or (abs(s["x"] - v["x"]) <= 1 and abs(s["y"] - v["y"]) <= 1
                                 and abs(v["x"] - exp["x"]) <= 1 and abs(v["y"] - exp["y"]) <= 1)
        agree = same_verdict and same_place
        all_agree &= agree
        agreed += agree
        speedup = s["median_ms"] / v["median_ms"]
        speedups.append(speedup)
        print("| %s | %s | %s | %.2f | %s | %.2f | %.1fx | %s |" % (
            name, expected, verdict(s), s["median_ms"], verdict(v), v["median_ms"], speedup, "yes" if agree else "NO"))
    print()
    print("agree: %d of %d; median speed-up: %.1fx (min %.1fx); cases under 10x: %d; opencv threads: %s" % (
        agreed, len(cases), statistics.median(speedups), min(speedups), sum(s < 10 for s in speedups),
        args.opencv_threads if args.opencv_threads is not None else "default"))
    return 0 if all_agree else 1


if __name__ == "__main__":
    sys.exit(main())
