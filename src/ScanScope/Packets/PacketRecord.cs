namespace ScanScope.Packets;

/// <summary>
/// One IPv4 + TCP packet reduced to the header fields that scanner analysis needs.
/// </summary>
/// <remarks>
/// A value type of 48 bytes so that batches of packets live in arrays without an allocation per
/// packet. Addresses are 32-bit big-endian integers (1.2.3.4 = 0x01020304), the same notation as
/// <c>shared/docs/scanner-internals.md</c>. The sequence and acknowledgement numbers are in host
/// order as the wire's big-endian bytes read them.
/// </remarks>
public readonly record struct PacketRecord
{
    /// <summary>Capture timestamp, nanoseconds since the Unix epoch.</summary>
    public long TimestampNs { get; init; }

    /// <summary>Source address.</summary>
    public uint Src { get; init; }

    /// <summary>Destination address.</summary>
    public uint Dst { get; init; }

    /// <summary>TCP sequence number.</summary>
    public uint Seq { get; init; }

    /// <summary>TCP acknowledgement number.</summary>
    public uint Ack { get; init; }

    /// <summary>Which TCP options are present, in wire order.</summary>
    public TcpOptionLayout Options { get; init; }

    /// <summary>TCP source port.</summary>
    public ushort SrcPort { get; init; }

    /// <summary>TCP destination port.</summary>
    public ushort DstPort { get; init; }

    /// <summary>IPv4 identification field.</summary>
    public ushort IpId { get; init; }

    /// <summary>IPv4 total length field.</summary>
    public ushort IpTotalLength { get; init; }

    /// <summary>TCP window field.</summary>
    public ushort Window { get; init; }

    /// <summary>MSS option value, or 0 when the option is absent.</summary>
    public ushort Mss { get; init; }

    /// <summary>TCP payload length in bytes (from the IP total length, not the captured length).</summary>
    public ushort PayloadLength { get; init; }

    /// <summary>IPv4 time to live.</summary>
    public byte Ttl { get; init; }

    /// <summary>TCP flags (the low eight bits of the flags field).</summary>
    public TcpFlags Flags { get; init; }

    /// <summary>Window scale option shift, or 0 when absent (see <see cref="Options"/>).</summary>
    public byte WindowScale { get; init; }

    /// <summary>The scanning toolchain whose header fingerprint this packet matches.</summary>
    public Toolchain Tool { get; init; }

    /// <summary>True for a SYN without ACK: a connection attempt, which is what a scanner probe is.</summary>
    public bool IsSyn => (Flags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn;
}
