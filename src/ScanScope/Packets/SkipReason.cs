namespace ScanScope.Packets;

/// <summary>Why a capture record did not become a <see cref="PacketRecord"/>.</summary>
public enum SkipReason : byte
{
    /// <summary>Not skipped: an IPv4 TCP packet.</summary>
    None = 0,

    /// <summary>An IPv6 packet.</summary>
    Ipv6,

    /// <summary>A link-layer payload that is neither IPv4 nor IPv6 (ARP, LLDP, ...).</summary>
    NotIp,

    /// <summary>IPv4 but not TCP (UDP, ICMP, ...).</summary>
    NotTcp,

    /// <summary>An IPv4 fragment (offset ≠ 0 or more-fragments set).</summary>
    Fragment,

    /// <summary>The captured bytes end inside a header (snap length or damage).</summary>
    Truncated,

    /// <summary>Header fields that cannot be right (IHL &lt; 5, TCP data offset &lt; 5, ...).</summary>
    Malformed,

    /// <summary>A link type ScanScope does not decode.</summary>
    UnsupportedLinkType,

    /// <summary>A damaged capture record (bad length), skipped to the next readable record.</summary>
    DamagedRecord,

    /// <summary>Rejected by a packet filter (time window, telescope, ports, toolchain, SYN only).</summary>
    Filtered,
}
