using ScanScope.Confirmation;

namespace ScanScope.Tests.Confirmation;

/// <summary>
/// Builds probe events from the ZMap model: each host of a sharded scan owns a random, disjoint
/// share of the telescope, and its probes arrive at uniformly random times over its own run
/// (start and rate per host). Partial scans cover a random part of the telescope.
/// </summary>
internal sealed class SyntheticScans
{
    public const long Epoch = 1_700_000_000L * 1_000_000_000;
    public const double Hour = 3600;
    public const double Day = 86_400;

    private readonly SourceEventsBuilder _builder = new();
    private uint _nextHost = 0x0A000001;

    public SyntheticScans(int seed, int telescopeBits = 16)
    {
        Rng = new Random(seed);
        Telescope = [.. Enumerable.Range(0, 1 << telescopeBits).Select(i => 0x2C0A0000u + (uint)i)];
    }

    public Random Rng { get; }

    /// <summary>The observed addresses (44.10.0.0/16 by default).</summary>
    public uint[] Telescope { get; }

    public int Observers => Telescope.Length;

    public ConfirmationContext Context(double days = 30) =>
        new(Observers, Epoch, Epoch + (long)(days * Day * 1e9));

    /// <summary>New host addresses, from one /24 when <paramref name="sameSubnet"/> else scattered.</summary>
    public uint[] Hosts(int count, bool sameSubnet = true)
    {
        var result = new uint[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = sameSubnet ? _nextHost + (uint)i : (uint)(0x0B000000 + Rng.Next(1, 1 << 24)) | 1;
        }

        _nextHost += 0x100;
        return result;
    }

    /// <summary>
    /// One sharded scan of <paramref name="port"/> by <paramref name="hosts"/>: the telescope (or a
    /// random <paramref name="coverage"/> share of it) split at random among the hosts; host i
    /// probes its share from start + offset(i) over duration / rate(i).
    /// </summary>
    public void Scan(IReadOnlyList<uint> hosts, ushort port, double startSeconds, double durationSeconds,
        double coverage = 1, Func<int, double>? rate = null, Func<int, double>? offset = null, int probesPerTarget = 1)
    {
        var shares = new List<uint>[hosts.Count];
        for (var i = 0; i < shares.Length; i++)
        {
            shares[i] = [];
        }

        foreach (var d in Telescope)
        {
            if (coverage >= 1 || Rng.NextDouble() < coverage)
            {
                shares[Rng.Next(hosts.Count)].Add(d);
            }
        }

        for (var h = 0; h < hosts.Count; h++)
        {
            var start = startSeconds + (offset?.Invoke(h) ?? Rng.NextDouble() * 5);
            var duration = durationSeconds / (rate?.Invoke(h) ?? 1);
            foreach (var d in shares[h])
            {
                var t = Epoch + (long)((start + (Rng.NextDouble() * duration)) * 1e9);
                for (var p = 0; p < probesPerTarget; p++)
                {
                    _builder.Add(hosts[h], t + (p * 1_000_000L), d, port);
                }
            }
        }
    }

    /// <summary>A lone source probing <paramref name="count"/> random telescope addresses on <paramref name="port"/> over an interval.</summary>
    public void Lone(uint host, ushort port, double startSeconds, double durationSeconds, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var t = Epoch + (long)((startSeconds + (Rng.NextDouble() * durationSeconds)) * 1e9);
            _builder.Add(host, t, Telescope[Rng.Next(Telescope.Length)], port);
        }
    }

    public Dictionary<uint, SourceEvents> Build() => _builder.Build();

    /// <summary>The events of <paramref name="hosts"/>, as a cluster.</summary>
    public static ClusterInput Cluster(int id, Dictionary<uint, SourceEvents> events, IEnumerable<uint> hosts) =>
        new(id, [.. hosts.Where(events.ContainsKey).Select(h => events[h])]);
}
