namespace ScanScope.Capture;

/// <summary>The pcap link-layer header types ScanScope understands (tcpdump.org/linktypes.html).</summary>
public enum LinkType : ushort
{
    /// <summary>BSD loopback: a 4-byte address family in the sender's byte order.</summary>
    Null = 0,

    /// <summary>Ethernet II, with optional 802.1Q / 802.1ad (QinQ) tags.</summary>
    Ethernet = 1,

    /// <summary>Raw IP (the frame starts with the IP header).</summary>
    Raw = 101,

    /// <summary>OpenBSD loopback (4-byte address family, network order).</summary>
    Loop = 108,

    /// <summary>Linux cooked capture v1 (16-byte header).</summary>
    LinuxSll = 113,

    /// <summary>Raw IPv4.</summary>
    Ipv4 = 228,

    /// <summary>Linux cooked capture v2 (20-byte header).</summary>
    LinuxSll2 = 276,
}
