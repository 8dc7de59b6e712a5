using System.Runtime.CompilerServices;

namespace ScanScope.Packets;

/// <summary>
/// Tags a packet with the scanning tool whose header fingerprint it matches (rules of
/// <c>shared/docs/scanner-internals.md</c> §6, written from each tool's source).
/// </summary>
/// <remarks>
/// Only connection attempts (SYN without ACK) are tagged: the rules describe probes, and a reply
/// or data segment that happens to satisfy an equation says nothing about a scanner.
/// The rules are tried in this order, exact equations before layout rules:
/// <list type="number">
/// <item>ZMap ≤ 4.0: IP ID 54321 with window 65535 (every ZMap version sends window 65535; the
/// window check keeps the 1-in-65536 random-IP-ID packets of other senders out).</item>
/// <item>Mirai: seq equals the destination address.</item>
/// <item>Masscan: IP ID = (dst ^ dport ^ seq) &amp; 0xFFFF.</item>
/// <item>ZMap ≥ 4.1 (random IP ID): window 65535 and exactly the options
/// MSS 1460, NOP, WS 8, NOP, NOP, SACK-permitted.</item>
/// <item>Nmap -sS: window 1024 with MSS 1460 as the only option (44-byte IP packet).</item>
/// </list>
/// </remarks>
public static class Fingerprints
{
    /// <summary>The IP ID every ZMap probe up to 4.0 carries.</summary>
    public const ushort ZMapIpId = 54321;

    /// <summary>ZMap 4.x default (<c>--probe-args=windows</c>) option string.</summary>
    public static readonly TcpOptionLayout ZMapWindowsLayout = TcpOptionLayout.Of(
        TcpOptionKind.Mss, TcpOptionKind.Nop, TcpOptionKind.WindowScale, TcpOptionKind.Nop, TcpOptionKind.Nop, TcpOptionKind.SackPermitted);

    /// <summary>Nmap's SYN probe options: MSS only.</summary>
    public static readonly TcpOptionLayout MssOnlyLayout = TcpOptionLayout.Of(TcpOptionKind.Mss);

    /// <summary>The toolchain of <paramref name="p"/> (the readers set <see cref="PacketRecord.Tool"/> with it).</summary>
    public static Toolchain Classify(in PacketRecord p)
        => Classify(p.Flags, p.IpId, p.Dst, p.DstPort, p.Seq, p.Window, p.Options, p.Mss, p.WindowScale, p.IpTotalLength);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Toolchain Classify(
        TcpFlags flags, ushort ipId, uint dst, ushort dstPort, uint seq, ushort window, TcpOptionLayout options, ushort mss, byte windowScale, ushort ipTotalLength)
    {
        if ((flags & (TcpFlags.Syn | TcpFlags.Ack)) != TcpFlags.Syn)
        {
            return Toolchain.Unknown;
        }

        if (ipId == ZMapIpId && window == 65535)
        {
            return Toolchain.ZMap;
        }

        if (seq == dst)
        {
            return Toolchain.Mirai;
        }

        if (ipId == (ushort)(dst ^ dstPort ^ seq))
        {
            return Toolchain.Masscan;
        }

        if (window == 65535 && options == ZMapWindowsLayout && mss == 1460 && windowScale == 8)
        {
            return Toolchain.ZMapRandomId;
        }

        if (window == 1024 && options == MssOnlyLayout && mss == 1460 && ipTotalLength == 44)
        {
            return Toolchain.Nmap;
        }

        return Toolchain.Unknown;
    }

    /// <summary>Short lower-case name used on the command line and in outputs (zmap, zmap-random-id, masscan, mirai, nmap, unknown).</summary>
    public static string Name(Toolchain tool) => tool switch
    {
        Toolchain.ZMap => "zmap",
        Toolchain.ZMapRandomId => "zmap-random-id",
        Toolchain.Masscan => "masscan",
        Toolchain.Mirai => "mirai",
        Toolchain.Nmap => "nmap",
        _ => "unknown",
    };

    /// <summary>
    /// Parses a tool name; "zmap" names both ZMap tags (classic and random IP ID) as a set, so
    /// <c>--tool zmap</c> keeps every ZMap version.
    /// </summary>
    public static bool TryParse(string name, out ToolchainSet tools)
    {
        tools = name?.Trim().ToLowerInvariant() switch
        {
            "zmap" => ToolchainSet.Of(Toolchain.ZMap, Toolchain.ZMapRandomId),
            "zmap-classic" => ToolchainSet.Of(Toolchain.ZMap),
            "zmap-random-id" => ToolchainSet.Of(Toolchain.ZMapRandomId),
            "masscan" => ToolchainSet.Of(Toolchain.Masscan),
            "mirai" => ToolchainSet.Of(Toolchain.Mirai),
            "nmap" => ToolchainSet.Of(Toolchain.Nmap),
            "unknown" => ToolchainSet.Of(Toolchain.Unknown),
            _ => default,
        };
        return !tools.IsEmpty;
    }
}
