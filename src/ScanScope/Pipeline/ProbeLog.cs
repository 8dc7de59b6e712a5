using System.Runtime.InteropServices;
using ScanScope.Confirmation;
using ScanScope.Features;
using ScanScope.Telescope;

namespace ScanScope.Pipeline;

/// <summary>
/// One probe as a <see cref="ProbeSpill"/> file keeps it, 18 bytes (native byte order: the file
/// lives as long as the run); the probe log keeps the source once per run instead (<see cref="RunProbe"/>).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 2)]
internal readonly record struct LoggedProbe(uint Src, long TimestampNs, uint Dst, ushort Port);

/// <summary>One probe of a source's run in the probe log, 14 bytes (the source is the run's).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 2)]
internal readonly record struct RunProbe(long TimestampNs, uint Dst, ushort Port);

/// <summary>
/// One flush of a fold worker's hold-back buffer, grouped by source: each source's run (its
/// address and length, in <see cref="Runs"/>) and their probes one after the other.
/// </summary>
internal sealed class LogBlock(HugePageBuffer<RunProbe> probes, int count, (uint Src, int Length)[] runs) : IDisposable
{
    public ReadOnlySpan<RunProbe> Probes => probes.Span[..count];

    public int Count => count;

    public (uint Src, int Length)[] Runs => runs;

    public void Dispose() => probes.Dispose();
}

/// <summary>
/// Every packet that made the features, kept by the fold's partitions (14 bytes each: time,
/// destination, port; the source once per run): the probes of the sources clustered afterwards,
/// without a second read of the inputs.
/// </summary>
/// <remarks>
/// Each fold worker copies its hold-back buffer into the log at every flush, after grouping it by
/// source, so a source's packets come in runs, in reading order (a partition reads the inputs in order; the
/// slices of a sliced fold are logged one after the other). The
/// fold keeps the log only while it fits <see cref="AnalysisOptions.ProbeLogBytes"/>; a month too
/// large for it is read again instead (the second pass in rounds).
/// </remarks>
public sealed class ProbeLog : IDisposable
{
    private readonly List<LogBlock>[] _parts;

    internal ProbeLog(List<LogBlock>[] parts) => _parts = parts;

    /// <summary>Packets kept.</summary>
    public long Count => _parts.Sum(p => p.Sum(c => (long)c.Count));

    /// <summary>Frees the kept packets (native memory); the log must not be used afterwards.</summary>
    public void Dispose()
    {
        foreach (var block in _parts.SelectMany(p => p))
        {
            block.Dispose();
        }
    }

    /// <summary>
    /// The probes of <paramref name="sources"/> to destinations in <paramref name="space"/> — what a
    /// second pass over the inputs collects — each source's arrays made as long as its packet count
    /// in <paramref name="features"/>.
    /// </summary>
    public Dictionary<uint, SourceEvents> Collect(IReadOnlyDictionary<uint, int> sources, IReadOnlyList<FeatureRow> features, TelescopeSpace space)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(space);
        var packets = features.Where(r => sources.ContainsKey(r.Src)).ToDictionary(r => r.Src, r => (int)Math.Min(r.Packets, Array.MaxLength));
        // One thread per partition of the sources, each taking its own sources' runs from every
        // buffer (a slice of the inputs holds every partition's), the buffers in reading order.
        var count = _parts.Length;
        var each = new Dictionary<uint, SourceEvents>[count];
        Parallel.For(0, count, i =>
        {
            var builder = new SourceEventsBuilder();
            foreach (var block in _parts.SelectMany(p => p))
            {
                var probes = block.Probes;
                var at = 0;
                foreach (var (src, length) in block.Runs)
                {
                    var run = probes.Slice(at, length);
                    at += length;

                    // A wanted source's arrays are made once, to its packet count.
                    if (PartitionedFold.Owner(src, count) != i || !packets.TryGetValue(src, out var total))
                    {
                        continue;
                    }

                    var kept = builder.Reserved(src, total);
                    foreach (ref readonly var p in run)
                    {
                        if (space.Contains(p.Dst))
                        {
                            kept.Add(p.TimestampNs, p.Dst, p.Port);
                        }
                    }
                }
            }

            each[i] = builder.Build();
        });

        var events = new Dictionary<uint, SourceEvents>();
        foreach (var part in each)
        {
            foreach (var (src, e) in part)
            {
                events[src] = e;
            }
        }

        return events;
    }
}
