using System.Runtime.InteropServices;
using ScanScope.Confirmation;
using ScanScope.Features;
using ScanScope.Telescope;

namespace ScanScope.Pipeline;

/// <summary>
/// One probe as the second pass keeps it, 18 bytes: in the probe log's memory, and in the records of
/// a <see cref="ProbeSpill"/> file (native byte order: the file lives as long as the run).
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 2)]
internal readonly record struct LoggedProbe(uint Src, long TimestampNs, uint Dst, ushort Port);

/// <summary>
/// Every packet that made the features, kept by the fold's partitions (18 bytes each: source, time,
/// destination, port): the probes of the sources clustered afterwards, without a second read of the inputs.
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
    private readonly List<(HugePageBuffer<LoggedProbe> Buffer, int Count)>[] _parts;

    internal ProbeLog(List<(HugePageBuffer<LoggedProbe> Buffer, int Count)>[] parts) => _parts = parts;

    /// <summary>Packets kept.</summary>
    public long Count => _parts.Sum(p => p.Sum(c => (long)c.Count));

    /// <summary>Frees the kept packets (native memory); the log must not be used afterwards.</summary>
    public void Dispose()
    {
        foreach (var (buffer, _) in _parts.SelectMany(p => p))
        {
            buffer.Dispose();
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
            foreach (var (buffer, n) in _parts.SelectMany(p => p))
            {
                var chunk = buffer.Span[..n];
                var wanted = false;
                var current = 0u;
                for (var k = 0; k < chunk.Length; k++)
                {
                    ref readonly var p = ref chunk[k];
                    if (k == 0 || p.Src != current)
                    {
                        // A new run of one source: is it wanted (its arrays made once, to its packet count)?
                        current = p.Src;
                        var total = 0;
                        wanted = PartitionedFold.Owner(current, count) == i && packets.TryGetValue(current, out total);
                        if (wanted)
                        {
                            builder.Reserve(current, total);
                        }
                    }

                    if (wanted && space.Contains(p.Dst))
                    {
                        builder.AddReserved(current, p.TimestampNs, p.Dst, p.Port);
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
