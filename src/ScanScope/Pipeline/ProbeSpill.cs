using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using ScanScope.Capture;
using ScanScope.Confirmation;
using ScanScope.Packets;

namespace ScanScope.Pipeline;

/// <summary>
/// The second pass in rounds with one read of the inputs: every probe of a clustered source is
/// written to its round's file of its input (18 bytes: source, time, destination, port), and each
/// round then reads only its own files, input after input. The inputs are read in parallel.
/// </summary>
/// <remarks>
/// When the clustered sources' probes do not fit the probe memory, confirmation runs in rounds of
/// whole clusters. Reading the inputs once per round cost a pass over the whole month per round
/// (a /16 month: hundreds of GB, several rounds); the spill costs one pass and 18 bytes per probe of a
/// clustered source on disk, written and read once. A probe goes to its file in reading order, and
/// a round reads its files in reading order (input after input, slice after slice), so a round's
/// probes, and every result, are those a pass over the inputs for that round would give. One thread per input (a month of hourly files
/// spreads over the cores); when there are fewer inputs than threads and all are uncompressed pcap
/// files, they are cut into as many slices as threads at record starts, as the fold cuts them, and
/// each slice's part of an input is a unit of its own, read by one thread and spilled to its own files
/// (a cut that a slice's reader did not end on — a false record start — makes the spill read whole
/// inputs instead).
/// </remarks>
public sealed class ProbeSpill : IDisposable
{
    private static readonly int RecordBytes = Unsafe.SizeOf<LoggedProbe>(); // 18: packed
    private const int BufferRecords = 4096;
    private readonly string _parent;
    private string? _directory;
    private readonly IReadOnlyList<IReadOnlyDictionary<uint, int>> _rounds;
    private readonly bool[] _read;
    private bool _spilled;
    private int _units;

    /// <summary>
    /// A spill for <paramref name="rounds"/> (each the clustered sources of one round), in a folder of
    /// its own inside <paramref name="directory"/> (created on first use, removed on dispose; the
    /// folder given is created when missing and nothing else in it is touched).
    /// </summary>
    public ProbeSpill(string directory, IReadOnlyList<IReadOnlyDictionary<uint, int>> rounds)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(rounds);
        _parent = directory;
        _rounds = rounds;
        _read = new bool[rounds.Count];
    }

    /// <summary>Inputs read at once by the spill (one thread each); 1 by default.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Bytes written to the spill files.</summary>
    public long Bytes { get; private set; }

    /// <summary>
    /// The probes of round <paramref name="round"/>'s sources that passed <paramref name="filter"/> in
    /// the window and the telescope of <paramref name="features"/>, each source's arrays made as long
    /// as its packet count in the features. The first call reads <paramref name="inputs"/> and spills
    /// every round; each round is read once (its file is deleted after).
    /// </summary>
    public Dictionary<uint, SourceEvents> Collect(int round, IReadOnlyList<PacketSource> inputs, IPacketPredicate filter, AnalysisResult features)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentOutOfRangeException.ThrowIfNegative(round);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(round, _rounds.Count);
        if (_read[round])
        {
            throw new InvalidOperationException($"round {round} of the spill was already read");
        }

        if (!_spilled)
        {
            _units = Spill(inputs, filter, features);
            _spilled = true;
        }

        var builder = SourceEventsBuilder.For(_rounds[round], features.Features);
        var buffer = new LoggedProbe[BufferRecords];
        for (var unit = 0; unit < _units; unit++)
        {
            var path = FileOf(round, unit);
            if (!File.Exists(path))
            {
                continue;
            }

            using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
            {
                for (var left = file.Length / RecordBytes; left > 0;)
                {
                    var n = (int)Math.Min(left, BufferRecords);
                    file.ReadExactly(MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
                    foreach (ref readonly var p in buffer.AsSpan(0, n))
                    {
                        builder.AddReserved(p.Src, p.TimestampNs, p.Dst, p.Port);
                    }

                    left -= n;
                }
            }

            File.Delete(path);
        }

        _read[round] = true;
        return builder.Build();
    }

    /// <summary>Removes the spill's own folder and anything left in it.</summary>
    public void Dispose()
    {
        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>
    /// True when a spill on <paramref name="threads"/> threads reads <paramref name="inputs"/> in
    /// slices: fewer inputs than threads, every one an uncompressed classic pcap file.
    /// </summary>
    public static bool ReadsInSlices(IReadOnlyList<PacketSource> inputs, int threads)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return threads > 1 && inputs.Count < threads && PartitionedFold.CanSlice(inputs);
    }

    /// <summary>Units the inputs were read in: whole inputs, or slices of them (see the remarks).</summary>
    public int Units => _units;

    private string FileOf(int round, int unit) => Path.Combine(_directory!, $"round-{round}.unit-{unit}.probes");

    // The units of reading, in reading order: slices of the inputs cut as the fold cuts them when there
    // are fewer inputs than threads and all can be sliced, else the whole inputs (limit long.MaxValue,
    // opened with their own reader).
    private List<PartitionedFold.Segment> UnitsOf(IReadOnlyList<PacketSource> inputs)
    {
        return ReadsInSlices(inputs, Threads)
            ? [.. PartitionedFold.Slices(PartitionedFold.PlanCuts(inputs, Threads), inputs.Count).SelectMany(s => s)]
            : WholeInputs(inputs);
    }

    private static List<PartitionedFold.Segment> WholeInputs(IReadOnlyList<PacketSource> inputs)
        => [.. Enumerable.Range(0, inputs.Count).Select(i => new PartitionedFold.Segment(i, 0, long.MaxValue))];

    // One pass over the inputs, on up to Threads units at once: each probe of a round's source is
    // appended to that round's file of its unit, so a round read unit after unit is in reading order.
    // Returns the number of units.
    private int Spill(IReadOnlyList<PacketSource> inputs, IPacketPredicate filter, AnalysisResult features)
    {
        var roundOf = new Dictionary<uint, int>();
        for (var r = 0; r < _rounds.Count; r++)
        {
            foreach (var src in _rounds[r].Keys)
            {
                roundOf[src] = r;
            }
        }

        _directory = TempFolders.Create(_parent, ".scanscope-spill-");
        var units = UnitsOf(inputs);
        var records = SpillUnits(units, inputs, roundOf, filter, features);
        if (records is null)
        {
            // A slice's reader did not end on the next cut: the whole inputs, from fresh files.
            foreach (var file in Directory.EnumerateFiles(_directory))
            {
                File.Delete(file);
            }

            units = WholeInputs(inputs);
            records = SpillUnits(units, inputs, roundOf, filter, features)!;
        }

        Bytes = records.Sum() * RecordBytes;
        return units.Count;
    }

    // Spills every unit (in parallel); null when a sliced unit's reader did not end on its limit.
    private long[]? SpillUnits(List<PartitionedFold.Segment> units, IReadOnlyList<PacketSource> inputs, Dictionary<uint, int> roundOf, IPacketPredicate filter, AnalysisResult features)
    {
        var records = new long[units.Count];
        var misplaced = 0;
        try
        {
            Parallel.For(0, units.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Threads) }, u =>
            {
                var (input, from, limit) = units[u];
                var whole = from == 0 && limit == long.MaxValue;
                using var reader = whole ? inputs[input].Open() : CaptureReader.OpenSlice(inputs[input].SlicePath!, from, limit, CaptureReadOptions.Default);
                records[u] = SpillUnit(u, reader, roundOf, filter, features);
                if (!whole && limit != long.MaxValue && ((PcapReader)reader).Position != limit)
                {
                    Interlocked.Exchange(ref misplaced, 1);
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        return misplaced == 0 ? records : null;
    }

    private long SpillUnit(int unit, IPacketReader reader, Dictionary<uint, int> roundOf, IPacketPredicate filter, AnalysisResult features)
    {
        var files = new FileStream?[_rounds.Count];
        var buffers = new LoggedProbe[_rounds.Count][];
        var filled = new int[_rounds.Count];
        long records = 0;
        try
        {
            var batch = new PacketRecord[4096];
            for (var n = reader.ReadBatch(batch); n > 0; n = reader.ReadBatch(batch))
            {
                foreach (ref readonly var p in batch.AsSpan(0, n))
                {
                    if (roundOf.TryGetValue(p.Src, out var r) && features.IsProbe(p, filter))
                    {
                        var buffer = buffers[r] ??= new LoggedProbe[BufferRecords];
                        buffer[filled[r]++] = new LoggedProbe(p.Src, p.TimestampNs, p.Dst, p.DstPort);
                        if (filled[r] == BufferRecords)
                        {
                            (files[r] ??= Create(r)).Write(MemoryMarshal.AsBytes(buffer.AsSpan()));
                            filled[r] = 0;
                        }

                        records++;
                    }
                }
            }

            for (var r = 0; r < files.Length; r++)
            {
                if (filled[r] > 0)
                {
                    (files[r] ??= Create(r)).Write(MemoryMarshal.AsBytes(buffers[r].AsSpan(0, filled[r])));
                }
            }

            return records;
        }
        finally
        {
            foreach (var f in files)
            {
                f?.Dispose();
            }
        }

        FileStream Create(int round) => new(FileOf(round, unit), FileMode.Create, FileAccess.Write, FileShare.None, 1);
    }
}
