using ScanScope.Packets;

namespace ScanScope.Capture;

/// <summary>
/// Hands out the IPv4 TCP packets of one capture in file order, skipping and counting the rest
/// (like <c>TarReader.GetNextEntry</c>: the next record, or false when done).
/// </summary>
public interface IPacketReader : IDisposable
{
    /// <summary>What was read and skipped so far.</summary>
    CaptureCounters Counters { get; }

    /// <summary>Reads the next IPv4 TCP packet; false at the end of the capture.</summary>
    bool TryRead(out PacketRecord packet);

    /// <summary>
    /// Reads up to <paramref name="destination"/>.Length packets into it; returns how many, 0 at the
    /// end of the capture. The same packets and counters as that many <see cref="TryRead"/> calls,
    /// with one call per batch instead of one per packet; when a strict reader throws inside a batch,
    /// the packets that batch had read before the damage are not handed out (checked by the fuzz target).
    /// </summary>
    int ReadBatch(Span<PacketRecord> destination)
    {
        var n = 0;
        while (n < destination.Length && TryRead(out destination[n]))
        {
            n++;
        }

        return n;
    }
}
