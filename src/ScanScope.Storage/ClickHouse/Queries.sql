-- Every SQL statement ScanScope sends to ClickHouse, in one file. ClickHouseSql loads the
-- blocks by name ("-- name: x" starts a block; comments above the SQL say what it does).
--
-- Placeholders use ClickHouse's own query-parameter syntax, {name:Type}. Servers from 19.x on
-- could take them as HTTP parameters; the Debian 18.16 server cannot, so ClickHouseSql fills
-- them in itself, and only from typed values: Int64/UInt64/UInt8 placeholders from C# integers
-- (formatted as digits), Identifier placeholders from names matching [A-Za-z_][A-Za-z0-9_]*
-- (then back-quoted), Array(UInt16)/Array(UInt32) from C# arrays of those types, Condition from
-- the cond_* blocks below joined with AND (SqlCondition). No string a user types is ever pasted
-- into this SQL.
--
-- Timestamps are Int64 nanoseconds since the Unix epoch (DateTime64 does not exist in 18.16).

-- name: create_packets_local
-- The packets of one shard (or of the only server): one row per packet, sorted by source and
-- time so that each source's packets are contiguous for the per-source aggregation, and
-- partitioned by UTC day so that old days can be dropped whole.
CREATE TABLE IF NOT EXISTS {database:Identifier}.{table:Identifier}
(
    ts_ns Int64,
    src UInt32,
    dst UInt32,
    sport UInt16,
    dport UInt16,
    ip_id UInt16,
    ttl UInt8,
    ip_len UInt16,
    flags UInt8,
    seq UInt32,
    ack UInt32,
    window UInt16,
    options UInt32,
    mss UInt16,
    wscale UInt8,
    payload_len UInt16,
    tool UInt8
)
ENGINE = MergeTree()
PARTITION BY toYYYYMMDD(toDateTime(intDiv(ts_ns, 1000000000), 'UTC'))
ORDER BY (src, ts_ns)

-- name: create_packets_distributed
-- The table queries and inserts go to: spreads rows over the cluster's shards by a hash of the
-- source address, so every packet of a source lands on the same shard.
CREATE TABLE IF NOT EXISTS {database:Identifier}.{distributed_table:Identifier}
AS {database:Identifier}.{table:Identifier}
ENGINE = Distributed({cluster:Identifier}, {database:Identifier}, {table:Identifier}, cityHash64(src))

-- name: create_ingested_files
-- Which input files were ingested (size, modification time, first 8 bytes of the SHA-256 of
-- the first MiB), so that ingesting the same file again is skipped. Kept on the server the
-- client talks to.
CREATE TABLE IF NOT EXISTS {database:Identifier}.{files_table:Identifier}
(
    path String,
    size UInt64,
    mtime_ns Int64,
    head_hash64 UInt64,
    packets UInt64,
    ingested_at DateTime
)
ENGINE = MergeTree()
ORDER BY (size, head_hash64)

-- name: count_ingested
-- How many times a file with this fingerprint was ingested.
SELECT count()
FROM {database:Identifier}.{files_table:Identifier}
WHERE size = {size:Int64} AND mtime_ns = {mtime_ns:Int64} AND head_hash64 = {head_hash64:UInt64}

-- name: insert_ingested_file
-- One row per ingested file; the body is RowBinary in this column order.
INSERT INTO {database:Identifier}.{files_table:Identifier}
(path, size, mtime_ns, head_hash64, packets, ingested_at)
FORMAT RowBinary

-- name: insert_packets
-- Batched insert; the body is RowBinary rows in this column order.
INSERT INTO {database:Identifier}.{target:Identifier}
(ts_ns, src, dst, sport, dport, ip_id, ttl, ip_len, flags, seq, ack, window, options, mss, wscale, payload_len, tool)
FORMAT RowBinary

-- Conditions: the packet selections the queries below combine in their {where:Condition}
-- (ClickHouseConditions builds them from the analysis' filter; unused ones cost nothing).

-- name: cond_flags
-- SYN without ACK is mask 0x12, value 0x02 (PacketRecord.IsSyn); every TCP packet is 0, 0.
bitAnd(flags, {flag_mask:UInt8}) = {flag_value:UInt8}

-- name: cond_window
-- The analysis window [from, to), nanoseconds since the epoch.
ts_ns >= {from_ns:Int64} AND ts_ns < {to_ns:Int64}

-- name: cond_destinations
-- Destinations inside the telescope: address ranges [lo, hi], one per prefix.
arrayExists((lo, hi) -> dst >= lo AND dst <= hi, {dst_lo:Array(UInt32)}, {dst_hi:Array(UInt32)})

-- name: cond_tools
-- The packet's toolchain tag (Toolchain, 0-31) is in a set given as a bit mask.
bitAnd(bitShiftRight({tool_mask:UInt64}, tool), 1) = 1

-- name: cond_ports
-- Destination ports inside ranges [lo, hi].
arrayExists((lo, hi) -> dport >= lo AND dport <= hi, {port_lo:Array(UInt16)}, {port_hi:Array(UInt16)})

-- name: cond_sources
-- Sources in a list (the members of clusters, for the confirmation's second pass).
src IN (SELECT arrayJoin({sources:Array(UInt32)}))

-- name: window_start
-- The default window start: the start of the bin holding the earliest selected packet,
-- floor(min_ts / b) * b, and the number of such packets (0: no window at all).
SELECT
    intDiv(min(ts_ns), {bin_ns:Int64}) * {bin_ns:Int64} AS window_start_ns,
    count() AS packets
FROM {database:Identifier}.{target:Identifier}
WHERE {where:Condition} AND ts_ns >= 0

-- name: source_features
-- One row per source over the selected packets (the feature filter inside [window_start,
-- window_end)), with bins of width b = bin_seconds (bin_ns = b in nanoseconds):
--   bin          = floor((ts - window_start) / b)            (ts >= window_start, so intDiv is floor)
--   destinations = number of unique destination addresses
--   ports        = number of unique destination ports
--   period       = mean gap in seconds between consecutive active bins
--                = (last_bin - first_bin) * b / (active_bins - 1), and b when one bin is active
--   start        = first_bin * b, seconds since the window start
--   activity     = active_bins * b
-- plus packets, first and last seen (ns), the bin numbers the three time features come from,
-- the smallest and largest TTL and the toolchain tags seen as a bit mask (bit t = Toolchain t).
-- Exact counts (uniqExact), never estimates, so results equal the in-process features.
SELECT
    src,
    uniqExact(dst) AS destinations,
    uniqExact(dport) AS ports,
    count() AS packets,
    min(ts_ns) AS first_seen_ns,
    max(ts_ns) AS last_seen_ns,
    min(bin) AS first_bin,
    max(bin) AS last_bin,
    uniqExact(bin) AS active_bins,
    if(active_bins = 1,
       toFloat64({bin_seconds:Int64}),
       toFloat64((last_bin - first_bin) * {bin_seconds:Int64}) / toFloat64(active_bins - 1)) AS period,
    toFloat64(first_bin * {bin_seconds:Int64}) AS start,
    toFloat64(active_bins * {bin_seconds:Int64}) AS activity,
    min(ttl) AS ttl_min,
    max(ttl) AS ttl_max,
    groupBitOr(bitShiftLeft(toUInt32(1), tool)) AS tool_mask
FROM
(
    SELECT src, dst, dport, ts_ns, ttl, tool, intDiv(ts_ns - {window_start_ns:Int64}, {bin_ns:Int64}) AS bin
    FROM {database:Identifier}.{target:Identifier}
    WHERE {where:Condition}
      AND ts_ns >= {window_start_ns:Int64}
      AND ts_ns < {window_end_ns:Int64}
)
GROUP BY src
ORDER BY src

-- name: source_ports
-- Per source, the port_limit smallest destination ports it used and the unique destinations of
-- each (features.csv's ports_list and port_destinations), over the same packets as source_features.
SELECT
    src,
    arrayMap(x -> tupleElement(x, 1), kept) AS ports,
    arrayMap(x -> tupleElement(x, 2), kept) AS destinations
FROM
(
    SELECT src, arraySlice(arraySort(groupArray((dport, destinations))), 1, {port_limit:UInt64}) AS kept
    FROM
    (
        SELECT src, dport, uniqExact(dst) AS destinations
        FROM {database:Identifier}.{target:Identifier}
        WHERE {where:Condition}
        GROUP BY src, dport
    )
    GROUP BY src
)

-- name: telescope_span
-- The packets to the telescope (every stored packet in the window and the telescope, before the
-- feature filter): how many, the first and last time, and how many observers received them.
SELECT count(), min(ts_ns), max(ts_ns), uniqExact(dst)
FROM {database:Identifier}.{target:Identifier}
WHERE {where:Condition}

-- name: telescope_blocks
-- The /24 networks that received anything: the space inferred when none is given.
SELECT DISTINCT bitAnd(dst, 4294967040)
FROM {database:Identifier}.{target:Identifier}
WHERE {where:Condition}

-- name: telescope_minutes
-- Packets per minute (minutes since the epoch): the outages and the uptime denominator.
SELECT intDiv(ts_ns, 60000000000) AS minute, count()
FROM {database:Identifier}.{target:Identifier}
WHERE {where:Condition}
GROUP BY minute

-- name: telescope_observers
-- Per observer: the uptime periods of period_minutes minutes, counted from first_minute, in which
-- it received anything before end_minute. The periods are gathered as 64-bit masks per observer
-- and block of 64 periods (groupBitOr), which merge across shards as cheaply as they fold: 8
-- bytes per observer and block at the initiator instead of a hash-set entry per observer and
-- period (a /8 telescope has 1.7 * 10^7 observers and 1440 periods a day; the data is sharded by
-- source, so every observer's state meets on the initiator). length(bitmaskToArray(x)) counts
-- the bits (18.16 has no bitCount). Only informative periods count (TelescopeModel.InformativePeriods):
-- informative holds one mask per block, and a block past its end reads as 0.
SELECT dst, sum(length(bitmaskToArray(bitAnd(bits, arrayElement({informative:Array(UInt64)}, toUInt64(block) + 1))))) AS periods
FROM
(
    SELECT
        dst,
        intDiv(period, 64) AS block,
        groupBitOrIf(bitShiftLeft(toUInt64(1), toUInt8(period % 64)), minute >= {first_minute:Int64} AND minute < {end_minute:Int64}) AS bits
    FROM
    (
        SELECT dst, intDiv(ts_ns, 60000000000) AS minute, intDiv(greatest(minute - {first_minute:Int64}, 0), {period_minutes:Int64}) AS period
        FROM {database:Identifier}.{target:Identifier}
        WHERE {where:Condition}
    )
    GROUP BY dst, block
)
GROUP BY dst

-- name: telescope_daily
-- Per UTC day (days since the epoch) and /16: the observers that received anything (figure 4.1).
-- uniqExact states merge exactly across shards.
SELECT intDiv(ts_ns, 86400000000000) AS day, bitAnd(dst, 4294901760) AS subnet, uniqExact(dst)
FROM {database:Identifier}.{target:Identifier}
WHERE {where:Condition}
GROUP BY day, subnet

-- name: source_events
-- The selected probes of the sources in cond_sources: time, destination and port, for the scans
-- and the confirmation of each cluster.
SELECT src, ts_ns, dst, dport
FROM {database:Identifier}.{target:Identifier}
WHERE {where:Condition}

-- name: create_result_table
-- A result table (features, clusters, ...) written back by analyze. It is filled under a
-- temporary name and renamed over the old one. {columns:ColumnList} is ScanScope's own
-- placeholder: checked column names with fixed Nullable(T) type names (ClickHouseSql).
CREATE TABLE {database:Identifier}.{new_table:Identifier}
({columns:ColumnList})
ENGINE = MergeTree()
ORDER BY tuple()

-- name: insert_result_rows
INSERT INTO {database:Identifier}.{new_table:Identifier} FORMAT RowBinary

-- name: drop_table
DROP TABLE IF EXISTS {database:Identifier}.{drop_table:Identifier}

-- name: rename_table
RENAME TABLE {database:Identifier}.{new_table:Identifier} TO {database:Identifier}.{result_table:Identifier}
