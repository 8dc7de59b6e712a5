using System.Collections.ObjectModel;
using ScanScope.Packets;

namespace ScanScope.Features;

/// <summary>Turns folded per-source state into feature rows.</summary>
public static class FeatureTable
{
    private static readonly ReadOnlyCollection<Toolchain>?[] ToolLists = new ReadOnlyCollection<Toolchain>?[1 << 8];

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

    /// <summary>
    /// One row per source of several accumulators that share no source (partitions of one
    /// analysis), ordered by source address; each partition's rows are built on its own thread.
    /// </summary>
    /// <exception cref="InvalidOperationException">Two accumulators hold the same source.</exception>
    public static IReadOnlyList<FeatureRow> Build(IReadOnlyList<SourceAccumulator> parts, long binOriginNs, int binSeconds, long windowStartNs)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 1)
        {
            return Build(parts[0], binOriginNs, binSeconds, windowStartNs);
        }

        var sorted = new IReadOnlyList<FeatureRow>[parts.Count];
        Parallel.For(0, parts.Count, i => sorted[i] = Build(parts[i], binOriginNs, binSeconds, windowStartNs));
        var rows = new FeatureRow[sorted.Sum(r => r.Count)];
        var next = new int[sorted.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var best = -1;
            for (var p = 0; p < sorted.Length; p++)
            {
                if (next[p] < sorted[p].Count && (best < 0 || sorted[p][next[p]].Src <= sorted[best][next[best]].Src))
                {
                    if (best >= 0 && sorted[p][next[p]].Src == sorted[best][next[best]].Src)
                    {
                        throw new InvalidOperationException($"source {sorted[p][next[p]].Src} is in two partitions");
                    }

                    best = p;
                }
            }

            rows[i] = sorted[best][next[best]++];
        }

        return rows;
    }

    // Rows share one read-only list per combination of tags: a list per row was a fifth of the table's allocations.
    private static ReadOnlyCollection<Toolchain> ToolsOf(uint mask)
    {
        if (mask >= (uint)ToolLists.Length)
        {
            return Array.AsReadOnly(Tags(mask));
        }

        return ToolLists[mask] ??= Array.AsReadOnly(Tags(mask));

        static Toolchain[] Tags(uint mask)
        {
            var tags = new List<Toolchain>();
            for (var t = 0; t < 32; t++)
            {
                if ((mask & (1u << t)) != 0)
                {
                    tags.Add((Toolchain)t);
                }
            }

            return [.. tags];
        }
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
            Tools = ToolsOf(s.Tools),
            TtlMin = s.TtlMin,
            TtlMax = s.TtlMax,
        };
    }
}
