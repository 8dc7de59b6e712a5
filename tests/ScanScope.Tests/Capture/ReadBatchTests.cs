using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Tests.Capture;

/// <summary><see cref="IPacketReader.ReadBatch"/> hands out exactly what <see cref="IPacketReader.TryRead"/> does, counters included.</summary>
public sealed class ReadBatchTests
{
    public static TheoryData<string> Captures() =>
    [
        "demo-telescope.pcap.gz",
        "damaged/truncated-record.pcap",
        "damaged/truncated-header.pcap",
        "damaged/caplen-beyond-snaplen.pcap",
        "damaged/caplen-beyond-file.pcap",
        "damaged/garbage-in-record.pcap",
        "damaged/cut.pcap.gz",
        "damaged/bad-block-length.pcapng",
        "damaged/truncated-block.pcapng",
    ];

    [Theory]
    [MemberData(nameof(Captures))]
    public void AnyBatchAndWindowSize_GivesThePacketsAndCountersOfTryRead(string name)
    {
        var path = TestFiles.Fixture(name);
        foreach (var window in new[] { 97, 4096, 1 << 20 })
        {
            var options = CaptureReadOptions.Default with { BufferSize = window };
            var (expected, expectedCounters) = Read.All(path, options);
            foreach (var batch in new[] { 1, 7, 4096 })
            {
                var (actual, counters) = ReadInBatches(path, options, batch);
                Assert.Equal(expected, actual);
                AssertSameCounters(expectedCounters, counters);
            }
        }
    }

    [Fact]
    public void FilteredPcap_GivesThePacketsAndCountersOfTryRead()
    {
        using var files = new TestFiles();
        var demo = Read.All(TestFiles.Fixture("demo-telescope.pcap.gz")).Packets;
        using var ms = new MemoryStream();
        using (var writer = new PcapWriter(ms, LinkType.Ethernet, ownsStream: false))
        {
            foreach (var p in demo)
            {
                writer.Write(p);
            }
        }

        var plain = files.Write("demo.pcap", ms.ToArray());
        var options = CaptureReadOptions.Default with { BufferSize = 1000, Filter = new PacketFilter { SynOnly = true } };
        var (expected, expectedCounters) = Read.All(plain, options);
        var (actual, counters) = ReadInBatches(plain, options, 64);
        Assert.NotEmpty(expected);
        Assert.True(expectedCounters.Skipped(SkipReason.Filtered) > 0);
        Assert.Equal(expected, actual);
        AssertSameCounters(expectedCounters, counters);
    }

    private static (List<PacketRecord> Packets, CaptureCounters Counters) ReadInBatches(string path, CaptureReadOptions options, int batch)
    {
        using var reader = CaptureReader.Open(path, options);
        var packets = new List<PacketRecord>();
        var buffer = new PacketRecord[batch];
        int n;
        while ((n = reader.ReadBatch(buffer)) > 0)
        {
            packets.AddRange(buffer.AsSpan(0, n));
        }

        Assert.Equal(0, reader.ReadBatch(buffer));
        return (packets, reader.Counters);
    }

    private static void AssertSameCounters(CaptureCounters expected, CaptureCounters actual)
    {
        Assert.Equal(expected.Records, actual.Records);
        Assert.Equal(expected.Bytes, actual.Bytes);
        Assert.Equal(expected.Packets, actual.Packets);
        Assert.Equal(expected.FirstTimestampNs, actual.FirstTimestampNs);
        Assert.Equal(expected.LastTimestampNs, actual.LastTimestampNs);
        Assert.Equal(expected.FirstDamage, actual.FirstDamage);
        Assert.Equal(expected.LinkTypes, actual.LinkTypes);
        foreach (var reason in Enum.GetValues<SkipReason>())
        {
            Assert.Equal(expected.Skipped(reason), actual.Skipped(reason));
        }
    }
}
