using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.IntegrationTests.Capture;

/// <summary>
/// Captures written by real tcpdump (and converted by tshark, mergecap, gzip, zstd) read by
/// ScanScope, compared record by record and field by field with tshark's reading of the same file.
/// </summary>
public sealed class RealPeerTests(LoopbackCapture capture) : IClassFixture<LoopbackCapture>
{
    [Fact]
    public void TcpdumpMicrosecondPcap_EveryFieldMatchesTshark() => AssertMatchesTshark(Need(capture.Micro));

    [Fact]
    public void TcpdumpNanosecondPcap_EveryFieldMatchesTshark()
    {
        var (packets, _) = AssertMatchesTshark(Need(capture.Nano));
        Assert.Contains(packets, p => p.TimestampNs % 1000 != 0);
    }

    [Fact]
    public void TestTraffic_IsInTheCapture_WithHandshakesAndPayloads()
    {
        var (packets, _) = ReadAll(Need(capture.Micro));
        Assert.True(capture.Dropped == 0, $"tcpdump reported {capture.Dropped} packets dropped by the kernel in three recordings: the machine is too loaded for this test");
        var mine = packets.Where(p => p.DstPort == capture.Port || p.SrcPort == capture.Port).ToList();
        Assert.Equal(capture.Connections, mine.Count(p => p.IsSyn && p.DstPort == capture.Port));
        Assert.All(mine.Where(p => p.IsSyn), p => Assert.NotEqual(0, p.Mss));
        Assert.Equal(Enumerable.Range(0, capture.Connections).Sum(i => (i * 97) + 1), mine.Where(p => p.DstPort == capture.Port).Sum(p => p.PayloadLength));
    }

    [Fact]
    public void TsharkPcapNg_ReadsLikeThePcap_AndMatchesTshark()
    {
        var ng = Path.Combine(capture.Root, "tshark.pcapng");
        LoopbackCapture.Run("tshark", "-r", Need(capture.Nano), "-F", "pcapng", "-w", ng);
        var (fromNg, _) = AssertMatchesTshark(ng);
        Assert.Equal(ReadAll(capture.Nano).Packets, fromNg);
    }

    [Fact]
    public void MergecapSeveralInterfaces_AndCatSeveralSections_MatchTshark()
    {
        // A second interface with another link type: raw IPv4 records written by ScanScope's writer.
        var raw = Path.Combine(capture.Root, "raw.pcap");
        using (var w = PcapWriter.Create(raw, LinkType.Raw))
        {
            var t0 = ReadAll(Need(capture.Micro)).Counters.FirstTimestampNs;
            for (var i = 0; i < 20; i++)
            {
                w.Write(new PacketRecord { TimestampNs = t0 + (i * 1000L), Src = 0x0A000001, Dst = 0x2C0A0000u + (uint)i, SrcPort = 40000, DstPort = 80, IpId = 54321, Ttl = 255, Flags = TcpFlags.Syn, Window = 65535, Seq = (uint)i * 7919u });
            }
        }

        var merged = Path.Combine(capture.Root, "merged.pcapng");
        LoopbackCapture.Run("mergecap", "-F", "pcapng", "-w", merged, capture.Micro, raw);
        var (packets, counters) = AssertMatchesTshark(merged);
        Assert.Equal(20, counters.LinkTypes[LinkType.Raw]);
        Assert.Equal(20, packets.Count(p => p.Tool == Toolchain.ZMap && p.Src == 0x0A000001));

        var sections = Path.Combine(capture.Root, "sections.pcapng");
        var nanoNg = Path.Combine(capture.Root, "nano.pcapng");
        LoopbackCapture.Run("tshark", "-r", capture.Nano, "-F", "pcapng", "-w", nanoNg);
        File.WriteAllBytes(sections, [.. File.ReadAllBytes(merged), .. File.ReadAllBytes(nanoNg)]);
        var (both, _) = AssertMatchesTshark(sections);
        Assert.Equal(packets.Count + ReadAll(nanoNg).Packets.Count, both.Count);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    public void CompressedByTheCommandLineTools_ReadsLikeThePcap(string tool)
    {
        var path = Path.Combine(capture.Root, $"lo.{tool}");
        if (LoopbackCapture.Tool(tool) is null)
        {
            Assert.Skip($"{tool} is not installed; ./run-tests installs it");
        }

        File.Copy(Need(capture.Micro), path + ".in", overwrite: true);
        LoopbackCapture.Run(tool, "-q", "-f", path + ".in");
        var compressed = path + ".in" + (tool == "gzip" ? ".gz" : ".zst");
        Assert.Equal(ReadAll(capture.Micro).Packets, ReadAll(compressed).Packets);
    }

    private string Need(string path)
    {
        if (capture.Problem is { } problem)
        {
            Assert.Skip(problem);
        }

        return path;
    }

    private static (List<PacketRecord> Packets, CaptureCounters Counters) AssertMatchesTshark(string path)
    {
        var (packets, counters) = ReadAll(path);
        var expected = TsharkFields.Packets(path);
        Assert.NotEmpty(expected);
        Assert.Equal(TsharkFields.Frames(path), counters.Records);
        Assert.Equal(expected.Count, packets.Count);
        Assert.Equal(0, counters.Skipped(SkipReason.DamagedRecord));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], packets[i] with { Options = default, Tool = default });
            Assert.Equal(Fingerprints.Classify(packets[i]), packets[i].Tool);
        }

        return (packets, counters);
    }

    private static (List<PacketRecord> Packets, CaptureCounters Counters) ReadAll(string path)
    {
        using var reader = CaptureReader.Open(path);
        var list = new List<PacketRecord>();
        while (reader.TryRead(out var p))
        {
            list.Add(p);
        }

        return (list, reader.Counters);
    }
}
