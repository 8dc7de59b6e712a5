using ScanScope.Packets;

namespace ScanScope.Simulation;

/// <summary>
/// One source of packets (a sharded scan, a lone scanner, an hour of background…): it knows its
/// earliest possible timestamp and, when asked, produces its captured packets sorted by time.
/// The simulator k-way merges emitters, generating each only when the merge reaches its start,
/// so memory follows the traffic that is in flight, not the whole capture.
/// </summary>
internal abstract class Emitter
{
    protected Emitter(long startNs, ulong seed)
    {
        StartNs = startNs;
        Seed = seed;
    }

    public long StartNs { get; }

    protected ulong Seed { get; }

    /// <summary>The captured packets, sorted by timestamp, none before <see cref="StartNs"/>.</summary>
    public PacketRecord[] Generate(SimulationContext context)
    {
        var list = new List<PacketRecord>();
        Fill(context, list, new Random((int)(Seed ^ (Seed >> 32))));
        var array = list.ToArray();
        Array.Sort(array, (a, b) => a.TimestampNs.CompareTo(b.TimestampNs));
        return array;
    }

    protected abstract void Fill(SimulationContext context, List<PacketRecord> into, Random random);
}
