#!/usr/bin/env python3
"""Compare two `code,value` CSV files number for number.

    compare.py A.csv B.csv [--rtol 1e-12] [--atol 0]

Rows are matched by code (the first column); the header's second column may have any
name (`value`, `distance_km`). nan equals nan and inf equals inf of the same sign; any
other pairing with a special value is a mismatch, as is a code present in one file only.
Two finite values agree when |a - b| <= atol or |a - b| <= rtol * max(|a|, |b|).

Prints the number of codes, the maximum relative difference between finite values, and the
number of mismatches with a few examples. Exit status: 0 when every row agrees, 1 on any
mismatch, 2 when a file cannot be read.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys


def read_values(path: str) -> dict[str, float]:
    values: dict[str, float] = {}
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = csv.reader(f)
            header = next(rows, None)
            if header is None or len(header) != 2:
                raise ValueError(f"{path}: expected a two-column header such as code,value")
            for line, row in enumerate(rows, start=2):
                if not row:
                    continue
                if len(row) != 2:
                    raise ValueError(f"{path}:{line}: expected 2 fields, got {len(row)}")
                code, text = row
                if code in values:
                    raise ValueError(f"{path}:{line}: code {code} appears twice")
                try:
                    # float() reads nan, inf, -inf (any case) as well as numbers.
                    values[code] = float(text)
                except ValueError:
                    raise ValueError(f"{path}:{line}: not a number: {text!r}") from None
    except OSError as e:
        raise ValueError(f"{path}: {e.strerror}") from None
    return values


def relative_difference(a: float, b: float) -> float:
    if a == b:
        return 0.0
    return abs(a - b) / max(abs(a), abs(b))


def agree(a: float, b: float, rtol: float, atol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    diff = abs(a - b)
    return diff <= atol or diff <= rtol * max(abs(a), abs(b))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--rtol", type=float, default=1e-12)
    parser.add_argument("--atol", type=float, default=0.0)
    parser.add_argument("--show", type=int, default=10, help="mismatches to print")
    args = parser.parse_args(argv)
    if not (args.rtol >= 0 and args.atol >= 0):
        parser.error("--rtol and --atol must be non-negative numbers")

    try:
        a, b = read_values(args.a), read_values(args.b)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    mismatches: list[str] = []
    for code in sorted(a.keys() - b.keys()):
        mismatches.append(f"{code}: only in {args.a}")
    for code in sorted(b.keys() - a.keys()):
        mismatches.append(f"{code}: only in {args.b}")

    worst, worst_code = 0.0, None
    special = 0
    for code in sorted(a.keys() & b.keys()):
        x, y = a[code], b[code]
        if math.isfinite(x) and math.isfinite(y):
            rel = relative_difference(x, y)
            if rel > worst:
                worst, worst_code = rel, code
        else:
            special += 1
        if not agree(x, y, args.rtol, args.atol):
            mismatches.append(f"{code}: {x!r} vs {y!r}")

    common = len(a.keys() & b.keys())
    print(f"codes: {len(a)} in A, {len(b)} in B, {common} in both "
          f"({special} with nan or inf on either side)")
    where = f" (code {worst_code})" if worst_code is not None else ""
    print(f"max relative difference: {worst:.3e}{where}")
    print(f"mismatches (rtol {args.rtol:g}, atol {args.atol:g}): {len(mismatches)}")
    for line in mismatches[: args.show]:
        print(f"  {line}")
    if len(mismatches) > args.show:
        print(f"  ... {len(mismatches) - args.show} more")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
