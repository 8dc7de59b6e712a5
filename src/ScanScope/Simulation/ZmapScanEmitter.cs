using ScanScope.Packets;

namespace ScanScope.Simulation;

/// <summary>
/// One sharded ZMap scan over all of IPv4 (default blocklist): host h runs shard h at its own rate.
/// Only the probes that land on active telescope addresses are generated, through
/// <see cref="TelescopeIndex"/>; the time of a probe is the host's start plus its position in the
/// thread's sequence (step × valid fraction) over the thread's rate R/T.
/// </summary>
internal sealed class ZmapScanEmitter : Emitter
{
    private readonly ZmapVersion _version;
    private readonly uint[] _hosts;
    private readonly double[] _rates;
    private readonly long[] _hostStart;
    private readonly byte[] _hops;
    private readonly ScanSpec _scan;

    public ZmapScanEmitter(ZmapVersion version, uint[] hosts, double[] rates, long[] hostStart, byte[] hops, ScanSpec scan, long windowStart, ulong seed)
        : base(Math.Max(hostStart.Min(), windowStart), seed)
    {
        _version = version;
        _hosts = hosts;
        _rates = rates;
        _hostStart = hostStart;
        _hops = hops;
        _scan = scan;
    }

    /// <summary>The telescope index the emitter needs.</summary>
    public (ZmapVersion Version, int PortCount) IndexKey => (_version, _scan.Ports.Count);

    /// <summary>Seconds the slowest shard needs for its whole share.</summary>
    public static double DurationSeconds(int hosts, ScanSpec scan, double rate) =>
        (double)DefaultBlocklist.AllowedFullIpv4 * scan.Ports.Count * Math.Min(1, scan.Coverage) / hosts / rate;

    protected override void Fill(SimulationContext context, List<PacketRecord> into, Random random)
    {
        var ports = _scan.Ports;
        var space = context.Space(_version);
        var scan = new ZmapScan(space, new ZmapScanOptions
        {
            Version = _version, Seed = _scan.Seed, Shards = _hosts.Length, Threads = _scan.Threads, Ports = ports,
        });
        var index = context.Index(_version, ports.Count);
        var fraction = scan.ValidFraction;
        var threads = scan.Threads;
        var limits = new double[scan.Subshards];
        for (var i = 0; i < limits.Length; i++)
        {
            limits[i] = _scan.Coverage >= 1 ? double.PositiveInfinity : scan.ElementCount(i) * _scan.Coverage;
        }

        var probers = new ZmapProber[_hosts.Length];
        try
        {
            var telescope = context.Telescope;
            var addresses = index.Addresses;
            index.Locate(scan, (target, sub, step) =>
            {
                if (step >= limits[sub])
                {
                    return;
                }

                var (shard, _) = scan.ShardOf(sub);
                var dst = addresses[target / ports.Count];
                var port = ports[target % ports.Count];
                var seconds = step * fraction * threads / _rates[shard];
                var ns = _hostStart[shard] + (long)(seconds * 1e9);
                if (!telescope.Records(dst, ns))
                {
                    return;
                }

                var prober = probers[shard] ??= new ZmapProber(_version, _hosts[shard], _hops[shard], random);
                for (var p = 0; p < _scan.Probes; p++)
                {
                    into.Add(prober.Make(dst, port, p, ns + (p * 2_000L)));
                }
            });
        }
        finally
        {
            foreach (var p in probers)
            {
                p?.Dispose();
            }
        }
    }
}
