using System.Buffers.Binary;
using System.Security.Cryptography;
using ScanScope.Packets;

namespace ScanScope.Simulation;

/// <summary>
/// Header layouts of the simulated tools (scanner-internals §3, §5, §6). The TTL is the initial
/// TTL minus the source's hop count, as a telescope records it.
/// </summary>
internal static class ProbeHeaders
{
    public static readonly TcpOptionLayout WindowsOptions = TcpOptionLayout.Of(
        TcpOptionKind.Mss, TcpOptionKind.Nop, TcpOptionKind.WindowScale, TcpOptionKind.Nop, TcpOptionKind.Nop, TcpOptionKind.SackPermitted);

    public static readonly TcpOptionLayout LinuxOptions = TcpOptionLayout.Of(
        TcpOptionKind.Mss, TcpOptionKind.SackPermitted, TcpOptionKind.Timestamps, TcpOptionKind.Nop, TcpOptionKind.WindowScale);

    /// <summary>Masscan 1.3.2: IP ID = (dst ^ dport ^ seq) &amp; 0xFFFF, window 1024, TTL 255, no options.</summary>
    public static PacketRecord Masscan(uint src, uint dst, ushort sport, ushort dport, uint seq, byte hops, long ns) => new()
    {
        TimestampNs = ns, Src = src, Dst = dst, SrcPort = sport, DstPort = dport, Seq = seq,
        IpId = (ushort)((dst ^ dport ^ seq) & 0xFFFF), Ttl = (byte)(255 - hops), Window = 1024, Flags = TcpFlags.Syn,
    };

    /// <summary>Mirai: seq = destination address, TTL 64, random IP ID, per-bot window and source port.</summary>
    public static PacketRecord Mirai(uint src, uint dst, ushort sport, ushort dport, ushort window, ushort ipId, byte hops, long ns) => new()
    {
        TimestampNs = ns, Src = src, Dst = dst, SrcPort = sport, DstPort = dport, Seq = dst,
        IpId = ipId, Ttl = (byte)(64 - hops), Window = window, Flags = TcpFlags.Syn,
    };
}

/// <summary>
/// ZMap's tcp_synscan probe for one run of one host: seq and source port come from AES-128 under a
/// random per-run key applied to [src, dst, (dport,) 0]; 4.x also takes its IP ID from it.
/// </summary>
internal sealed class ZmapProber : IDisposable
{
    private const int FirstPort = 32768;
    private const int PortCount = 61000 - 32768 + 1;
    private readonly Aes _aes;
    private readonly ZmapVersion _version;
    private readonly uint _src;
    private readonly byte _hops;

    public ZmapProber(ZmapVersion version, uint src, byte hops, Random random)
    {
        var key = new byte[16];
        random.NextBytes(key);
        _aes = Aes.Create();
        _aes.Key = key;
        _version = version;
        _src = src;
        _hops = hops;
    }

    public PacketRecord Make(uint dst, ushort dport, int probe, long ns)
    {
        Span<byte> block = stackalloc byte[16];
        Span<byte> output = stackalloc byte[16];
        block.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(block, _src);
        BinaryPrimitives.WriteUInt32BigEndian(block[4..], dst);
        if (_version == ZmapVersion.V4)
        {
            // dport in packet byte order, zero-extended to a 32-bit word.
            BinaryPrimitives.WriteUInt16BigEndian(block[8..], dport);
        }

        _aes.EncryptEcb(block, output, PaddingMode.None);
        var seq = BinaryPrimitives.ReadUInt32BigEndian(output);
        var v1 = BinaryPrimitives.ReadUInt32LittleEndian(output[4..]);
        var sport = (ushort)(FirstPort + (int)((v1 + (ulong)probe) % PortCount));
        var v4 = _version == ZmapVersion.V4;
        return new PacketRecord
        {
            TimestampNs = ns,
            Src = _src,
            Dst = dst,
            SrcPort = sport,
            DstPort = dport,
            Seq = seq,
            IpId = v4 ? BinaryPrimitives.ReadUInt16BigEndian(output[12..]) : (ushort)54321,
            Ttl = (byte)((v4 ? 64 : 255) - _hops),
            Window = 65535,
            Flags = TcpFlags.Syn,
            Options = v4 ? ProbeHeaders.WindowsOptions : TcpOptionLayout.Empty,
            Mss = v4 ? (ushort)1460 : (ushort)0,
            WindowScale = v4 ? (byte)8 : (byte)0,
        };
    }

    public void Dispose() => _aes.Dispose();
}
