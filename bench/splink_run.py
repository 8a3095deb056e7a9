#!/usr/bin/env python3
"""Splink 5 (DuckDB) on the same file `victimcare linkage run` reads, for issue 18's side-by-side benchmark.

    splink_run.py INPUT.csv OUTPUT.csv [--threshold 0.95] [--u-pairs 1e7]

INPUT has record_id,given_name,family_name,date_of_birth,postcode,phone,email (no labels); OUTPUT is
record_id,cluster_id, one row per input row. Prints seconds per stage.

The configuration, chosen to be fair (the same cleaning and the same blocking ideas as the Swift engine, Splink's
own comparison library with its defaults otherwise, no nickname list because Splink has none):
  cleaning      names lower-cased, accents stripped, anything but letters removed; dates of birth in the file's
                three formats to YYYY-MM-DD; postcodes upper-cased and spaced (a partial postcode keeps its
                district, and is not used as a blocking key); phones to digits with +44 as 0; emails lower-cased
  comparisons   NameComparison(given_name) and NameComparison(family_name), both with term-frequency
                adjustments; DateOfBirthComparison (string input); PostcodeComparison; ExactMatch(phone);
                EmailComparison
  blocking      date of birth; full postcode; phone; email; Soundex of the family name + first letter of the
                given name + year of birth; given + family name + postcode district; given + family name
                swapped + year of birth
  training      λ from the deterministic rule given+family+date of birth (recall 0.7); u from 10 million random
                pairs; m by EM on two blocking rules (date of birth; family Soundex + given initial + birth year)
  clustering    connected components at match probability ≥ threshold (default 0.95, the Swift engine's
                automatic-link threshold); --also clusters the same predictions at other thresholds, so Splink's
                best threshold can be reported too
"""
import time

STARTED = time.perf_counter()  # the run's wall time counts the imports too

import argparse, sys
import logging

import duckdb
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
import splink.comparison_library as cl


def soundex(name):
    """American Soundex (a blocking key; DuckDB has no phonetic function)."""
    if not name:
        return None
    codes = {c: d for d, letters in
             {"1": "bfpv", "2": "cgjkqsxz", "3": "dt", "4": "l", "5": "mn", "6": "r"}.items() for c in letters}
    first = name[0]
    out, last = first.upper(), codes.get(first, "")
    for c in name[1:]:
        d = codes.get(c, "")
        if d and d != last:
            out += d
        if c not in "hw":
            last = d
    return (out + "000")[:4]


CLEAN = r"""
CREATE TABLE people AS
WITH raw AS (SELECT * FROM read_csv(?, header = true, all_varchar = true))
SELECT record_id,
  nullif(regexp_replace(lower(strip_accents(coalesce(given_name, ''))), '[^a-z]', '', 'g'), '') AS given_name,
  nullif(regexp_replace(lower(strip_accents(coalesce(family_name, ''))), '[^a-z]', '', 'g'), '') AS family_name,
  CASE
    WHEN regexp_matches(date_of_birth, '^\d{4}-\d{2}-\d{2}$') THEN date_of_birth
    WHEN regexp_matches(date_of_birth, '^\d{2}/\d{2}/\d{4}$')
      THEN substr(date_of_birth, 7, 4) || '-' || substr(date_of_birth, 4, 2) || '-' || substr(date_of_birth, 1, 2)
    WHEN regexp_matches(date_of_birth, '^\d{8}$')
      THEN substr(date_of_birth, 1, 4) || '-' || substr(date_of_birth, 5, 2) || '-' || substr(date_of_birth, 7, 2)
  END AS date_of_birth,
  CASE
    WHEN regexp_matches(pc, '^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$') THEN substr(pc, 1, length(pc) - 3) || ' ' || right(pc, 3)
    WHEN regexp_matches(pc, '^[A-Z]{1,2}[0-9][A-Z0-9]?$') THEN pc
  END AS postcode,
  CASE WHEN regexp_matches(pc, '^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$')
       THEN substr(pc, 1, length(pc) - 3) || ' ' || right(pc, 3) END AS postcode_full,
  regexp_extract(pc, '^[A-Z]{1,2}[0-9][A-Z0-9]?', 0) AS postcode_district,
  CASE WHEN ph LIKE '44%' THEN '0' || substr(ph, 3) ELSE nullif(ph, '') END AS phone,
  nullif(lower(trim(coalesce(email, ''))), '') AS email
FROM (SELECT *, upper(regexp_replace(coalesce(postcode, ''), '\s', '', 'g')) AS pc,
             regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') AS ph FROM raw)
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--threshold", type=float, default=0.95)
    ap.add_argument("--u-pairs", type=float, default=1e7)
    ap.add_argument("--also", default="", help="more thresholds, comma-separated: OUTPUT-<threshold>.csv each")
    a = ap.parse_args()
    logging.getLogger("splink").setLevel(logging.WARNING)
    clock = time.perf_counter()

    def lap(stage):
        nonlocal clock
        now = time.perf_counter()
        print(f"{stage}: {now - clock:.2f}s", flush=True)
        clock = now

    con = duckdb.connect()
    con.execute(CLEAN, [a.input])
    con.create_function("soundex", soundex, ["VARCHAR"], "VARCHAR")
    con.execute("ALTER TABLE people ADD COLUMN family_sound VARCHAR")
    con.execute("ALTER TABLE people ADD COLUMN birth_year VARCHAR")
    con.execute("UPDATE people SET family_sound = soundex(family_name), birth_year = substr(date_of_birth, 1, 4)")
    records = con.execute("SELECT count(*) FROM people").fetchall()[0][0]
    lap("load and clean")

    db_api = DuckDBAPI(connection=con)
    people = db_api.register("people")
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("phone"),
            cl.EmailComparison("email"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("date_of_birth"),
            block_on("postcode_full"),
            block_on("phone"),
            block_on("email"),
            block_on("family_sound", "substr(given_name, 1, 1)", "birth_year"),
            block_on("given_name", "family_name", "postcode_district"),
            "l.given_name = r.family_name AND l.family_name = r.given_name AND l.birth_year = r.birth_year",
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(people, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "family_name", "date_of_birth")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=a.u_pairs, seed=1)
    lap("estimate λ and u")
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("family_sound", "substr(given_name, 1, 1)", "birth_year"))
    lap("train m (EM)")
    predictions = linker.inference.predict(threshold_match_probability=min(0.5, a.threshold))
    pairs = con.execute(f"SELECT count(*) FROM {predictions.physical_name}").fetchall()[0][0]
    lap("predict")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=a.threshold)
    lap("cluster")
    con.execute(
        f"COPY (SELECT record_id, cluster_id FROM {clusters.physical_name}) TO ? (HEADER, DELIMITER ',')",
        [a.output])
    lap("write")
    print(f"total: {time.perf_counter() - STARTED:.2f}s (from process start, before the extra thresholds)", flush=True)
    # The same predictions clustered at other thresholds (not timed as part of the run above).
    for t in [float(x) for x in a.also.split(",") if x]:
        more = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold_match_probability=t)
        con.execute(
            f"COPY (SELECT record_id, cluster_id FROM {more.physical_name}) TO ? (HEADER, DELIMITER ',')",
            [a.output.removesuffix(".csv") + f"-{t}.csv"])
    print(f"records={records} scored_pairs_over_0.5={pairs}")


if __name__ == "__main__":
    sys.exit(main())
