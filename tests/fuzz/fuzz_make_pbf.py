#!/usr/bin/env python3
"""fuzz_make_pbf: writes the .osm.pbf seeds of the OSM fuzzer (corpus/osm/), a tiny road network in the OSM PBF
format (a header block, then a data block of dense nodes, ways and a relation), once with zlib-compressed blocks as
real extracts have them and once with raw blocks, whose bytes a fuzzer can mutate meaningfully. No OSM library is
needed: the protobuf wire format is written by hand. Run by hand, commit what it writes:
    python3 tests/fuzz/fuzz_make_pbf.py tests/fuzz/corpus/osm
"""
import os
import struct
import sys
import zlib


def varint(v):
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        if v:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def zigzag(v):
    return (v << 1) ^ (v >> 63)


def key(field, wire):
    return varint((field << 3) | wire)


def f_varint(field, v):
    return key(field, 0) + varint(v)


def f_bytes(field, data):
    return key(field, 2) + varint(len(data)) + data


def packed(field, values, signed=False):
    return f_bytes(field, b"".join(varint(zigzag(v) if signed else v) for v in values))


def deltas(values):
    return [v - p for v, p in zip(values, [0] + values[:-1])]


# The network: a square of residential streets with a one-way side, a primary road with a maxspeed, a footway the
# import drops, and a way whose last node is missing (an extract's border). Coordinates in 1e-7 degrees.
NODES = [  # id, lat, lon, tags
    (1, 45.000, 9.000, []), (2, 45.000, 9.001, []), (3, 45.001, 9.001, []),
    (4, 45.001, 9.000, [("highway", "traffic_signals")]), (5, 45.000, 9.002, []), (6, 45.002, 9.001, []),
]
WAYS = [  # id, refs, tags
    (100, [1, 2], [("highway", "residential"), ("maxspeed", "30 mph")]),
    (101, [2, 3], [("highway", "residential"), ("oneway", "yes")]),
    (102, [3, 4, 1], [("highway", "tertiary"), ("maxspeed", "DE:urban")]),
    (103, [2, 5, 3], [("highway", "primary"), ("maxspeed", "50;40")]),
    (104, [3, 6], [("highway", "footway")]),
    (105, [4, 999], [("highway", "service")]),
]


def data_block():
    strings = [b""]
    index = {}

    def s(text):
        if text not in index:
            index[text] = len(strings)
            strings.append(text.encode())
        return index[text]

    ids = [n[0] for n in NODES]
    lats = [round(n[1] * 1e7) for n in NODES]
    lons = [round(n[2] * 1e7) for n in NODES]
    keys_vals = []
    for n in NODES:
        for k, v in n[3]:
            keys_vals += [s(k), s(v)]
        keys_vals.append(0)
    dense = packed(1, deltas(ids), True) + packed(8, deltas(lats), True) + packed(9, deltas(lons), True)
    dense += packed(10, keys_vals)
    ways = b""
    for wid, refs, tags in WAYS:
        way = f_varint(1, wid) + packed(2, [s(k) for k, _ in tags]) + packed(3, [s(v) for _, v in tags])
        ways += f_bytes(3, way + packed(8, deltas(refs), True))
    relation = f_varint(1, 900) + packed(2, [s("type")]) + packed(3, [s("route")])
    relation += packed(8, [s("")]) + packed(9, [101], True) + packed(10, [1])  # roles_sid, memids, types (way)
    group = f_bytes(2, dense) + ways + f_bytes(4, relation)
    table = b"".join(f_bytes(1, t) for t in strings)
    return f_bytes(1, table) + f_bytes(2, group) + f_varint(17, 100)


def header_block():
    bbox = f_varint(1, zigzag(8990000000)) + f_varint(2, zigzag(9010000000))
    bbox += f_varint(3, zigzag(45010000000)) + f_varint(4, zigzag(44990000000))
    return f_bytes(1, bbox) + f_bytes(4, b"OsmSchema-V0.6") + f_bytes(4, b"DenseNodes") + f_bytes(16, b"fuzz_make_pbf")


def blob(kind, payload, compress):
    body = f_varint(2, len(payload))
    body += f_bytes(3, zlib.compress(payload, 9)) if compress else f_bytes(1, payload)
    header = f_bytes(1, kind.encode()) + f_varint(3, len(body))
    return struct.pack(">I", len(header)) + header + body


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fuzz_make_pbf.py DIR (tests/fuzz/corpus/osm)")
    for name, compress in (("tiny-zlib.osm.pbf", True), ("tiny-raw.osm.pbf", False)):
        data = blob("OSMHeader", header_block(), compress) + blob("OSMData", data_block(), compress)
        path = os.path.join(sys.argv[1], name)
        with open(path, "wb") as f:
            f.write(data)
        print(f"{path} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
