namespace ScanScope.Simulation;

/// <summary>
/// A sharded ZMap scan: the cycle every shard derives and each thread's walk through it
/// (scanner-internals §2). 2.1.1 interleaves subshards (exponent indexes j ≡ b mod S); 4.x gives
/// each subshard a contiguous arc of exponents. <see cref="Thread"/> walks element by element
/// (the reference); <see cref="TelescopeIndex"/> finds where given targets fall without walking.
/// </summary>
public sealed class ZmapScan
{
    private readonly int _portBits;

    /// <summary>Sets up the scan as every shard process would.</summary>
    public ZmapScan(TargetSpace space, ZmapScanOptions options)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Shards < 1 || options.Threads < 1 || options.Ports.Count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "shards, threads and ports must be at least 1");
        }

        if (options.Version == ZmapVersion.V211 && options.Ports.Count != 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "ZMap 2.1.1 scans one port");
        }

        Space = space;
        Options = options;
        Cycle = ZmapCycle.FromSeed(options.Version, options.Seed, space.Count, options.Ports.Count);
        _portBits = options.Version == ZmapVersion.V211 ? 0 : CyclicGroup.CeilLog2((ulong)options.Ports.Count);
        var targets = options.Version == ZmapVersion.V211 && options.MaxTargets > 0 ? Math.Min(options.MaxTargets, space.Count) : options.MaxTargets;
        Threads = options.MaxTargets > 0 || options.Version == ZmapVersion.V211
            ? (2UL * (ulong)options.Threads >= (targets > 0 ? targets : space.Count) ? 1 : options.Threads)
            : options.Threads;
    }

    /// <summary>The allowed targets.</summary>
    public TargetSpace Space { get; }

    /// <summary>The settings.</summary>
    public ZmapScanOptions Options { get; }

    /// <summary>(p, g, o).</summary>
    public ZmapCycle Cycle { get; }

    /// <summary>Sender threads actually used (ZMap drops to 1 when 2T ≥ the number of targets).</summary>
    public int Threads { get; }

    /// <summary>S = N·T.</summary>
    public int Subshards => Options.Shards * Threads;

    /// <summary>Share of group elements that are valid targets: A·P / (p−1).</summary>
    public double ValidFraction => (double)Space.Count * Options.Ports.Count / Cycle.Group.Order;

    /// <summary>Subshard id of a shard's thread: n + t·N (2.1.1) or n·T + t (4.x).</summary>
    public int SubshardOf(int shard, int thread) =>
        Options.Version == ZmapVersion.V211 ? shard + (thread * Options.Shards) : (shard * Threads) + thread;

    /// <summary>The shard and thread of a subshard id.</summary>
    public (int Shard, int Thread) ShardOf(int subshard) =>
        Options.Version == ZmapVersion.V211
            ? (subshard % Options.Shards, subshard / Options.Shards)
            : (subshard / Threads, subshard % Threads);

    /// <summary>How many group elements the subshard steps through before it stops.</summary>
    public ulong ElementCount(int subshard)
    {
        var order = Cycle.Group.Order;
        var s = (ulong)Subshards;
        if (Options.Version == ZmapVersion.V211)
        {
            return (order / s) + ((ulong)subshard < order % s ? 1UL : 0UL);
        }

        var arc = order / s;
        return subshard == Subshards - 1 ? order - ((s - 1) * arc) : arc;
    }

    /// <summary>The most targets the subshard sends (-n), or <see cref="ulong.MaxValue"/>.</summary>
    public ulong TargetLimit(int subshard)
    {
        var m = Options.MaxTargets;
        if (m == 0)
        {
            return ulong.MaxValue;
        }

        if (Options.Version == ZmapVersion.V211)
        {
            var mPrime = Math.Min(m, Space.Count);
            if (mPrime == Space.Count)
            {
                return ulong.MaxValue;
            }

            var t = (ulong)ShardOf(subshard).Thread;
            return (mPrime / (ulong)Threads) + (t < mPrime % (ulong)Threads ? 1UL : 0UL);
        }

        var s = (ulong)Subshards;
        return (m / s) + ((ulong)subshard < m % s ? 1UL : 0UL);
    }

    /// <summary>The targets of one thread of one shard, in the order it sends them.</summary>
    public IEnumerable<ZmapTarget> Thread(int shard, int thread)
    {
        if (shard < 0 || shard >= Options.Shards || thread < 0 || thread >= Threads)
        {
            throw new ArgumentOutOfRangeException(nameof(shard), "shard or thread out of range");
        }

        var sub = SubshardOf(shard, thread);
        var group = Cycle.Group;
        var m = group.Arithmetic;
        var order = group.Order;
        ulong x;
        ulong factor;
        if (Options.Version == ZmapVersion.V211)
        {
            factor = group.Power(Cycle.Generator, (ulong)Subshards);
            x = group.Multiply(Cycle.Offset, group.Power(Cycle.Generator, (ulong)sub + 1));
        }
        else
        {
            factor = Cycle.Generator;
            var begin = (((order / (ulong)Subshards) * (ulong)sub) + Cycle.Offset) % order;
            x = group.Power(Cycle.Generator, begin);
        }

        var factorM = m.ToMontgomery(factor);
        var count = ElementCount(sub);
        var limit = TargetLimit(sub);
        ulong sent = 0;
        for (ulong k = 0; k < count && sent < limit; k++)
        {
            if (TryDecode(x, out var address, out var port))
            {
                sent++;
                yield return new ZmapTarget(address, port, shard, thread, k);
            }

            x = m.MulPlain(x, factorM);
        }
    }

    /// <summary>
    /// All targets of a shard. With one thread this is ZMap's exact send order; with several
    /// threads the real interleaving depends on scheduling, and this takes one target per thread
    /// in turn (equal-rate threads).
    /// </summary>
    public IEnumerable<ZmapTarget> SendOrder(int shard)
    {
        var threads = Enumerable.Range(0, Threads).Select(t => Thread(shard, t).GetEnumerator()).ToList();
        try
        {
            var live = true;
            while (live)
            {
                live = false;
                foreach (var e in threads)
                {
                    if (e.MoveNext())
                    {
                        live = true;
                        yield return e.Current;
                    }
                }
            }
        }
        finally
        {
            foreach (var e in threads)
            {
                e.Dispose();
            }
        }
    }

    /// <summary>The group element that stands for target (index, port index), as in §1.5.</summary>
    public ulong ElementOf(ulong index, int portIndex) => ((index << _portBits) | (uint)portIndex) + 1;

    /// <summary>Decodes a group element into a target, or false when ZMap would skip it.</summary>
    public bool TryDecode(ulong x, out uint address, out ushort port)
    {
        address = 0;
        port = 0;
        var v = x - 1;
        if (Options.Version == ZmapVersion.V211)
        {
            if (x >= 1UL << 32 || v >= Space.Count)
            {
                return false;
            }

            address = Space.AddressAt(v);
            port = Options.Ports[0];
            return true;
        }

        if (x >= 1UL << (32 + _portBits))
        {
            return false;
        }

        var index = v >> _portBits;
        var portIndex = v & ((1UL << _portBits) - 1);
        if (index >= Space.Count || portIndex >= (ulong)Options.Ports.Count)
        {
            return false;
        }

        address = Space.AddressAt(index);
        port = Options.Ports[(int)portIndex];
        return true;
    }
}
