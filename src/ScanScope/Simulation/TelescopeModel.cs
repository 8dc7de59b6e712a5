namespace ScanScope.Simulation;

/// <summary>
/// The simulated telescope: which addresses capture at all, which go dark for days, and the
/// periods in which nothing is recorded.
/// </summary>
internal sealed class TelescopeModel
{
    private readonly Ipv4Prefix[] _blocks;
    private readonly int[] _blockStart;
    private readonly bool[] _active;
    private readonly Dictionary<int, (long From, long To)> _dark = [];
    private readonly (long From, long To)[] _outages;

    public TelescopeModel(Scenario scenario, Random random)
    {
        _blocks = [.. scenario.Telescope.Select(Ipv4Prefix.Parse).OrderBy(b => b.First)];
        _blockStart = new int[_blocks.Length];
        var size = 0;
        for (var i = 0; i < _blocks.Length; i++)
        {
            _blockStart[i] = size;
            size += (int)_blocks[i].Size;
        }

        Size = size;
        _active = new bool[size];
        var active = new List<uint>();
        for (var i = 0; i < size; i++)
        {
            _active[i] = random.NextDouble() < scenario.ActiveShare;
            if (_active[i])
            {
                active.Add(AddressAt(i));
            }
        }

        ActiveAddresses = active;
        var start = scenario.StartUnix * 1_000_000_000L;
        WindowStartNs = start;
        WindowEndNs = start + (long)(scenario.Days * 86_400e9);
        for (var i = 0; i < size; i++)
        {
            if (_active[i] && random.NextDouble() < scenario.DarkForDaysShare)
            {
                var length = (long)((1 + (random.NextDouble() * 4)) * 86_400e9);
                var from = start + (long)(random.NextDouble() * (WindowEndNs - start - length));
                _dark[i] = (from, from + length);
            }
        }

        _outages = [.. scenario.Outages.Select(o => (start + (long)(o.StartHours * 3600e9), start + (long)((o.StartHours + o.Hours) * 3600e9)))];
    }

    public int Size { get; }

    public long WindowStartNs { get; }

    public long WindowEndNs { get; }

    public IReadOnlyList<uint> ActiveAddresses { get; }

    /// <summary>The observers dark for days, by address.</summary>
    public IEnumerable<DarkObserver> DarkObservers =>
        _dark.OrderBy(d => d.Key).Select(d => new DarkObserver(Ipv4Prefix.Format(AddressAt(d.Key)), d.Value.From / 1_000_000_000, d.Value.To / 1_000_000_000));

    public uint AddressAt(int i)
    {
        var b = Array.BinarySearch(_blockStart, i);
        if (b < 0)
        {
            b = ~b - 1;
        }

        return _blocks[b].First + (uint)(i - _blockStart[b]);
    }

    public bool Contains(uint address) => _blocks.Any(b => b.Contains(address));

    /// <summary>True when the packet to <paramref name="address"/> at <paramref name="ns"/> is recorded.</summary>
    public bool Records(uint address, long ns)
    {
        if (ns < WindowStartNs || ns >= WindowEndNs)
        {
            return false;
        }

        foreach (var (from, to) in _outages)
        {
            if (ns >= from && ns < to)
            {
                return false;
            }
        }

        var i = IndexOf(address);
        if (i < 0 || !_active[i])
        {
            return false;
        }

        return !_dark.TryGetValue(i, out var d) || ns < d.From || ns >= d.To;
    }

    private int IndexOf(uint address)
    {
        for (var b = 0; b < _blocks.Length; b++)
        {
            if (_blocks[b].Contains(address))
            {
                return _blockStart[b] + (int)(address - _blocks[b].First);
            }
        }

        return -1;
    }
}
