using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Tests.Capture;

public sealed class PcapNgReaderTests
{
    private static readonly byte[] Pcap = SampleCaptures.Small();

    [Theory]
    [InlineData((byte)6)]
    [InlineData((byte)9)]
    public void OneInterfaceFile_ReadsTheSamePacketsAsThePcap(byte resolution)
    {
        using var ng = PcapNg.FromPcap(Pcap, resolution);
        var expected = Read.Bytes(Pcap);
        var actual = Read.Bytes(ng.Bytes);
        Assert.Equal(expected.Packets, actual.Packets);
        Assert.Equal(expected.Counters.Records, actual.Counters.Records);
        Assert.Equal(expected.Counters.Bytes, actual.Counters.Bytes);
    }

    [Fact]
    public void SeveralInterfaces_UseEachInterfacesLinkTypeResolutionAndOffset()
    {
        var frame = Frames(Pcap)[0];
        var expected = Read.Bytes(Pcap).Packets[0];
        var ipOnly = frame.AsSpan(14).ToArray();
        using var ng = new PcapNg().Section(bigEndian: false)
            .Interface(LinkType.Ethernet, 65535)
            .Interface(LinkType.Raw, 65535, resolution: 9)
            .Interface(LinkType.Ethernet, 65535, resolution: 0x80 | 20, offsetSeconds: 100)
            .Enhanced(0, 1_000_000, frame)
            .Enhanced(1, 2_000_000_123, ipOnly)
            .Enhanced(2, 3UL << 20, frame)
            .Block(0x0BAD, new byte[8]);
        var (packets, c) = Read.Bytes(ng.Bytes);
        Assert.Equal([1_000_000_000L, 2_000_000_123L, 103_000_000_000L], packets.Select(p => p.TimestampNs));
        Assert.All(packets, p => Assert.Equal(expected with { TimestampNs = p.TimestampNs }, p));
        Assert.Equal(2, c.LinkTypes[LinkType.Ethernet]);
        Assert.Equal(1, c.LinkTypes[LinkType.Raw]);
    }

    [Fact]
    public void SeveralSections_WithOtherByteOrder_ResetInterfaces()
    {
        var frames = Frames(Pcap);
        using var ng = new PcapNg().Section(bigEndian: false)
            .Interface(LinkType.Ethernet, 65535)
            .Enhanced(0, 5, frames[0])
            .Section(bigEndian: true)
            .Interface(LinkType.Raw, 65535)
            .Interface(LinkType.Ethernet, 65535)
            .Enhanced(1, 7, frames[1])
            .Enhanced(0, 8, frames[2].AsSpan(14))
            .Enhanced(2, 9, frames[3]);
        var (packets, c) = Read.Bytes(ng.Bytes);
        var expected = Read.Bytes(Pcap).Packets;
        Assert.Equal([5000L, 7000L, 8000L], packets.Select(p => p.TimestampNs));
        Assert.Equal(expected[..3].Select(p => p.Seq), packets.Select(p => p.Seq));
        Assert.Equal(1, c.Skipped(SkipReason.DamagedRecord));
        Assert.Contains("interface 2", c.FirstDamage);
    }

    [Fact]
    public void SimpleAndObsoletePacketBlocks_AreRead()
    {
        var frames = Frames(Pcap);
        using var ng = new PcapNg().Section(bigEndian: false)
            .Interface(LinkType.Ethernet, 0)
            .Obsolete(0, 42, frames[0])
            .Simple(frames[1]);
        var (packets, c) = Read.Bytes(ng.Bytes);
        var expected = Read.Bytes(Pcap).Packets;
        Assert.Equal(expected[0] with { TimestampNs = 42_000 }, packets[0]);
        Assert.Equal(expected[1] with { TimestampNs = 42_000 }, packets[1]);
        Assert.Equal(2, c.Records);
        Assert.Equal(42_000, c.LastTimestampNs);
    }

    [Fact]
    public void BadBlockLength_IsSkipped_AndTheRestIsRead()
    {
        var expected = Read.Bytes(Pcap).Packets;
        var (packets, c) = Read.Bytes(PcapReaderTests.FixtureBytes("bad-block-length.pcapng"));
        Assert.Equal(1, c.Skipped(SkipReason.DamagedRecord));
        Assert.Equal(expected.Count - 1, packets.Count);
        Assert.Equal(expected[4..], packets[3..]);
    }

    [Fact]
    public void FirstBlockNotASectionHeader_IsNotPcapNg()
    {
        using var ng = new PcapNg().Section(bigEndian: false);
        var bytes = ng.Bytes;
        bytes[0] = 1;
        var e = Assert.Throws<CaptureFormatException>(() => Read.Bytes(bytes));
        Assert.Equal(0, e.Offset);
    }

    internal static List<byte[]> Frames(byte[] pcap)
        => [.. SampleCaptures.RecordOffsets(pcap).Select(at => pcap.AsSpan(at + 16, BitConverter.ToInt32(pcap, at + 8)).ToArray())];
}
