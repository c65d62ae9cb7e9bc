#!/usr/bin/python3
"""trips_from_events: a trips CSV (demand.file) from a day's events.csv (robotaxi-sim --events).

Each ride that was driven becomes one row: the time of its request, the origin (where the request was made) and the
destination (where the rider was dropped off) as lon/lat, the columns demand.file reads by default. Riders who gave
up have no known destination and are left out; the count of both is printed on stderr. With --day N (1-based) only
that day of a multi-day log is read (default: the first).

    robotaxi-sim -s scenarios/monaco.ini --events -o out
    tools/trips_from_events.py out/events.csv scenarios/monaco-trips.csv
"""
import argparse
import csv
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("events", help="events.csv written by robotaxi-sim --events")
    ap.add_argument("trips", help="the trips CSV to write")
    ap.add_argument("--day", type=int, default=1, help="the day of the log to read (1-based; default 1)")
    args = ap.parse_args()
    requests = {}  # request id -> (time_s, lon, lat)
    rides = []  # (time_s, request id, origin lon, origin lat, destination lon, destination lat)
    gave_up = 0
    try:
        with open(args.events, newline="") as f:
            reader = csv.DictReader(f)
            need = {"day", "time_s", "event", "request", "lon", "lat"}
            if not reader.fieldnames or not need <= set(reader.fieldnames):
                sys.exit("trips_from_events: %s: not an events log (columns %s)" % (args.events, ", ".join(sorted(need))))
            for line, row in enumerate(reader, start=2):
                if int(row["day"]) != args.day:
                    continue
                kind = row["event"]
                if kind == "request":
                    requests[row["request"]] = (row["time_s"], row["lon"], row["lat"])
                elif kind == "dropoff":
                    asked = requests.get(row["request"])
                    if asked is None:
                        sys.exit("trips_from_events: %s:%d: a drop-off of request %s, never requested"
                                 % (args.events, line, row["request"]))
                    rides.append((float(asked[0]), int(row["request"]), asked[1], asked[2], row["lon"], row["lat"]))
                elif kind == "giveup":
                    gave_up += 1
    except OSError as e:
        sys.exit("trips_from_events: %s" % e)
    if not rides:
        sys.exit("trips_from_events: %s: no ride on day %d" % (args.events, args.day))
    rides.sort()
    with open(args.trips, "w", newline="") as out:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["time", "origin_lon", "origin_lat", "destination_lon", "destination_lat"])
        for t, _, olon, olat, dlon, dlat in rides:
            ms = int(round(t * 1000))
            w.writerow(["%02d:%02d:%02d.%03d" % (ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000),
                        olon, olat, dlon, dlat])
    print("trips_from_events: %d rides of day %d written to %s (%d riders who gave up left out)"
          % (len(rides), args.day, args.trips, gave_up), file=sys.stderr)


if __name__ == "__main__":
    main()
