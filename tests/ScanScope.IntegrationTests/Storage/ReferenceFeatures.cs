using ScanScope.Packets;
using ScanScope.Storage.ClickHouse;

namespace ScanScope.IntegrationTests.Storage;

/// <summary>
/// The features of design.md written the plainest way, over a list of packets in memory: the
/// reference the ClickHouse SQL must agree with exactly.
/// </summary>
internal static class ReferenceFeatures
{
    public static FeatureResult Compute(IReadOnlyList<PacketRecord> packets, int binSeconds, long? windowStartNs = null, long? windowEndNs = null)
    {
        var b = binSeconds * 1_000_000_000L;
        var syn = packets.Where(p => p.IsSyn).ToList();
        if (syn.Count == 0)
        {
            return new FeatureResult(0, binSeconds, []);
        }

        var start = windowStartNs ?? FloorDiv(syn.Min(p => p.TimestampNs), b) * b;
        var end = windowEndNs ?? long.MaxValue;
        var rows = syn.Where(p => p.TimestampNs >= start && p.TimestampNs < end)
            .GroupBy(p => p.Src)
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var bins = g.Select(p => FloorDiv(p.TimestampNs - start, b)).Distinct().Order().ToList();
                var first = bins[0];
                var last = bins[^1];
                var period = bins.Count == 1 ? binSeconds : (double)((last - first) * binSeconds) / (bins.Count - 1);
                return new SourceFeatureRow(
                    g.Key,
                    Destinations: g.Select(p => p.Dst).Distinct().Count(),
                    Ports: g.Select(p => p.DstPort).Distinct().Count(),
                    Period: period,
                    Start: first * binSeconds,
                    Activity: bins.Count * binSeconds,
                    Packets: g.Count(),
                    FirstSeenNs: g.Min(p => p.TimestampNs),
                    LastSeenNs: g.Max(p => p.TimestampNs),
                    FirstBin: first,
                    LastBin: last,
                    ActiveBins: bins.Count,
                    TtlMin: g.Min(p => p.Ttl),
                    TtlMax: g.Max(p => p.Ttl),
                    ToolMask: g.Aggregate(0u, (mask, p) => mask | (1u << (int)p.Tool)));
            })
            .ToList();
        return new FeatureResult(start, binSeconds, rows);
    }

    private static long FloorDiv(long a, long b) => (long)Math.Floor((decimal)a / b);
}
