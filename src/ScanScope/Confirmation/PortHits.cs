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
        var perPort = new Dictionary<ushort, List<(long T, int H, uint D)>>();
        var last = new Dictionary<(uint D, ushort P), long>();
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

                var key = (d, s.Ports[i]);
                var t = s.TimesNs[i];
                if (last.TryGetValue(key, out var previous) && t - previous <= retryWindowNs)
                {
                    continue;
                }

                last[key] = t;
                if (!perPort.TryGetValue(s.Ports[i], out var list))
                {
                    list = [];
                    perPort[s.Ports[i]] = list;
                }

                list.Add((t, h, d));
            }
        }

        var result = new List<PortHits>(perPort.Count);
        foreach (var (port, list) in perPort.OrderBy(kv => kv.Key))
        {
            list.Sort((a, b) => a.T != b.T ? a.T.CompareTo(b.T) : a.H != b.H ? a.H.CompareTo(b.H) : a.D.CompareTo(b.D));
            result.Add(new PortHits(port, [.. list.Select(x => x.T)], [.. list.Select(x => x.H)], [.. list.Select(x => x.D)]));
        }

        return result;
    }
}
