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
        // Each port's list made as long as its probes before retries are folded: no growing and copying
        // millions of hits (the lists' growth was a sixth of a fresh analyze's page faults).
        var perPort = new Dictionary<ushort, List<Hit>>();
        var probes = new Dictionary<ushort, int>();
        foreach (var s in sources)
        {
            foreach (var port in s.Ports)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(probes, port, out _)++;
            }
        }

        foreach (var (port, n) in probes)
        {
            perPort[port] = new List<Hit>(n);
        }

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
                if (last.TryGetValue(key, out var previous) && t - previous <= retryWindowNs)
                {
                    continue;
                }

                last[key] = t;
                perPort[s.Ports[i]].Add(new Hit(t, h, d));
            }
        }

        var result = new List<PortHits>(perPort.Count);
        foreach (var (port, list) in perPort.Where(kv => kv.Value.Count > 0).OrderBy(kv => kv.Key))
        {
            // A struct comparison the sort specialises on: several times faster than a delegate on millions of hits.
            CollectionsMarshal.AsSpan(list).Sort();
            result.Add(new PortHits(port, [.. list.Select(x => x.T)], [.. list.Select(x => x.H)], [.. list.Select(x => x.D)]));
        }

        return result;
    }

    /// <summary>One hit: time, host index, destination; ordered by time, then host, then destination.</summary>
    private readonly record struct Hit(long T, int H, uint D) : IComparable<Hit>
    {
        public int CompareTo(Hit other) => T != other.T ? T.CompareTo(other.T) : H != other.H ? H.CompareTo(other.H) : D.CompareTo(other.D);
    }
}
