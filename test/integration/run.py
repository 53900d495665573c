#!/usr/bin/env python3
"""Integration test runner (stdlib only).

    LEADTIME_BIN=/abs/path/leadtimed python3 test/integration/run.py [-v] [NAME...]

Runs every test_*.py of this folder (or only the tests whose id contains
one of the NAMEs), prints unittest's report, and ends with exactly one
summary line `N passed, N failed`; exits 1 when anything failed.

Under an ASan build, LeakSanitizer is on (ASAN_OPTIONS=detect_leaks=1 unless
the caller set ASAN_OPTIONS), so a leak makes the run that leaked fail.
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def select(suite, names):
    """The tests of suite whose id contains one of names."""
    out = unittest.TestSuite()
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            out.addTests(select(t, names))
        elif any(n in t.id() for n in names):
            out.addTest(t)
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv[1:]
    binary = os.environ.get("LEADTIME_BIN") or os.path.join(ROOT, "build", "leadtimed")
    if not os.path.isabs(binary):
        binary = os.path.abspath(binary)
    os.environ["LEADTIME_BIN"] = binary
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    if not os.access(binary, os.X_OK):
        print("run.py: %s is not an executable (set LEADTIME_BIN)" % binary, file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    sys.path.insert(0, HERE)
    suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    if args:
        suite = select(suite, args)
    print("integration tests against %s" % binary, flush=True)
    start = time.monotonic()
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2 if verbose else 1)
    result = runner.run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    sys.stdout.flush()
    print("(%.1f s)" % (time.monotonic() - start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or result.testsRun == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
