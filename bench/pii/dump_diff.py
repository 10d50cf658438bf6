#!/usr/bin/env python3
"""Compares two `pii_bench dump` files line by line and checks that every changed
line is the same finding (options, text, type, category, message, span) whose
detector and/or confidence changed. Prints the counts; exits 1 otherwise.

    pii_bench dump before.txt; (change); pii_bench dump after.txt
    bench/pii/dump_diff.py before.txt after.txt
"""
import collections
import sys


def main(before_path, after_path):
    before = open(before_path, encoding="utf-8").read().splitlines()
    after = open(after_path, encoding="utf-8").read().splitlines()
    if len(before) != len(after):
        print(f"different number of findings: {len(before)} vs {len(after)}")
        return 1
    changed = other = 0
    kinds = collections.Counter()
    for x, y in zip(before, after):
        if x == y:
            continue
        changed += 1
        # options label, type, category, message, start, end, confidence, detector
        fx, fy = x.split(" "), y.split(" ")
        if len(fx) != 9 or len(fy) != 9 or fx[:7] != fy[:7]:
            other += 1
            if other <= 5:
                print("not the same finding:\n  " + x + "\n  " + y)
            continue
        cx, cy = float.fromhex(fx[7]), float.fromhex(fy[7])
        direction = "higher" if cy > cx else "lower" if cy < cx else "same"
        kinds[(fx[2], fx[8], fy[8] if fx[8] != fy[8] else "(same)", cx, cy, direction)] += 1
    print(f"{len(before)} findings, {changed} changed, {other} not the same finding")
    by_change = collections.Counter()
    for (etype, det_a, det_b, cx, cy, direction), n in kinds.items():
        by_change[(etype, det_a, cx, cy, direction)] += n
    for (etype, det_a, cx, cy, direction), n in by_change.most_common():
        print(f"  {n:6d}  {etype} {det_a} {cx:g} -> {cy:g} ({direction}), detector changed to:")
        for (e2, a2, b2, cx2, cy2, d2), m in kinds.most_common():
            if (e2, a2, cx2, cy2, d2) == (etype, det_a, cx, cy, direction):
                print(f"            {m:6d}  {b2}")
    return 1 if other else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
