#!/usr/bin/env python3
"""Turns a generated people file (bench/make_people.py) into a records-system extract in VictimCare's import
layout: one crime per record, that record its victim, reported over the last twelve months, so the server's own
path (import, the linkage queue, the person index) can be measured and scored against the same truth.
   python3 bench/linkage_import.py PEOPLE.csv EXTRACT.csv"""
import csv
import datetime
import random
import sys

UNITS = ["AW", "CE", "CN", "AS", "EA", "NA", "NE", "NW", "SN", "SE", "SW", "WA"]
OFFENCES = ["049/00", "046/00", "045/00", "048/00", "044/00", "039/00", "028/01"]
HEADER = ("record,source_id,crime_source_id,reference,offence_code,flags,command_unit,occurred_at,reported_at,"
          "channel,role,given_name,family_name,date_of_birth,phone,email")


def iso_date(text):
    """A records system exports one date format: the generator's UK and compact dates written as ISO (a digit slip
    stays a slip; a date that is no date is left for the import to report)."""
    if len(text) == 10 and text[2] == "/" and text[5] == "/":
        return f"{text[6:]}-{text[3:5]}-{text[:2]}"
    if len(text) == 8 and text.isdigit():
        return f"{text[:4]}-{text[4:6]}-{text[6:]}" if text[:2] in ("19", "20") else f"{text[4:]}-{text[2:4]}-{text[:2]}"
    return text


def main(people, out):
    rng = random.Random(18)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    with open(people, newline="") as f, open(out, "w", newline="") as o:
        w = csv.writer(o, lineterminator="\n")
        o.write(HEADER + "\n")
        for n, row in enumerate(csv.DictReader(f)):
            reported = now - datetime.timedelta(minutes=rng.randint(60, 360 * 24 * 60))
            occurred = reported - datetime.timedelta(hours=rng.randint(1, 48))
            crime = f"L{n}"
            w.writerow(["crime", crime, "", f"LK/{n:07d}/26", rng.choice(OFFENCES), "", rng.choice(UNITS),
                        occurred.isoformat(), reported.isoformat(), "telephone", "", "", "", "", "", ""])
            # The layout has no address, so the server path compares names, date of birth, phone and email.
            w.writerow(["person", row["record_id"], crime, "", "", "", "", "", "", "", "victim",
                        row["given_name"] or "Unknown", row["family_name"] or "Unknown",
                        iso_date(row["date_of_birth"]), row["phone"], row["email"]])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
