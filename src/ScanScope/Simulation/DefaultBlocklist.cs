namespace ScanScope.Simulation;

/// <summary>
/// ZMap's default blocklist: Debian's <c>/etc/zmap/blacklist.conf</c> for 2.1.1, byte-identical to
/// upstream <c>conf/blocklist.conf</c> (scanner-internals §1.6). It blocks 592,708,864 addresses and
/// leaves A = 3,702,258,432 of the IPv4 space allowed.
/// </summary>
public static class DefaultBlocklist
{
    /// <summary>The blocked prefixes, in file order.</summary>
    public static IReadOnlyList<Ipv4Prefix> Prefixes { get; } =
    [
        .. new[]
        {
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
            "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4", "255.255.255.255/32", "224.0.0.0/4",
        }.Select(Ipv4Prefix.Parse),
    ];

    /// <summary>Number of addresses the full IPv4 space keeps after the default blocklist.</summary>
    public const ulong AllowedFullIpv4 = 3_702_258_432;
}
