namespace ScanScope.Simulation;

/// <summary>
/// The fast path: for a fixed set of (address, port) targets — the telescope — it precomputes one
/// discrete logarithm per target (Pohlig–Hellman, once per group) and then places every target in
/// any scan over the same target space with one modular multiplication: its shard, thread and
/// step. No scan is walked element by element.
/// </summary>
/// <remarks>
/// 2.1.1 visits x_j = o·g^(j+1): with g = r^λg and o = r^λo, j + 1 = (λ(x) − λo)·λg⁻¹ mod (p−1),
/// subshard b = j mod S, step k = j div S. 4.x visits x = g^e: e = λ(x)·λg⁻¹ mod (p−1), and the
/// arc (e − o) mod (p−1) div ⌊(p−1)/S⌋ is the subshard (the last arc takes the remainder).
/// </remarks>
public sealed class TelescopeIndex
{
    private readonly ulong[] _logs;
    private readonly int[] _target;

    /// <summary>Precomputes the logs of every allowed (address, port) of the telescope.</summary>
    public TelescopeIndex(TargetSpace space, ZmapVersion version, IReadOnlyList<uint> addresses, IReadOnlyList<ushort> ports)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(addresses);
        ArgumentNullException.ThrowIfNull(ports);
        Space = space;
        Version = version;
        Addresses = addresses;
        Ports = ports;
        Group = CyclicGroup.Select(version, space.Count, ports.Count);
        var portBits = version == ZmapVersion.V211 ? 0 : CyclicGroup.CeilLog2((ulong)ports.Count);
        var elements = new List<ulong>();
        var targets = new List<int>();
        for (var a = 0; a < addresses.Count; a++)
        {
            if (!space.TryIndexOf(addresses[a], out var index))
            {
                continue;
            }

            for (var p = 0; p < ports.Count; p++)
            {
                elements.Add(((index << portBits) | (uint)p) + 1);
                targets.Add((a * ports.Count) + p);
            }
        }

        _logs = DiscreteLog.For(Group).Logs(elements);
        _target = [.. targets];
    }

    /// <summary>The target space the logs belong to.</summary>
    public TargetSpace Space { get; }

    /// <summary>The scheme.</summary>
    public ZmapVersion Version { get; }

    /// <summary>The telescope addresses (targets outside the allowed space are never hit).</summary>
    public IReadOnlyList<uint> Addresses { get; }

    /// <summary>The ports.</summary>
    public IReadOnlyList<ushort> Ports { get; }

    /// <summary>The group of every scan over this space and port count.</summary>
    public CyclicGroup Group { get; }

    /// <summary>Number of (address, port) targets that are allowed.</summary>
    public int Count => _logs.Length;

    /// <summary>
    /// Where each allowed telescope target falls in <paramref name="scan"/>: calls
    /// <paramref name="hit"/> with the target number (address index · P + port index), the
    /// subshard and the step inside it. Targets beyond a subshard's -n limit are dropped using
    /// the expected number of valid elements before them (step · valid fraction).
    /// </summary>
    public void Locate(ZmapScan scan, Action<int, int, ulong> hit)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(hit);
        if (scan.Cycle.Group.Prime != Group.Prime || scan.Options.Version != Version || scan.Options.Ports.Count != Ports.Count)
        {
            throw new ArgumentException("the scan does not use this index's group, version or ports", nameof(scan));
        }

        var log = DiscreteLog.For(Group);
        var order = Group.Order;
        var s = (ulong)scan.Subshards;
        var logG = log.Log(scan.Cycle.Generator);
        var inverse = DiscreteLog.Inverse(logG, order)
            ?? throw new InvalidOperationException("generator is not primitive (ZMap's uint32 truncation); walk the scan instead");
        var limits = new double[scan.Subshards];
        for (var i = 0; i < limits.Length; i++)
        {
            var limit = scan.TargetLimit(i);
            limits[i] = limit == ulong.MaxValue ? double.PositiveInfinity : limit;
        }

        var fraction = scan.ValidFraction;
        if (Version == ZmapVersion.V211)
        {
            var logO = log.Log(scan.Cycle.Offset);
            for (var i = 0; i < _logs.Length; i++)
            {
                var diff = _logs[i] >= logO ? _logs[i] - logO : _logs[i] + order - logO;
                var jPlus1 = (ulong)((UInt128)diff * inverse % order);
                var j = jPlus1 == 0 ? order - 1 : jPlus1 - 1;
                var sub = (int)(j % s);
                var k = j / s;
                if (k * fraction < limits[sub])
                {
                    hit(_target[i], sub, k);
                }
            }
        }
        else
        {
            var arc = order / s;
            for (var i = 0; i < _logs.Length; i++)
            {
                var e = (ulong)((UInt128)_logs[i] * inverse % order);
                var rel = e >= scan.Cycle.Offset ? e - scan.Cycle.Offset : e + order - scan.Cycle.Offset;
                var sub = (int)Math.Min(rel / arc, s - 1);
                var k = rel - ((ulong)sub * arc);
                if (k * fraction < limits[sub])
                {
                    hit(_target[i], sub, k);
                }
            }
        }
    }
}
