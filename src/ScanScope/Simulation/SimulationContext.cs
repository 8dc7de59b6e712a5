using System.Collections.Concurrent;

namespace ScanScope.Simulation;

/// <summary>Shared, read-only state of one simulation run: the telescope and the discrete-log tables.</summary>
internal sealed class SimulationContext(TelescopeModel telescope)
{
    private readonly ConcurrentDictionary<(ZmapVersion, int), Lazy<TelescopeIndex>> _indexes = new();
    private readonly ConcurrentDictionary<ZmapVersion, Lazy<TargetSpace>> _spaces = new();

    public TelescopeModel Telescope { get; } = telescope;

    /// <summary>All of IPv4 under the default blocklist, as the version indexes it.</summary>
    public TargetSpace Space(ZmapVersion version) =>
        _spaces.GetOrAdd(version, v => new Lazy<TargetSpace>(() => TargetSpace.Create([], v))).Value;

    /// <summary>The discrete logs of the active telescope addresses for scans of <paramref name="portCount"/> ports.</summary>
    public TelescopeIndex Index(ZmapVersion version, int portCount) =>
        _indexes.GetOrAdd((version, portCount), key => new Lazy<TelescopeIndex>(() =>
            new TelescopeIndex(Space(key.Item1), key.Item1, Telescope.ActiveAddresses, [.. Enumerable.Range(0, key.Item2).Select(i => (ushort)i)]))).Value;
}
