using System.Numerics;
using System.Runtime.CompilerServices;

namespace ScanScope.Confirmation;

/// <summary>
/// The cluster's probes to one destination port, merged over its hosts, retries folded, sorted
/// by time: the aggregate hit-time series that scan segmentation cuts.
/// </summary>
internal sealed class PortHits
{
    // The hits in time order in the first Count entries (the array was sized before retries were folded).
    private readonly Hit[] _hits;

    private PortHits(ushort port, Hit[] hits, int count)
    {
        Port = port;
        _hits = hits;
        Count = count;
    }

    public ushort Port { get; }

    public int Count { get; }

    /// <summary>The hits, by (time, host, destination).</summary>
    public ReadOnlySpan<Hit> Hits => _hits.AsSpan(0, Count);

    /// <summary>Time of hit <paramref name="i"/>, ns since the Unix epoch.</summary>
    public long Time(int i) => _hits[i].T;

    /// <summary>Index of the host (into the cluster's source list) that sent hit <paramref name="i"/>.</summary>
    public int Host(int i) => _hits[i].H;

    /// <summary>Destination of hit <paramref name="i"/>.</summary>
    public uint Destination(int i) => _hits[i].D;

    /// <summary>The first hit at or after <paramref name="timeNs"/> (<see cref="Count"/> when none is).</summary>
    /// <remarks>No hit orders before (time, <see cref="int.MinValue"/>, 0) but those of earlier times.</remarks>
    public int FirstAtOrAfter(long timeNs) => SortedSpan.LowerBound(Hits, new Hit(timeNs, int.MinValue, 0));

    /// <summary>
    /// Gives the hits' arrays back for reuse (<see cref="ScratchArrays{T}"/>: a large cluster's ports
    /// hold 10^7 hits, and fresh pages cost more than the work on them); <paramref name="ports"/>
    /// must not be used afterwards. Without the call they are collected as usual.
    /// </summary>
    public static void Release(List<PortHits> ports)
    {
        ArgumentNullException.ThrowIfNull(ports);
        foreach (var p in ports)
        {
            ScratchArrays<Hit>.Return(p._hits);
        }

        ports.Clear();
    }

    /// <summary>
    /// Splits the sources' probes by port. A probe to a destination that the same host probed on
    /// the same port less than <paramref name="retryWindowNs"/> earlier is a retry and is dropped;
    /// probes to addresses outside <paramref name="observers"/> (when given) are dropped.
    /// </summary>
    public static List<PortHits> ByPort(IReadOnlyList<SourceEvents> sources, long retryWindowNs, IReadOnlySet<uint>? observers)
    {
        // Each port's array made as long as its probes before retries are folded: no growing and
        // copying millions of hits. A table over all ports counts the probes and then holds each
        // port's slot; it is left all zero for the next call (recovery calls this per candidate).
        var table = t_portTable ??= new int[ushort.MaxValue + 1];
        var ports = new List<ushort>();
        try
        {
            return ByPort(sources, retryWindowNs, observers, table, ports);
        }
        finally
        {
            foreach (var port in ports)
            {
                table[port] = 0;
            }
        }
    }

    [ThreadStatic]
    private static int[]? t_portTable;

    private static List<PortHits> ByPort(IReadOnlyList<SourceEvents> sources, long retryWindowNs, IReadOnlySet<uint>? observers, int[] slot, List<ushort> ports)
    {
        foreach (var s in sources)
        {
            foreach (var port in s.Ports)
            {
                if (slot[port]++ == 0)
                {
                    ports.Add(port);
                }
            }
        }

        ports.Sort();
        var perPort = new Hit[ports.Count][];
        for (var k = 0; k < ports.Count; k++)
        {
            perPort[k] = ScratchArrays<Hit>.Rent(slot[ports[k]]);
            slot[ports[k]] = k;
        }

        var filled = new int[perPort.Length];
        var last = new RetryTable();
        for (var h = 0; h < sources.Count; h++)
        {
            var s = sources[h];
            last.Reset();
            for (var i = 0; i < s.Count; i++)
            {
                var d = s.Destinations[i];
                if (observers is not null && !observers.Contains(d))
                {
                    continue;
                }

                var t = s.TimesNs[i];
                if (last.IsRetry(((ulong)d << 16) | s.Ports[i], t, retryWindowNs))
                {
                    continue;
                }

                var k = slot[s.Ports[i]];
                perPort[k][filled[k]++] = new Hit(t, h, d);
            }
        }

        // The hits stay in their port's array (an array of structs: 16 bytes a hit, not 16 more for
        // separate columns); one second buffer for the sort serves every port.
        var largest = 0;
        foreach (var n in filled)
        {
            largest = Math.Max(largest, n);
        }

        var result = new List<PortHits>(perPort.Length);
        var scratch = ScratchArrays<Hit>.Rent(largest);
        for (var k = 0; k < perPort.Length; k++)
        {
            var n = filled[k];
            if (n == 0)
            {
                ScratchArrays<Hit>.Return(perPort[k]);
                continue;
            }

            var hits = perPort[k].AsSpan(0, n);
            var sorted = SortByTime(hits, scratch.AsSpan(0, n));
            if (sorted != hits)
            {
                sorted.CopyTo(hits);
            }

            result.Add(new PortHits(ports[k], perPort[k], n));
        }

        ScratchArrays<Hit>.Return(scratch);
        return result;
    }

    /// <summary>
    /// Sorts hits by (time, host, destination) — the order the comparison sort gave — and returns the
    /// span that holds them (<paramref name="hits"/> or <paramref name="scratch"/>).
    /// </summary>
    /// <remarks>
    /// A counting pass over time buckets and a scatter into them, again inside every bucket longer
    /// than a few hits, and an insertion sort of the short ones (most-significant-digit radix sort on
    /// the time, with each level's digit sized to the bucket's own range). Hits of a scan are spread
    /// over time, so two or three levels leave about two hits a bucket; a crowded bucket (a scan of a
    /// day inside a month of stray hits) simply gets one more level, and a burst of one timestamp
    /// ends in one bucket that the comparison sort orders by host and destination. The runtime's introsort of the whole port took ~8% of a
    /// fresh analyze's CPU on the default month.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Span<Hit> SortByTime(Span<Hit> hits, Span<Hit> scratch)
    {
        var n = hits.Length;
        if (n <= SmallBucket)
        {
            InsertionSort(hits);
            return hits;
        }

        long min = long.MaxValue, max = long.MinValue;
        foreach (var hit in hits)
        {
            min = Math.Min(min, hit.T);
            max = Math.Max(max, hit.T);
        }

        if (min == max)
        {
            hits.Sort();
            return hits;
        }

        // At most 2,048 buckets per level: the scatter then writes to few enough places at once to
        // stay in cache, and a large port is sorted in two or three levels of cache-sized buckets.
        var buckets = Math.Min((int)BitOperations.RoundUpToPowerOf2((uint)n) / 2, MaxBuckets);
        var range = (ulong)(max - min);
        var shift = 0;
        while ((range >> shift) >= (ulong)buckets)
        {
            shift++;
        }

        // ends[b] counts, then starts, then (after the scatter) the end of bucket b.
        Span<int> ends = stackalloc int[buckets];
        ends.Clear();
        foreach (var hit in hits)
        {
            var b = (int)((ulong)(hit.T - min) >> shift);
            if (b + 1 < buckets)
            {
                ends[b + 1]++;
            }
        }

        for (var b = 1; b < buckets; b++)
        {
            ends[b] += ends[b - 1];
        }

        foreach (var hit in hits)
        {
            scratch[ends[(int)((ulong)(hit.T - min) >> shift)]++] = hit;
        }

        for (int b = 0, from = 0; b < buckets; from = ends[b++])
        {
            var length = ends[b] - from;
            if (length <= 1)
            {
                continue;
            }

            var bucket = scratch.Slice(from, length);
            if (length <= SmallBucket || shift == 0)
            {
                // shift 0: one time per bucket, ordered by host and destination.
                InsertionSort(bucket);
            }
            else
            {
                // Bucketed again over its own range, which is narrower than this level's bucket width.
                var done = SortByTime(bucket, hits.Slice(from, length));
                if (done != bucket)
                {
                    done.CopyTo(bucket);
                }
            }
        }

        return scratch;
    }

    /// <summary>Buckets up to this long are insertion-sorted.</summary>
    private const int SmallBucket = 24;

    private const int MaxBuckets = 2048;

    // Called for most buckets, which hold two or three hits: inlined into the bucket loop, and the
    // order spelled out (Hit.CompareTo was a call per comparison, ~10% of the sort's samples).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InsertionSort(Span<Hit> hits)
    {
        if (hits.Length > SmallBucket)
        {
            hits.Sort();
            return;
        }

        for (var i = 1; i < hits.Length; i++)
        {
            var x = hits[i];
            var j = i - 1;
            while (j >= 0 && After(hits[j], x))
            {
                hits[j + 1] = hits[j];
                j--;
            }

            hits[j + 1] = x;
        }
    }

    // a orders after b: by time, then host, then destination (as Hit.CompareTo).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool After(in Hit a, in Hit b) => a.T != b.T ? a.T > b.T : a.H != b.H ? a.H > b.H : a.D > b.D;

    /// <summary>
    /// The kept probes of one host in the last retry window, by (destination, port): a probe is a
    /// retry when its key is here. A host's probes come in time order, so a kept probe older than
    /// the window can never make a later one a retry and leaves the table (a ring in time order
    /// says which); the table holds the window's probes, not the host's. Open addressing with linear
    /// probing and deletion by backward shift.
    /// </summary>
    /// <remarks>
    /// The table used to hold every probe of the host (sized to them, emptied by a stamp per host):
    /// 16–24 MB for a month-long host of 10^5–10^6 probes, a cache miss a probe, where the window
    /// holds a handful and stays in the first-level cache. Same result: the property test compares
    /// with the plain definition.
    /// </remarks>
    private sealed class RetryTable
    {
        private const ulong Empty = ulong.MaxValue;
        private ulong[] _keys = NewKeys(16);
        private int _live;

        // The kept probes in the window, oldest first: a ring of _live entries from _head (a power
        // of two long, as the table; the runtime's Queue is not inlined into precompiled code).
        private long[] _times = new long[16];
        private ulong[] _order = new ulong[16];
        private int _head;

        /// <summary>Empties the table for the next host.</summary>
        public void Reset()
        {
            if (_live > 0)
            {
                Array.Fill(_keys, Empty);
            }

            _live = 0;
            _head = 0;
        }

        /// <summary>
        /// True when <paramref name="key"/> (below 2^64 − 1) was kept within <paramref name="windowNs"/>
        /// before <paramref name="timeNs"/>; otherwise the probe is kept (entered with its time).
        /// Times must not decrease between calls.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool IsRetry(ulong key, long timeNs, long windowNs)
        {
            while (_live > 0 && timeNs - _times[_head] > windowNs)
            {
                Remove(_order[_head]);
                _head = (_head + 1) & (_times.Length - 1);
            }

            var mask = _keys.Length - 1;
            var i = Home(key, mask);
            for (var k = _keys[i]; k != Empty; k = _keys[i])
            {
                if (k == key)
                {
                    return true;
                }

                i = (i + 1) & mask;
            }

            _keys[i] = key;
            var tail = (_head + _live) & (_times.Length - 1);
            (_times[tail], _order[tail]) = (timeNs, key);
            if (++_live * 2 > _keys.Length)
            {
                Grow();
            }

            return false;
        }

        private static int Home(ulong key, int mask) => (int)((key * 0x9E3779B97F4A7C15UL) >> 32) & mask;

        private static ulong[] NewKeys(int size)
        {
            var keys = new ulong[size];
            Array.Fill(keys, Empty);
            return keys;
        }

        // Removes key (present) and shifts back the entries after it that probed past its slot.
        private void Remove(ulong key)
        {
            var mask = _keys.Length - 1;
            var i = Home(key, mask);
            while (_keys[i] != key)
            {
                i = (i + 1) & mask;
            }

            for (var j = (i + 1) & mask; _keys[j] != Empty; j = (j + 1) & mask)
            {
                // The entry at j may move to the hole at i when its home is not in (i, j] (cyclically).
                var home = Home(_keys[j], mask);
                if (((j - home) & mask) >= ((j - i) & mask))
                {
                    _keys[i] = _keys[j];
                    i = j;
                }
            }

            _keys[i] = Empty;
            _live--;
        }

        private void Grow()
        {
            // The ring, unrolled from its head into arrays twice as long.
            var (times, order) = (new long[_times.Length * 2], new ulong[_times.Length * 2]);
            for (var k = 0; k < _live; k++)
            {
                var at = (_head + k) & (_times.Length - 1);
                (times[k], order[k]) = (_times[at], _order[at]);
            }

            (_times, _order, _head) = (times, order, 0);
            var old = _keys;
            _keys = NewKeys(old.Length * 2);
            var mask = _keys.Length - 1;
            foreach (var key in old)
            {
                if (key != Empty)
                {
                    var i = Home(key, mask);
                    while (_keys[i] != Empty)
                    {
                        i = (i + 1) & mask;
                    }

                    _keys[i] = key;
                }
            }
        }
    }

    /// <summary>One hit: time, host index, destination; ordered by time, then host, then destination.</summary>
    internal readonly record struct Hit(long T, int H, uint D) : IComparable<Hit>, IComparisonOperators<Hit, Hit, bool>
    {
        public int CompareTo(Hit other) => T != other.T ? T.CompareTo(other.T) : H != other.H ? H.CompareTo(other.H) : D.CompareTo(other.D);

        public static bool operator <(Hit left, Hit right) => left.CompareTo(right) < 0;

        public static bool operator >(Hit left, Hit right) => left.CompareTo(right) > 0;

        public static bool operator <=(Hit left, Hit right) => left.CompareTo(right) <= 0;

        public static bool operator >=(Hit left, Hit right) => left.CompareTo(right) >= 0;
    }
}
