using System.Buffers.Binary;
using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Tests.Capture;

public sealed class PcapReaderTests
{
    [Fact]
    public void ByteSwappedFile_ReadsLikeTheLittleEndianOne()
    {
        var good = SampleCaptures.Small();
        var swapped = (byte[])good.Clone();
        Swap(swapped, 0, 4);
        Swap(swapped, 4, 2);
        Swap(swapped, 6, 2);
        for (var i = 8; i < 24; i += 4)
        {
            Swap(swapped, i, 4);
        }

        foreach (var at in SampleCaptures.RecordOffsets(good))
        {
            for (var i = 0; i < 16; i += 4)
            {
                Swap(swapped, at + i, 4);
            }
        }

        var expected = Read.Bytes(good);
        var actual = Read.Bytes(swapped);
        Assert.Equal(PcapWriter.MicrosecondMagic, BinaryPrimitives.ReadUInt32BigEndian(swapped));
        Assert.Equal(expected.Packets, actual.Packets);
        Assert.Equal(expected.Counters.Records, actual.Counters.Records);
    }

    [Fact]
    public void NanosecondMagic_KeepsNanoseconds()
    {
        using var ms = new MemoryStream();
        using (var writer = new PcapWriter(ms, LinkType.Ethernet, nanoseconds: true, ownsStream: false))
        {
            writer.Write(new PacketRecord { TimestampNs = 1_700_000_000_123_456_789, Flags = TcpFlags.Syn, Ttl = 9 });
        }

        var (packets, counters) = Read.Bytes(ms.ToArray());
        Assert.Equal(1_700_000_000_123_456_789, Assert.Single(packets).TimestampNs);
        Assert.Equal(1_700_000_000_123_456_789, counters.FirstTimestampNs);
    }

    [Fact]
    public void RecordsStraddlingManySmallReads_ReadTheSameAsOneBigRead()
    {
        var demo = SampleCaptures.DemoTelescope(2000);
        var big = Read.Bytes(demo);
        var small = Read.Bytes(demo, CaptureReadOptions.Default with { BufferSize = 97 });
        Assert.Equal(big.Packets, small.Packets);
        Assert.Equal(1980, big.Packets.Count);
    }

    [Fact]
    public void Counters_CountRecordsBytesSpanAndSkipReasons()
    {
        var demo = SampleCaptures.DemoTelescope(400);
        var (packets, c) = Read.Bytes(demo);
        var offsets = SampleCaptures.RecordOffsets(demo);
        Assert.Equal(400, c.Records);
        Assert.Equal(offsets.Sum(at => (long)BinaryPrimitives.ReadInt32LittleEndian(demo.AsSpan(at + 8))), c.Bytes);
        Assert.Equal(2, c.Skipped(SkipReason.NotTcp));
        Assert.Equal(2, c.Skipped(SkipReason.Ipv6));
        Assert.Equal(396, c.Packets);
        Assert.Equal(396, packets.Count);
        Assert.Equal(packets.Min(p => p.TimestampNs), c.FirstTimestampNs);
        Assert.Equal(400, c.LinkTypes[LinkType.Ethernet]);
    }

    [Fact]
    public void RecordBeyondSnapLength_IsSkippedAndCounted_AndReadingResumes()
    {
        var good = SampleCaptures.Small();
        var bad = FixtureBytes("caplen-beyond-snaplen.pcap");
        var expected = Read.Bytes(good).Packets;
        var (packets, c) = Read.Bytes(bad);
        Assert.Equal(1, c.Skipped(SkipReason.DamagedRecord));
        Assert.Equal(expected.Where((_, i) => i != 10).ToList(), packets.Where(p => expected.Contains(p)).ToList());
        Assert.True(packets.Count >= expected.Count - 2, $"resynced too late: {packets.Count} of {expected.Count}");
        Assert.Contains("byte ", c.FirstDamage);
    }

    [Fact]
    public void RecordBeyondSnapLength_WithStrict_StopsWithFileAndOffset()
    {
        var bad = FixtureBytes("caplen-beyond-snaplen.pcap");
        var offset = SampleCaptures.RecordOffsets(SampleCaptures.Small())[10];
        var e = Assert.Throws<CaptureFormatException>(() => Read.Bytes(bad, CaptureReadOptions.Default with { Strict = true }));
        Assert.Equal(offset, e.Offset);
        Assert.Equal("mem", e.Path);
        Assert.Contains("snap length", e.Message);
    }

    [Fact]
    public void GarbageInsideRecord_IsSkippedAsMalformedNotAsDamage()
    {
        var (packets, c) = Read.Bytes(FixtureBytes("garbage-in-record.pcap"));
        Assert.Equal(0, c.Skipped(SkipReason.DamagedRecord));
        Assert.Equal(1, c.Skipped(SkipReason.Malformed) + c.Skipped(SkipReason.Ipv6) + c.Skipped(SkipReason.NotTcp));
        Assert.Equal(Read.Bytes(SampleCaptures.Small()).Packets.Count - 1, packets.Count);
    }

    internal static byte[] FixtureBytes(string name) => SampleCaptures.Damaged()[name];

    private static void Swap(byte[] b, int at, int n) => Array.Reverse(b, at, n);
}
