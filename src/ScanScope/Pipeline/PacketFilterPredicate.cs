using ScanScope.Packets;

namespace ScanScope.Pipeline;

/// <summary>
/// The capture stage's <see cref="PacketFilter"/> as the analysis' packet predicate: the CLI's
/// <c>--syn-only</c>, <c>--tool</c>, <c>--ports</c> (and time/telescope) options select the packets
/// that make features.
/// </summary>
public sealed class PacketFilterPredicate(PacketFilter filter) : IPacketPredicate
{
    /// <summary>The filter this predicate applies.</summary>
    public PacketFilter Filter { get; } = filter ?? throw new ArgumentNullException(nameof(filter));

    /// <inheritdoc />
    public bool Accepts(in PacketRecord packet) => Filter.Matches(packet);

    /// <inheritdoc />
    public string Describe()
    {
        var parts = new List<string>();
        if (Filter.SynOnly)
        {
            parts.Add("TCP SYN");
        }

        if (Filter.Tools is { } tools)
        {
            parts.Add($"tool {tools}");
        }

        if (Filter.Ports is { } ports)
        {
            parts.Add($"ports {ports}");
        }

        if (Filter.Telescope is { } telescope)
        {
            parts.Add($"to {telescope}");
        }

        return parts.Count == 0 ? "all TCP" : string.Join(", ", parts);
    }
}
