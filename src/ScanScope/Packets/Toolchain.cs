namespace ScanScope.Packets;

/// <summary>
/// The scanning tool a packet's header fingerprint points to (rules in
/// <c>shared/docs/scanner-internals.md</c> §6 and <c>docs/features.md</c>).
/// </summary>
public enum Toolchain : byte
{
    /// <summary>No rule matched.</summary>
    Unknown = 0,

    /// <summary>ZMap up to 4.0: IP ID 54321.</summary>
    ZMap = 1,

    /// <summary>ZMap 4.1 and later (random IP ID): window 65535 with the Windows option layout.</summary>
    ZMapRandomId = 2,

    /// <summary>Masscan: IP ID = (dst ^ dport ^ seq) &amp; 0xFFFF.</summary>
    Masscan = 3,

    /// <summary>Mirai: seq = destination address.</summary>
    Mirai = 4,

    /// <summary>Nmap -sS: window 1024 with MSS 1460 as the only option.</summary>
    Nmap = 5,
}
