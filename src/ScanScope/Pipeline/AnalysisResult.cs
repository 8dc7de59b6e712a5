using ScanScope.Capture;
using ScanScope.Features;
using ScanScope.Telescope;

namespace ScanScope.Pipeline;

/// <summary>Wall-clock seconds one stage took.</summary>
public readonly record struct StageTiming(string Stage, double Seconds);

/// <summary>What <see cref="Analysis.Run(IReadOnlyList{PacketSource}, AnalysisOptions, CancellationToken)"/> found.</summary>
public sealed class AnalysisResult
{
    /// <summary>Input names, in the order given.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>The options used.</summary>
    public required AnalysisOptions Options { get; init; }

    /// <summary>Records read, TCP packets handed out, records skipped by the readers (by reason).</summary>
    public required CaptureCounters Counters { get; init; }

    /// <summary>TCP packets outside the time window.</summary>
    public required long OutsideWindow { get; init; }

    /// <summary>TCP packets to addresses outside the given telescope space.</summary>
    public required long OutsideTelescope { get; init; }

    /// <summary>TCP packets in the window and space that the feature filter rejected.</summary>
    public required long Filtered { get; init; }

    /// <summary>Packets folded into the features.</summary>
    public required long Used { get; init; }

    /// <summary>Window start (ns since the Unix epoch): the first packet's bin start, or the given start.</summary>
    public required long WindowStartNs { get; init; }

    /// <summary>Window end, exclusive (ns since the Unix epoch).</summary>
    public required long WindowEndNs { get; init; }

    /// <summary>Observers, uptime, |O|, outages.</summary>
    public required TelescopeModel Telescope { get; init; }

    /// <summary>One row per source, ordered by address.</summary>
    public required IReadOnlyList<FeatureRow> Features { get; init; }

    /// <summary>Heavy-hitter threshold and count.</summary>
    public required HeavyHitterResult HeavyHitters { get; init; }

    /// <summary>Time per stage.</summary>
    public required IReadOnlyList<StageTiming> Timings { get; init; }

    /// <summary>Why the result is empty, when it is (one line each).</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Every packet that made the features, kept by the fold (<see cref="AnalysisOptions.ProbeLogBytes"/>); null when not kept or too many.</summary>
    public ProbeLog? Probes { get; init; }

    /// <summary>
    /// True when <paramref name="packet"/> is a probe the features counted: in the window, accepted by
    /// <paramref name="filter"/> (the one the fold used), to the telescope. What a second pass over the
    /// inputs collects of the clustered sources.
    /// </summary>
    public bool IsProbe(in Packets.PacketRecord packet, IPacketPredicate filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return packet.TimestampNs >= WindowStartNs && packet.TimestampNs < WindowEndNs
            && filter.Accepts(packet) && Telescope.Space.Contains(packet.Dst);
    }
}
