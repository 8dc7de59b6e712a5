using ScanScope.Capture;
using ScanScope.Packets;
using ScanScope.Pipeline;
using static ScanScope.Tests.Features.TestCaptures;

namespace ScanScope.Tests.Features;

public sealed class SourceExtrasTests
{
    [Fact]
    public void ToolTagsAndTtlRange_MergeAcrossInputs()
    {
        PacketRecord[] first = [Syn("1.1.1.1", "10.0.0.1", 80, 10, ttl: 250) with { Tool = Toolchain.ZMap }];
        PacketRecord[] second = [Syn("1.1.1.1", "10.0.0.2", 80, 20, ttl: 37) with { Tool = Toolchain.Masscan }, Syn("1.1.1.1", "10.0.0.3", 80, 30, ttl: 99)];

        var r = Analysis.Run(
            [new PacketSource("a", () => new ListReader(first)), new PacketSource("b", () => new ListReader(second))],
            new AnalysisOptions { Threads = 2 },
            TestContext.Current.CancellationToken);
        var row = Assert.Single(r.Features);
        using var csv = new StringWriter();
        AnalysisWriter.WriteFeatures(r.Features, csv);

        Assert.Equal([Toolchain.Unknown, Toolchain.ZMap, Toolchain.Masscan], row.Tools);
        Assert.Equal((37, 250), (row.TtlMin, row.TtlMax));
        Assert.Contains(",unknown;zmap;masscan,37,250,", csv.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void PortList_KeepsTheSmallestPortsWithExactDestinationCounts()
    {
        var packets = new List<PacketRecord>();
        ushort[] ports = [9000, 22, 443, 80, 8080, 23];
        for (var i = 0; i < ports.Length; i++)
        {
            for (var d = 0; d <= i; d++)
            {
                packets.Add(Syn("1.1.1.1", $"10.0.0.{d}", ports[i], i));
            }
        }

        var row = Assert.Single(Analyze(packets, new AnalysisOptions { PortListLimit = 3 }).Features);

        Assert.Equal(6, row.Ports);
        Assert.Equal(6, row.Destinations);
        Assert.Equal([22, 23, 80], row.PortList);
        Assert.Equal([2, 6, 4], row.PortDestinations);
    }
}
