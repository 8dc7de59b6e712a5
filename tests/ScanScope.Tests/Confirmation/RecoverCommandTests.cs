using ScanScope.Capture;
using ScanScope.Confirmation;
using ScanScope.Packets;
using static ScanScope.Tests.Confirmation.SyntheticScans;

namespace ScanScope.Tests.Confirmation;

[Collection(ConsoleCollection.Name)]
public sealed class RecoverCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scanscope-recover-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RecoverVerb_ReadsTheAnalysisFolderAndCaptures_AndRanksTheHeldApartHostsFirst()
    {
        // Given a capture with a 30-host group (8 held apart from cluster 3, starting late) and a second group on the same port.
        var s = new SyntheticScans(21, telescopeBits: 14);
        var group = s.Hosts(30);
        var heldApart = group.Take(8).ToHashSet();
        s.Scan(group, 443, Hour, 4 * Hour, offset: i => heldApart.Contains(group[i]) ? Hour : 0);
        var strangers = s.Hosts(20, sameSubnet: false);
        s.Scan(strangers, 443, Hour, 4 * Hour);
        var events = s.Build();
        WriteCapture(Path.Combine(_dir, "capture.pcap"), events.Values);
        File.WriteAllLines(Path.Combine(_dir, "clusters.csv"),
            ["src_ip,cluster_id", .. events.Keys.Select(h => $"{ConfirmationTables.Address(h)},{(heldApart.Contains(h) ? -1 : group.Contains(h) ? 3 : 5)}")]);
        File.WriteAllText(Path.Combine(_dir, "summary.json"), $$$"""{"telescope": {"active_observers": {{{s.Observers}}}}}""");

        // When
        var code = ScanScope.Cli.Cli.Run(["recover", "--cluster", "3", "--analysis", _dir, Path.Combine(_dir, "capture.pcap")]);

        // Then
        Assert.Equal(0, code);
        var rows = File.ReadAllLines(Path.Combine(_dir, "recovery_cluster_3.csv"));
        Assert.StartsWith("cluster_id,rank,src_ip,score", rows[0], StringComparison.Ordinal);
        var found = rows.Skip(1).Select(r => r.Split(',')[2]).ToArray();
        Assert.Equal(heldApart.Select(ConfirmationTables.Address).Order(), found.Order());
    }

    [Fact]
    public void RecoverVerb_WithoutObservers_FailsWithOneLineAndCode2()
    {
        File.WriteAllLines(Path.Combine(_dir, "clusters.csv"), ["src_ip,cluster_id", "10.0.0.1,3"]);
        var capture = Path.Combine(_dir, "c.pcap");
        WriteCapture(capture, []);

        Assert.Equal(2, ScanScope.Cli.Cli.Run(["recover", "--cluster", "3", "--analysis", _dir, capture]));
        Assert.Equal(2, ScanScope.Cli.Cli.Run(["recover", "--cluster", "4", "--analysis", _dir, "--observers", "100", capture]));
    }

    private static void WriteCapture(string path, IEnumerable<SourceEvents> sources)
    {
        var packets = sources
            .SelectMany(e => Enumerable.Range(0, e.Count).Select(i => new PacketRecord
            {
                TimestampNs = e.TimesNs[i], Src = e.Source, Dst = e.Destinations[i], DstPort = e.Ports[i], SrcPort = 40000,
                IpId = 54321, Ttl = 255, Flags = TcpFlags.Syn, Window = 65535,
            }))
            .OrderBy(p => p.TimestampNs);
        using var writer = PcapWriter.Create(path, LinkType.Ethernet, nanoseconds: true);
        foreach (var p in packets)
        {
            writer.Write(p);
        }
    }
}
