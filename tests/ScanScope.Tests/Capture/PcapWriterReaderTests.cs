using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Tests.Capture;

public sealed class PcapWriterReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WrittenPackets_ReadBackWithEveryField(bool nanoseconds)
    {
        var packets = new[]
        {
            new PacketRecord
            {
                TimestampNs = 1_700_000_000_123_456_000, Src = 0x01020304, Dst = 0x2C0A0001, SrcPort = 40000, DstPort = 80,
                IpId = 54321, Ttl = 255, Flags = TcpFlags.Syn, Seq = 0xDEADBEEF, Window = 65535,
            },
            new PacketRecord
            {
                TimestampNs = 1_700_000_001_000_000_789, Src = 0x05060708, Dst = 0x2C0A0102, SrcPort = 61000, DstPort = 443,
                IpId = 1234, Ttl = 64, Flags = TcpFlags.Syn, Seq = 7, Window = 65535, Mss = 1460, WindowScale = 8,
                Options = TcpOptionLayout.Of(TcpOptionKind.Mss, TcpOptionKind.Nop, TcpOptionKind.WindowScale, TcpOptionKind.Nop, TcpOptionKind.Nop, TcpOptionKind.SackPermitted),
            },
        };
        using var ms = new MemoryStream();
        using (var writer = new PcapWriter(ms, LinkType.Ethernet, nanoseconds, ownsStream: false))
        {
            foreach (var p in packets)
            {
                writer.Write(p);
            }
        }

        ms.Position = 0;
        using var reader = new PcapReader(ms, "mem.pcap");
        var read = new List<PacketRecord>();
        while (reader.TryRead(out var p))
        {
            read.Add(p);
        }

        Assert.Equal(2, read.Count);
        for (var i = 0; i < packets.Length; i++)
        {
            var expectedTs = nanoseconds ? packets[i].TimestampNs : packets[i].TimestampNs / 1000 * 1000;
            var expected = packets[i] with { TimestampNs = expectedTs, IpTotalLength = (ushort)PacketBuilder.IpLength(packets[i]) };
            expected = expected with { Tool = Fingerprints.Classify(expected) };
            Assert.Equal(expected, read[i]);
        }

        Assert.Equal("MSS,NOP,WS,NOP,NOP,SACKOK", read[1].Options.ToString());
        Assert.Equal(Toolchain.ZMap, read[0].Tool);
        Assert.Equal(Toolchain.ZMapRandomId, read[1].Tool);
    }
}
