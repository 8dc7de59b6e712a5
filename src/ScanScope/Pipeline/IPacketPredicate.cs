using ScanScope.Packets;

namespace ScanScope.Pipeline;

/// <summary>Decides which packets become features (the capture stage's packet filter plugs in here).</summary>
public interface IPacketPredicate
{
    /// <summary>True when <paramref name="packet"/> counts for the features.</summary>
    bool Accepts(in PacketRecord packet);

    /// <summary>One line naming what is accepted, for messages and the summary.</summary>
    string Describe();
}

/// <summary>TCP SYN without ACK: a connection attempt, what a scanner probe is. The default.</summary>
public sealed class SynPredicate : IPacketPredicate
{
    /// <summary>The one instance.</summary>
    public static SynPredicate Instance { get; } = new();

    /// <inheritdoc />
    public bool Accepts(in PacketRecord packet) => packet.IsSyn;

    /// <inheritdoc />
    public string Describe() => "TCP SYN";
}
