using ScanScope.Capture;
using ScanScope.Packets;
using ScanScope.Pipeline;

namespace ScanScope.Tests.Features;

/// <summary>Small captures built in memory for the feature and telescope tests.</summary>
internal static class TestCaptures
{
    /// <summary>2023-11-14 22:10:00 UTC: a multiple of 300 s, so a bin boundary and a minute boundary.</summary>
    public const long T0 = 1_699_999_800L;

    public static uint Ip(string dotted) => ScanScope.Telescope.TelescopeBlock.Parse(dotted).Network;

    public static PacketRecord Syn(string src, string dst, ushort port, double secondsAfterT0, byte ttl = 64, ushort ipId = 1) => new()
    {
        TimestampNs = (T0 * 1_000_000_000L) + (long)Math.Round(secondsAfterT0 * 1e6) * 1000,
        Src = Ip(src),
        Dst = Ip(dst),
        SrcPort = 40000,
        DstPort = port,
        Flags = TcpFlags.Syn,
        Ttl = ttl,
        IpId = ipId,
        Window = 65535,
        Seq = 1,
    };

    public static PacketRecord Ack(string src, string dst, double secondsAfterT0) => Syn(src, dst, 443, secondsAfterT0) with { Flags = TcpFlags.Ack | TcpFlags.Rst };

    public static byte[] Pcap(IEnumerable<PacketRecord> packets)
    {
        using var ms = new MemoryStream();
        using (var writer = new PcapWriter(ms, LinkType.Ethernet, nanoseconds: true, ownsStream: false))
        {
            foreach (var p in packets)
            {
                writer.Write(p);
            }
        }

        return ms.ToArray();
    }

    public static PacketSource Source(string name, IEnumerable<PacketRecord> packets)
    {
        var bytes = Pcap(packets);
        return new PacketSource(name, () => new PcapReader(new MemoryStream(bytes), name));
    }

    public static AnalysisResult Analyze(IEnumerable<PacketRecord> packets, AnalysisOptions? options = null)
        => Analysis.Run([Source("golden.pcap", packets)], options ?? new AnalysisOptions(), TestContext.Current.CancellationToken);

    /// <summary>
    /// Hands out packets from memory (already fingerprinted, as the capture stage does); with
    /// <paramref name="failAfter"/> ≥ 0 it throws <see cref="InvalidDataException"/> after that many.
    /// </summary>
    public sealed class ListReader(IEnumerable<PacketRecord> packets, int failAfter = -1) : IPacketReader
    {
        private readonly IEnumerator<PacketRecord> _packets = packets.GetEnumerator();

        public CaptureCounters Counters { get; } = new();

        public bool TryRead(out PacketRecord packet)
        {
            if (Counters.Packets == failAfter)
            {
                throw new InvalidDataException("damaged on purpose");
            }

            var more = _packets.MoveNext();
            packet = more ? _packets.Current : default;
            if (more)
            {
                Counters.Records++;
                Counters.Packets++;
            }

            return more;
        }

        public void Dispose() => _packets.Dispose();
    }
}
