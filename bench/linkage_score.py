#!/usr/bin/env python3
"""Pairwise precision, recall and F1 of a clustering against the truth, and its largest clusters.

    linkage_score.py TRUTH.csv CLUSTERS.csv      (both: record_id, then the person or cluster id)"""
import csv, sys
from collections import Counter, defaultdict


def pairs(sizes):
    return sum(n * (n - 1) // 2 for n in sizes)


def main():
    truth = {r[0]: r[1] for r in list(csv.reader(open(sys.argv[1])))[1:]}
    found = {r[0]: r[1] for r in list(csv.reader(open(sys.argv[2])))[1:]}
    missing = len(set(truth) - set(found))
    both = Counter((truth[r], found[r]) for r in truth if r in found)
    tp = pairs(both.values())
    true_pairs = pairs(Counter(truth.values()).values())
    found_pairs = pairs(Counter(found[r] for r in truth if r in found).values())
    precision = tp / found_pairs if found_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    largest_true = max(Counter(truth.values()).values())
    largest_found = max(Counter(found.values()).values())
    print(f"precision={precision:.4f} recall={recall:.4f} f1={f1:.4f} true_pairs={true_pairs} found_pairs={found_pairs} "
          f"largest_true_cluster={largest_true} largest_found_cluster={largest_found} missing_rows={missing}")


if __name__ == "__main__":
    main()
