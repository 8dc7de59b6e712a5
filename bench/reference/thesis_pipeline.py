#!/usr/bin/python3
"""The thesis' pipeline written the way its author's tools do it: numpy/pandas for the features,
scikit-learn for scaling and DBSCAN. The reference `scanscope analyze` is compared with (bench/e2e.py).

Usage: /usr/bin/python3 bench/reference/thesis_pipeline.py CAPTURE.pcap --out DIR
           [--parser numpy|dpkt] [--bin-seconds 300] [--uptime-threshold 0.000001] [--max-packets N]

Steps (definitions of shared/docs/design.md, thesis mode):
  1. read the pcap (Ethernet, IPv4, TCP; microsecond or nanosecond pcap). --parser numpy (default,
     the fastest honest reader we could write: one Python loop finds the record boundaries, numpy
     gathers the header fields of all records at once) or --parser dpkt (dpkt.pcap.Reader and
     dpkt.ethernet.Ethernet per packet, what measurement scripts commonly use).
  2. telescope: window start = the 300 s bin of the first TCP packet; uptime of an observer = minutes
     in which it received a TCP packet / minutes in which the telescope received anything; |O| =
     observers with uptime >= threshold (one-minute periods, as the thesis).
  3. filter ZMap SYNs: SYN without ACK, IP ID 54321 and window 65535 (ScanScope's `--tool zmap-classic`
     fingerprint; the window check only drops the 1-in-65536 random-ID packets of other senders).
  4. per source with pandas: destinations, period, start, activity, ports.
  5. heavy hitters: coverage = destinations / |O|, knee of the sorted coverage curve (ties collapsed,
     resampled to 1000 points, Kneedle S = 1); sources above it get cluster -2.
  6. RobustScaler, k-distance curve with k = min_samples = 10 (NearestNeighbors), eps = knee x 0.95
     (Kneedle, convex increasing), DBSCAN(eps, min_samples=10).
  7. write features.csv, clusters.csv (src_ip,cluster_id) and timings.json (seconds per stage).
"""
import argparse
import json
import math
import os
import struct
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.cluster import DBSCAN  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402
from sklearn.preprocessing import RobustScaler  # noqa: E402

MIN_SAMPLES = 10
KNEE_FACTOR = 0.95
CHUNK = 8_000_000


class BadCapture(Exception):
    pass


def read_numpy(path, max_packets=None):
    """Record boundaries by a Python loop over the record headers, fields by numpy gathers."""
    m = np.memmap(path, dtype=np.uint8, mode="r")
    if len(m) < 24:
        raise BadCapture(f"{path}: byte 0: shorter than a pcap header")
    magic = bytes(m[:4])
    endian = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}.get(magic)
    if endian is None:
        raise BadCapture(f"{path}: byte 0: not a pcap file (magic {magic.hex()})")
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    link = struct.unpack_from(endian + "I", m, 20)[0] & 0x0FFFFFFF
    if link != 1:
        raise BadCapture(f"{path}: byte 20: link type {link}, this reference reads Ethernet (1) only")

    # 1. Record offsets: the one sequential step (each length says where the next record starts).
    buf = memoryview(m)
    size = len(m)
    offsets = np.empty(1 << 20, dtype=np.int64)
    n = 0
    off = 24
    unpack = struct.Struct(endian + "I").unpack_from
    limit = max_packets if max_packets is not None else 1 << 62
    while off + 16 <= size and n < limit:
        end = off + 16 + unpack(buf, off + 8)[0]
        if end > size:
            print(f"thesis_pipeline: warning: {path}: byte {off}: truncated last record skipped", file=sys.stderr)
            break
        if n == len(offsets):
            offsets = np.resize(offsets, len(offsets) * 2)
        offsets[n] = off
        n += 1
        off = end
    offsets = offsets[:n]

    # 2. Fields of every record, gathered in chunks so memory stays bounded.
    for lo in range(0, n, CHUNK):
        o = offsets[lo:lo + CHUNK]

        def be16(a):
            return (m[a].astype(np.uint16) << 8) | m[a + 1]

        def be32(a):
            return (m[a].astype(np.uint32) << 24) | (m[a + 1].astype(np.uint32) << 16) | (m[a + 2].astype(np.uint32) << 8) | m[a + 3]

        def hdr32(a):
            b = [m[a + i].astype(np.uint32) for i in range(4)]
            return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) if endian == "<" else ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3])

        caplen = hdr32(o + 8)
        frame = o + 16
        ok = caplen >= 54
        frame_ok = np.where(ok, frame, 0)
        ok &= be16(frame_ok + 12) == 0x0800
        ip = frame_ok + 14
        vihl = m[ip]
        ihl = (vihl & 0x0F).astype(np.int64) * 4
        ok &= ((vihl >> 4) == 4) & (m[ip + 9] == 6) & (ihl >= 20) & (caplen >= 14 + ihl + 20)
        ok &= (be16(ip + 6) & 0x1FFF) == 0  # first fragment only carries the TCP header
        o, frame, ip, ihl, caplen = o[ok], frame[ok], ip[ok], ihl[ok], caplen[ok]
        tcp = ip + ihl
        sec = hdr32(o).astype(np.int64)
        frac = hdr32(o + 4).astype(np.int64)
        yield n, {"ts": sec * 1_000_000_000 + (frac if nano else frac * 1000), "src": be32(ip + 12), "dst": be32(ip + 16),
                  "dport": be16(tcp + 2), "ipid": be16(ip + 4), "flags": m[tcp + 13], "window": be16(tcp + 14)}


def read_dpkt(path, max_packets=None):
    """Per packet with dpkt, as measurement scripts usually do."""
    import dpkt
    ts, src, dst, dport, ipid, flags, window = [], [], [], [], [], [], []
    n = 0

    def chunk():
        return n, {
            "ts": np.array(ts, dtype=np.int64), "src": np.array(src, dtype=np.uint32), "dst": np.array(dst, dtype=np.uint32),
            "dport": np.array(dport, dtype=np.uint16), "ipid": np.array(ipid, dtype=np.uint16), "flags": np.array(flags, dtype=np.uint8),
            "window": np.array(window, dtype=np.uint16),
        }

    with open(path, "rb") as f:
        try:
            reader = dpkt.pcap.Reader(f)
        except (ValueError, dpkt.dpkt.NeedData) as e:
            raise BadCapture(f"{path}: byte 0: {e}")
        for t, buf in reader:
            n += 1
            if max_packets is not None and n > max_packets:
                n -= 1
                break
            try:
                eth = dpkt.ethernet.Ethernet(buf)
            except (dpkt.dpkt.UnpackError, dpkt.dpkt.NeedData):
                continue
            ip = eth.data
            if not isinstance(ip, dpkt.ip.IP) or not isinstance(ip.data, dpkt.tcp.TCP):
                continue
            tcp = ip.data
            ts.append(int(round(t * 1e9)))  # dpkt hands out float seconds
            src.append(int.from_bytes(ip.src, "big"))
            dst.append(int.from_bytes(ip.dst, "big"))
            dport.append(tcp.dport)
            ipid.append(ip.id)
            flags.append(tcp.flags)
            window.append(tcp.win)
            if len(ts) == CHUNK:
                yield chunk()
                for column in (ts, src, dst, dport, ipid, flags, window):
                    column.clear()
    yield chunk()


def collect(chunks):
    """Keeps, per chunk, what the later stages need: (observer, minute) pairs of every TCP packet
    (deduplicated) and the ZMap SYNs' source, destination, port and time."""
    first, records, tcp = None, 0, 0
    pairs, zmap = [], {"src": [], "dst": [], "dport": [], "ts": []}
    for records, c in chunks:
        if len(c["ts"]) == 0:
            continue
        tcp += len(c["ts"])
        low = int(c["ts"].min())
        first = low if first is None else min(first, low)
        minute = (c["ts"] // 60_000_000_000).astype(np.uint64)
        pairs.append(np.unique((c["dst"].astype(np.uint64) << np.uint64(32)) | minute))
        z = ((c["flags"] & 0x12) == 0x02) & (c["ipid"] == 54321) & (c["window"] == 65535)
        for k in zmap:
            zmap[k].append(c[k][z])
    return first, records, tcp, pairs, {k: np.concatenate(v) for k, v in zmap.items()} if zmap["ts"] else None


def kneedle(x, y, convex=True, increasing=True, sensitivity=1.0):
    """Kneedle (Satopaa et al. 2011) as kneed computes it for the offline case; index or -1."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    if n < 3 or not x[-1] > x[0] or not y.max() > y.min():
        return -1
    yn = (y - y.min()) / (y.max() - y.min())
    xs = (x - x[0]) / (x[-1] - x[0])
    flip = convex == increasing
    ys = yn[::-1] if flip else yn
    if convex:
        ys = 1 - ys
    d = ys - xs
    step = abs(np.sum(np.diff(xs)) / (n - 1))

    def extremum(i, maximum):
        left, right = d[max(i - 1, 0)], d[min(i + 1, n - 1)]
        return d[i] >= left and d[i] >= right if maximum else d[i] <= left and d[i] <= right

    first = next((j for j in range(n) if extremum(j, True)), -1)
    if first < 0:
        return -1
    threshold, at = math.nan, -1
    for i in range(first, n - 1):
        if extremum(i, True):
            threshold, at = d[i] - sensitivity * step, i
        if extremum(i, False):
            threshold = 0.0
        if d[i + 1] < threshold:
            return n - 1 - at if flip else at
    return -1


def coverage_curve(coverage, points=1000):
    """Sorted coverages with ties collapsed to the rank of their last source, read at even ranks."""
    s = np.sort(coverage)
    last = np.r_[s[1:] != s[:-1], True]
    rank, value = np.nonzero(last)[0].astype(float), s[last]
    k = min(len(s), points)
    x = np.array([0.0]) if k == 1 else np.arange(k) * (len(s) - 1.0) / (k - 1)
    c = np.searchsorted(rank, x, side="left")
    c = np.minimum(c, len(rank) - 1)
    y = np.empty(k)
    for i in range(k):
        ci = c[i]
        if ci == 0 or rank[ci] == x[i]:
            y[i] = value[ci]
        else:
            t = (x[i] - rank[ci - 1]) / (rank[ci] - rank[ci - 1])
            y[i] = value[ci - 1] + t * (value[ci] - value[ci - 1])
    return x, y, s


def ip(a):
    return f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("capture")
    ap.add_argument("--out", required=True)
    ap.add_argument("--parser", choices=["numpy", "dpkt"], default="numpy")
    ap.add_argument("--bin-seconds", type=int, default=300)
    ap.add_argument("--uptime-threshold", type=float, default=0.000001)
    ap.add_argument("--max-packets", type=int, default=None, help="read only the first N records (for a timed subset)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    timings = {}
    clock = time.perf_counter()

    def stage(name):
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    try:
        first, records, tcp, pairs, z = collect((read_numpy if args.parser == "numpy" else read_dpkt)(args.capture, args.max_packets))
    except (BadCapture, OSError) as e:
        sys.exit(f"thesis_pipeline: error: {e}")
    if first is None or z is None or len(z["ts"]) == 0:
        sys.exit(f"thesis_pipeline: error: {args.capture}: no ZMap SYN among the IPv4 TCP packets")
    stage("read_and_filter")

    b = args.bin_seconds
    bin_ns = b * 1_000_000_000
    window_start = first // bin_ns * bin_ns
    pairs = np.unique(np.concatenate(pairs))
    minutes = (pairs & np.uint64(0xFFFFFFFF))
    effective = len(np.unique(minutes))
    per_observer = np.unique((pairs >> np.uint64(32)).astype(np.uint32), return_counts=True)[1]
    active_observers = int(np.count_nonzero(per_observer / effective >= args.uptime_threshold))
    del pairs, minutes
    stage("telescope")

    df = pd.DataFrame({"src": z["src"], "dst": z["dst"], "dport": z["dport"], "bin": (z["ts"] - window_start) // bin_ns})
    zmap_syn = len(df)
    del z

    g = df.groupby("src", sort=True)
    f = g.agg(destinations=("dst", "nunique"), ports=("dport", "nunique"),
              first_bin=("bin", "min"), last_bin=("bin", "max"), active_bins=("bin", "nunique"))
    f["period"] = np.where(f["active_bins"] == 1, float(b),
                           ((f["last_bin"] - f["first_bin"]) * b) / (f["active_bins"] - 1).clip(lower=1))
    f["start"] = f["first_bin"] * b
    f["activity"] = f["active_bins"] * b
    del df, g
    stage("features")

    coverage = f["destinations"].to_numpy() / active_observers
    x, y, s = coverage_curve(coverage)
    knee = kneedle(x, y, convex=True, increasing=True)
    threshold = s[int(math.ceil(x[knee]))] if knee >= 0 else math.nan
    heavy = coverage > threshold if knee >= 0 else np.zeros(len(f), dtype=bool)
    stage("heavy_hitters")

    cols = ["destinations", "period", "start", "activity", "ports"]
    X = RobustScaler().fit_transform(f.loc[~heavy, cols].to_numpy(dtype=float))
    stage("scale")
    k = min(MIN_SAMPLES, len(X))
    kd = np.sort(NearestNeighbors(n_neighbors=k).fit(X).kneighbors(X)[0][:, -1])
    kd_knee = kneedle(np.arange(len(kd), dtype=float), kd, convex=True, increasing=True)
    eps = kd[kd_knee] * KNEE_FACTOR if kd_knee >= 0 else 0.5
    stage("k_distance")
    labels = DBSCAN(eps=eps, min_samples=MIN_SAMPLES).fit(X).labels_
    stage("dbscan")

    cluster = np.full(len(f), -2, dtype=np.int64)
    cluster[~heavy] = labels
    src = f.index.to_numpy()
    with open(os.path.join(args.out, "clusters.csv"), "w") as out:
        out.write("src_ip,cluster_id\n")
        out.writelines(f"{ip(int(a))},{c}\n" for a, c in zip(src, cluster))
    f.assign(src_ip=[ip(int(a)) for a in src])[["src_ip"] + cols].to_csv(os.path.join(args.out, "features.csv"), index=False)
    stage("write")

    summary = {"parser": args.parser, "records": records, "tcp_packets": tcp, "zmap_syn": zmap_syn,
               "sources": len(f), "active_observers": active_observers, "heavy_hitters": int(heavy.sum()),
               "eps": float(eps), "clusters": int(labels.max() + 1) if len(labels) else 0,
               "noise": int((labels == -1).sum()), "seconds": timings, "total_seconds": round(sum(timings.values()), 3)}
    with open(os.path.join(args.out, "timings.json"), "w") as out:
        json.dump(summary, out, indent=1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
