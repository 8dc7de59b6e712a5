using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ScanScope.Confirmation;

/// <summary>
/// The cluster's probes to one destination port, merged over its hosts, retries folded, sorted
/// by time: the aggregate hit-time series that scan segmentation cuts.
/// </summary>
internal sealed class PortHits
{
    private PortHits(ushort port, long[] times, int[] hosts, uint[] destinations)
    {
        Port = port;
        TimesNs = times;
        Hosts = hosts;
        Destinations = destinations;
    }

    public ushort Port { get; }

    public long[] TimesNs { get; }

    /// <summary>Index of the host (into the cluster's source list) that sent each probe.</summary>
    public int[] Hosts { get; }

    public uint[] Destinations { get; }

    public int Count => TimesNs.Length;

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
            perPort[k] = new Hit[slot[ports[k]]];
            slot[ports[k]] = k;
        }

        var filled = new int[perPort.Length];
        var last = new Dictionary<ulong, long>();
        for (var h = 0; h < sources.Count; h++)
        {
            var s = sources[h];
            last.Clear();
            for (var i = 0; i < s.Count; i++)
            {
                var d = s.Destinations[i];
                if (observers is not null && !observers.Contains(d))
                {
                    continue;
                }

                var key = ((ulong)d << 16) | s.Ports[i];
                var t = s.TimesNs[i];
                ref var previous = ref CollectionsMarshal.GetValueRefOrAddDefault(last, key, out var seen);
                if (seen && t - previous <= retryWindowNs)
                {
                    continue;
                }

                previous = t;
                var k = slot[s.Ports[i]];
                perPort[k][filled[k]++] = new Hit(t, h, d);
            }
        }

        var result = new List<PortHits>(perPort.Length);
        var scratch = Array.Empty<Hit>();
        for (var k = 0; k < perPort.Length; k++)
        {
            var n = filled[k];
            if (n == 0)
            {
                continue;
            }

            if (scratch.Length < n)
            {
                scratch = new Hit[n];
            }

            var sorted = SortByTime(perPort[k].AsSpan(0, n), scratch.AsSpan(0, n));
            var (times, hosts, destinations) = (new long[n], new int[n], new uint[n]);
            for (var i = 0; i < n; i++)
            {
                (times[i], hosts[i], destinations[i]) = (sorted[i].T, sorted[i].H, sorted[i].D);
            }

            perPort[k] = [];
            result.Add(new PortHits(ports[k], times, hosts, destinations));
        }

        return result;
    }

    /// <summary>
    /// Sorts hits by (time, host, destination) — the order the comparison sort gave — and returns the
    /// span that holds them (<paramref name="hits"/> or <paramref name="scratch"/>).
    /// </summary>
    /// <remarks>
    /// A counting pass over time buckets (about four hits each) and a comparison sort inside each
    /// bucket. Hits of a scan are spread over time, so the buckets are tiny and the sort is a few
    /// linear passes; a crowded bucket is bucketed again over its own range, and a burst of equal
    /// times ends in one bucket that the comparison sort orders by host and destination. The
    /// runtime's introsort of the whole port took ~8% of a fresh analyze's CPU on the default month.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Span<Hit> SortByTime(Span<Hit> hits, Span<Hit> scratch)
    {
        var n = hits.Length;
        if (n < 256)
        {
            hits.Sort();
            return hits;
        }

        long min = long.MaxValue, max = long.MinValue;
        foreach (var hit in hits)
        {
            min = Math.Min(min, hit.T);
            max = Math.Max(max, hit.T);
        }

        var buckets = (int)BitOperations.RoundUpToPowerOf2((uint)(n / 4));
        var range = (ulong)(max - min);
        var shift = 0;
        while ((range >> shift) >= (ulong)buckets)
        {
            shift++;
        }

        var starts = new int[buckets + 1];
        foreach (var hit in hits)
        {
            starts[(int)((ulong)(hit.T - min) >> shift) + 1]++;
        }

        for (var b = 0; b < buckets; b++)
        {
            starts[b + 1] += starts[b];
        }

        var next = starts.AsSpan(0, buckets).ToArray();
        foreach (var hit in hits)
        {
            scratch[next[(int)((ulong)(hit.T - min) >> shift)]++] = hit;
        }

        for (var b = 0; b < buckets; b++)
        {
            var length = starts[b + 1] - starts[b];
            if (length > 1)
            {
                var bucket = scratch.Slice(starts[b], length);
                if (length >= 256 && shift > 0)
                {
                    // A scan inside a month of stray hits crowds a few buckets: bucket those again by
                    // their own range (at least 64 times narrower, so this ends).
                    var done = SortByTime(bucket, hits.Slice(starts[b], length));
                    if (done != bucket)
                    {
                        done.CopyTo(bucket);
                    }
                }
                else
                {
                    bucket.Sort();
                }
            }
        }

        return scratch;
    }

    /// <summary>One hit: time, host index, destination; ordered by time, then host, then destination.</summary>
    internal readonly record struct Hit(long T, int H, uint D) : IComparable<Hit>
    {
        public int CompareTo(Hit other) => T != other.T ? T.CompareTo(other.T) : H != other.H ? H.CompareTo(other.H) : D.CompareTo(other.D);
    }
}
