using System.Globalization;
using ScanScope.Packets;

namespace ScanScope.IntegrationTests.Capture;

/// <summary>What tshark says about the IPv4 TCP packets of a file, field by field, in ScanScope's terms.</summary>
internal static class TsharkFields
{
    private static readonly string[] Fields =
    [
        "frame.time_epoch", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "ip.id", "ip.ttl", "ip.len", "tcp.flags",
        "tcp.seq_raw", "tcp.ack_raw", "tcp.window_size_value", "tcp.len", "tcp.options.mss_val", "tcp.options.wscale.shift",
    ];

    /// <summary>Records in the file (any protocol).</summary>
    public static int Frames(string path)
        => LoopbackCapture.Run("tshark", "-r", path, "-T", "fields", "-e", "frame.number").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>The IPv4 TCP packets that are not fragments, as records with the same fields ScanScope fills (Options, Tool left out).</summary>
    public static List<PacketRecord> Packets(string path)
    {
        var args = new List<string> { "-r", path, "-Y", "ip.proto == 6 && ip.flags.mf == 0 && ip.frag_offset == 0 && !icmp", "-T", "fields", "-E", "separator=;" };
        foreach (var f in Fields)
        {
            args.Add("-e");
            args.Add(f);
        }

        var output = LoopbackCapture.Run("tshark", [.. args]);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse)];
    }

    private static PacketRecord Parse(string line)
    {
        var f = line.Split(';');
        var epoch = decimal.Parse(f[0], CultureInfo.InvariantCulture);
        return new PacketRecord
        {
            TimestampNs = (long)(epoch * 1_000_000_000m),
            Src = Address(f[1]),
            Dst = Address(f[2]),
            SrcPort = ushort.Parse(f[3], CultureInfo.InvariantCulture),
            DstPort = ushort.Parse(f[4], CultureInfo.InvariantCulture),
            IpId = (ushort)Number(f[5]),
            Ttl = (byte)Number(f[6]),
            IpTotalLength = (ushort)Number(f[7]),
            Flags = (TcpFlags)(Number(f[8]) & 0xFF),
            Seq = (uint)Number(f[9]),
            Ack = (uint)Number(f[10]),
            Window = (ushort)Number(f[11]),
            PayloadLength = (ushort)Number(f[12]),
            Mss = f[13].Length == 0 ? (ushort)0 : (ushort)Number(f[13]),
            WindowScale = f[14].Length == 0 ? (byte)0 : (byte)Number(f[14]),
        };
    }

    private static long Number(string s) => s.StartsWith("0x", StringComparison.Ordinal)
        ? long.Parse(s.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
        : long.Parse(s, CultureInfo.InvariantCulture);

    private static uint Address(string s) => Cidr.TryParseAddress(s, out var a) ? a : throw new FormatException(s);
}
