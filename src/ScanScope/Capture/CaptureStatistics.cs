using ScanScope.Packets;

namespace ScanScope.Capture;

/// <summary>
/// Per-packet tallies for <c>capture stats</c>: packets per destination port, per toolchain, and
/// SYNs. Mergeable: one per file, merged into the total.
/// </summary>
public sealed class CaptureStatistics
{
    private readonly long[] _ports = new long[65536];
    private readonly long[] _tools = new long[Enum.GetValues<Toolchain>().Length];

    /// <summary>Packets counted.</summary>
    public long Packets { get; private set; }

    /// <summary>Connection attempts (SYN without ACK) among them.</summary>
    public long Syns { get; private set; }

    /// <summary>Counts one packet.</summary>
    public void Add(in PacketRecord p)
    {
        Packets++;
        _ports[p.DstPort]++;
        _tools[(int)p.Tool]++;
        if (p.IsSyn)
        {
            Syns++;
        }
    }

    /// <summary>Adds another file's tallies.</summary>
    public void Merge(CaptureStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Packets += other.Packets;
        Syns += other.Syns;
        for (var i = 0; i < _ports.Length; i++)
        {
            _ports[i] += other._ports[i];
        }

        for (var i = 0; i < _tools.Length; i++)
        {
            _tools[i] += other._tools[i];
        }
    }

    /// <summary>Packets tagged <paramref name="tool"/>.</summary>
    public long Tool(Toolchain tool) => _tools[(int)tool];

    /// <summary>Packets to <paramref name="port"/>.</summary>
    public long Port(ushort port) => _ports[port];

    /// <summary>The <paramref name="count"/> busiest destination ports, busiest first (ties: lower port first).</summary>
    public IReadOnlyList<(ushort Port, long Packets)> TopPorts(int count)
        => [.. Enumerable.Range(0, 65536).Where(p => _ports[p] > 0).OrderByDescending(p => _ports[p]).ThenBy(p => p).Take(count).Select(p => ((ushort)p, _ports[p]))];
}
