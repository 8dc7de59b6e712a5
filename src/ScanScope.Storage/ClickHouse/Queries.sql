-- Every SQL statement ScanScope sends to ClickHouse, in one file. ClickHouseSql loads the
-- blocks by name ("-- name: x" starts a block; comments above the SQL say what it does).
--
-- Placeholders use ClickHouse's own query-parameter syntax, {name:Type}. Servers from 19.x on
-- could take them as HTTP parameters; the Debian 18.16 server cannot, so ClickHouseSql fills
-- them in itself, and only from typed values: Int64/UInt64/UInt8 placeholders from C# integers
-- (formatted as digits), Identifier placeholders from names matching [A-Za-z_][A-Za-z0-9_]*
-- (then back-quoted). No string a user types is ever pasted into this SQL.
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

-- name: window_start
-- The default window start: the start of the bin holding the earliest packet that passes the
-- filter, floor(min_ts / b) * b, and the number of such packets (0: no window at all).
SELECT
    intDiv(min(ts_ns), {bin_ns:Int64}) * {bin_ns:Int64} AS window_start_ns,
    count() AS packets
FROM {database:Identifier}.{target:Identifier}
WHERE bitAnd(flags, {flag_mask:UInt8}) = {flag_value:UInt8} AND ts_ns >= 0

-- name: source_features
-- One row per source over the packets that pass the filter inside [window_start, window_end),
-- with bins of width b = bin_seconds (bin_ns = b in nanoseconds):
--   bin          = floor((ts - window_start) / b)            (ts >= window_start, so intDiv is floor)
--   destinations = number of unique destination addresses
--   ports        = number of unique destination ports
--   period       = mean gap in seconds between consecutive active bins
--                = (last_bin - first_bin) * b / (active_bins - 1), and b when one bin is active
--   start        = first_bin * b, seconds since the window start
--   activity     = active_bins * b
-- plus packets, first and last seen (ns) and the bin numbers the three time features come from.
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
    toFloat64(active_bins * {bin_seconds:Int64}) AS activity
FROM
(
    SELECT src, dst, dport, ts_ns, intDiv(ts_ns - {window_start_ns:Int64}, {bin_ns:Int64}) AS bin
    FROM {database:Identifier}.{target:Identifier}
    WHERE bitAnd(flags, {flag_mask:UInt8}) = {flag_value:UInt8}
      AND ts_ns >= {window_start_ns:Int64}
      AND ts_ns < {window_end_ns:Int64}
)
GROUP BY src
ORDER BY src

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
