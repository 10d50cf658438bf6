#!/usr/bin/env python3
"""Regenerates data/router/prompts.jsonl from the hand-written content in gen/.

    python3 data/router/generate.py            # writes data/router/prompts.jsonl

Deterministic (fixed seed). Each example carries a "group" (the template or
core prompt it came from); the trainer splits by a hash of the group, so every
template, wrapper and core question is either in training or held out.
"""

import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "gen"))

import benchmarks_like  # noqa: E402
import common  # noqa: E402
import extraction  # noqa: E402
import hard  # noqa: E402
import multilingual  # noqa: E402
import multilingual2  # noqa: E402
import public_fact  # noqa: E402
import reasoning  # noqa: E402


def main():
    rng = random.Random(20240607)
    examples = []
    for mod in (public_fact, extraction, reasoning, multilingual, hard, multilingual2,
                benchmarks_like):
        examples += mod.build(rng)
    seen = set()
    unique = []
    for ex in examples:
        k = (ex["text"], ex.get("system", ""), json.dumps(ex.get("turns", [])))
        if k in seen:
            continue
        seen.add(k)
        unique.append(ex)
    out = os.path.join(HERE, "prompts.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        for ex in unique:
            f.write(json.dumps(ex, ensure_ascii=False, sort_keys=True) + "\n")
    counts = {}
    for ex in unique:
        s = common.split_of(ex["group"])
        counts[(ex["label"], s)] = counts.get((ex["label"], s), 0) + 1
    print(f"wrote {len(unique)} examples to {out}")
    for label in ("public_fact", "sensitive_extraction", "complex_reasoning"):
        row = [counts.get((label, s), 0) for s in ("train", "dev", "test")]
        print(f"  {label:22s} train {row[0]:5d}  dev {row[1]:4d}  test {row[2]:4d}  total {sum(row)}")


if __name__ == "__main__":
    main()
