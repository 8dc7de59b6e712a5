using ScanScope.Packets;

namespace ScanScope.Features;

/// <summary>Turns folded per-source state into feature rows.</summary>
public static class FeatureTable
{
    /// <summary>
    /// One row per source, ordered by source address. Bins are counted from
    /// <paramref name="binOriginNs"/> in steps of <paramref name="binSeconds"/>; times are reported
    /// relative to <paramref name="windowStartNs"/>, which must be a bin boundary.
    /// </summary>
    public static IReadOnlyList<FeatureRow> Build(SourceAccumulator sources, long binOriginNs, int binSeconds, long windowStartNs)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentOutOfRangeException.ThrowIfLessThan(binSeconds, 1);
        var rows = new FeatureRow[sources.Count];
        var keys = new uint[rows.Length];
        var i = 0;
        foreach (var (src, s) in sources.Sources)
        {
            keys[i] = src;
            rows[i++] = Row(src, s, sources, binOriginNs, binSeconds, windowStartNs);
        }

        Array.Sort(keys, rows);
        return rows;
    }

    private static FeatureRow Row(uint src, in SourceState s, SourceAccumulator sources, long binOriginNs, int b, long windowStartNs)
    {
        var bins = s.Bins.Count;
        var first = s.Bins.Min(sources.Store);
        var last = s.Bins.Max(sources.Store);

        // The gaps between consecutive active bins sum to last − first, so their mean needs no sort.
        var period = bins == 1 ? b : (double)(last - first) * b / (bins - 1);
        var startNs = binOriginNs + ((long)first * b * 1_000_000_000L) - windowStartNs;
        ushort[] portList;
        int[] portDsts;
        var perPort = s.PerPort;
        if (!perPort.Exists)
        {
            portList = [(ushort)s.Ports.Single];
            portDsts = [s.Destinations.Count];
        }
        else
        {
            portList = new ushort[perPort.Count];
            portDsts = new int[portList.Length];
            for (var p = 0; p < portDsts.Length; p++)
            {
                portList[p] = perPort.PortAt(p, sources.Store);
                portDsts[p] = perPort.DestinationsAt(p, sources.Store);
            }
        }

        var tools = new List<Toolchain>();
        for (var t = 0; t < 32; t++)
        {
            if ((s.Tools & (1u << t)) != 0)
            {
                tools.Add((Toolchain)t);
            }
        }

        return new FeatureRow
        {
            Src = src,
            Destinations = s.Destinations.Count,
            Period = period,
            Start = startNs / 1_000_000_000L,
            Activity = (long)bins * b,
            Ports = s.Ports.Count,
            FirstSeenNs = s.FirstNs,
            LastSeenNs = s.LastNs,
            Packets = s.Packets,
            PortList = portList,
            PortDestinations = portDsts,
            Tools = tools,
            TtlMin = s.TtlMin,
            TtlMax = s.TtlMax,
        };
    }
}
