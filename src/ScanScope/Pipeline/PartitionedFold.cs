using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using ScanScope.Capture;
using ScanScope.Features;
using ScanScope.Packets;
using ScanScope.Telescope;

namespace ScanScope.Pipeline;

/// <summary>
/// Reads the inputs in batches and folds every packet into one of P partial states, partitioned
/// by address: partition k keeps the sources whose address hashes to k and the observers whose
/// /20 hashes to k. The partitions never share a source or an observer, so they need no merge
/// of per-source state, and every batch is folded by P threads at once, also for a single file.
/// </summary>
/// <remarks>
/// With P &gt; 1 a reader thread parses batches of packets and hands each batch to all P workers;
/// worker k looks at every packet and folds the ones it owns. Looking costs a few nanoseconds a
/// packet; the fold behind it is what the threads share. A packet's source and its destination
/// may belong to different partitions: each partition counts the packet where it owns that part.
/// Counters that are per packet (outside the window, outside the telescope, filtered) are counted by
/// the partition that owns the source, so every packet is counted once.
/// </remarks>
internal static class PartitionedFold
{
    private const int BatchSize = 4096;
    private const int BatchesPerWorker = 4;

    /// <summary>Up to this many threads, each reads the (cheap to reread) inputs itself rather than sharing one reader.</summary>
    private const int MaxSelfReading = 4;

    /// <summary>Folds all inputs; returns one partial state per partition and the readers' counters.</summary>
    public static (AnalysisPartial[] Parts, CaptureCounters Counters) Run(IReadOnlyList<PacketSource> inputs, AnalysisOptions options, Action<CaptureCounters, bool> progress, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var count = options.Threads;
        if (count > 1 && CanSlice(inputs)
            && RunSlices(inputs, options, PlanCuts(inputs, count), progress, cancellation) is { } sliced)
        {
            return sliced;
        }

        var parts = new Partition[count];
        var room = new LogRoom(options.ProbeLogBytes);
        for (var i = 0; i < count; i++)
        {
            parts[i] = new Partition(i, count, options, room);
        }

        var counters = new CaptureCounters { Files = 0 };
        try
        {
            if (count == 1)
            {
                var batch = new Batch();
                foreach (var input in inputs)
                {
                    ReadInput(input, () => batch, b => parts[0].Fold(b.Packets.AsSpan(0, b.Count)), _ => { }, counters, progress, cancellation);
                }

                parts[0].Flush(); // with more threads, each worker folds its own held-back packets
            }
            else if (count <= MaxSelfReading && inputs.All(i => i.CheapToReread))
            {
                RunSelfReading(inputs, parts, options.SelfReadingLead, counters, progress, cancellation);
            }
            else
            {
                RunWorkers(inputs, parts, counters, progress, cancellation);
            }
        }
        finally
        {
            foreach (var part in parts)
            {
                part.Dispose();
            }
        }

        return ([.. parts.Select(p => p.State)], counters);
    }

    private static void ReadInput(PacketSource input, Func<Batch> rent, Action<Batch> fold, Action<Batch> giveBack, CaptureCounters total, Action<CaptureCounters, bool> progress, CancellationToken cancellation)
    {
        var (counters, _) = Read(input.Open, true, rent, fold, giveBack, progress, cancellation);
        lock (total)
        {
            total.Merge(counters);
        }
    }

    // Reads one input (or slice) to its end in batches; its counters, and where a pcap reader stopped.
    // afterFold, for a pcap slice: called after each batch is folded (the fold's work stealing).
    private static (CaptureCounters Counters, long Position) Read(Func<IPacketReader> open, bool endsFile, Func<Batch> rent, Action<Batch> fold, Action<Batch> giveBack, Action<CaptureCounters, bool> progress, CancellationToken cancellation, Action<PcapReader>? afterFold = null)
    {
        using var reader = open();
        var batches = 0;
        while (true)
        {
            var batch = rent();
            batch.Count = reader.ReadBatch(batch.Packets);
            if (batch.Count == 0)
            {
                giveBack(batch);
                break;
            }

            batch.Position = reader is PcapReader at ? at.Position : -1;
            fold(batch);
            if (afterFold is not null && reader is PcapReader slice)
            {
                afterFold(slice);
            }

            if ((++batches & 0xFF) == 0)
            {
                cancellation.ThrowIfCancellationRequested();
                progress(reader.Counters, false);
            }
        }

        // A slice that gave its rest away no longer ends the file.
        progress(reader.Counters, endsFile && (reader is not PcapReader ended || ended.Limit == long.MaxValue));
        return (reader.Counters, reader is PcapReader pcap ? pcap.Position : -1);
    }

    /// <summary>True when the inputs can be cut into slices: at least one, every one an uncompressed classic pcap file.</summary>
    internal static bool CanSlice(IReadOnlyList<PacketSource> inputs) => inputs.Count > 0 && inputs.All(i => i.SlicePath is not null);

    /// <summary>The records of input <c>Input</c> that start in <c>[From, Limit)</c>; <c>Limit</c> is <see cref="long.MaxValue"/> to the file's end.</summary>
    internal readonly record struct Segment(int Input, long From, long Limit);

    /// <summary>Where one slice ends and the next begins: a record start in an input (offset 0: the input's start).</summary>
    internal readonly record struct Cut(int Input, long Offset);

    /// <summary>
    /// Cuts the inputs (uncompressed classic pcap files, taken as one run of bytes) into
    /// <paramref name="count"/> slices of nearly equal bytes, each cut moved forward to the next record
    /// start (<see cref="PcapReader.FindRecordStart"/>).
    /// </summary>
    internal static Cut[] PlanCuts(IReadOnlyList<PacketSource> inputs, int count)
    {
        var lengths = inputs.Select(i => new FileInfo(i.SlicePath!).Length).ToArray();
        var data = lengths.Select(l => Math.Max(0, l - PcapReader.GlobalHeaderLength)).ToArray();
        var total = data.Sum();
        var cuts = new Cut[count - 1];
        var previous = new Cut(0, 0);
        for (var k = 1; k < count; k++)
        {
            var target = (long)((double)total * k / count);
            var file = 0;
            while (file < data.Length - 1 && target >= data[file])
            {
                target -= data[file];
                file++;
            }

            var cut = new Cut(file, 0);
            if (target > 0)
            {
                using var handle = File.OpenHandle(inputs[file].SlicePath!);
                var start = PcapReader.FindRecordStart(handle, PcapReader.GlobalHeaderLength + target);
                cut = start >= lengths[file] ? new Cut(file + 1, 0) : new Cut(file, start);
            }

            // Cuts never go back (a record start found past the next target).
            previous = cut.Input > previous.Input || (cut.Input == previous.Input && cut.Offset >= previous.Offset) ? cut : previous;
            cuts[k - 1] = previous;
        }

        return cuts;
    }

    /// <summary>The segments of each slice between consecutive cuts (empty ones left out).</summary>
    internal static List<Segment>[] Slices(IReadOnlyList<Cut> cuts, int inputs)
    {
        var bounds = cuts.Prepend(new Cut(0, 0)).Append(new Cut(inputs, 0)).ToArray();
        var slices = new List<Segment>[cuts.Count + 1];
        for (var k = 0; k < slices.Length; k++)
        {
            var (from, to) = (bounds[k], bounds[k + 1]);
            slices[k] = [];
            for (var file = from.Input; file <= to.Input && file < inputs; file++)
            {
                var start = file == from.Input ? from.Offset : 0;
                var limit = file == to.Input ? to.Offset : long.MaxValue;
                if (start < limit)
                {
                    slices[k].Add(new Segment(file, start, limit));
                }
            }
        }

        return slices;
    }

    /// <summary>
    /// Each worker reads one slice of the inputs — consecutive records, cut at record starts — and
    /// folds every packet of it: no packet is parsed twice and no batch crosses cores. A worker keeps
    /// one partial state per address partition (a source's runs and an observer's packets go to the
    /// partition its address hashes to); at the end, the workers' states of each partition are merged,
    /// the partitions in parallel, into the same partitions <see cref="RunSelfReading"/> makes.
    /// A worker that has read its slice takes over the second half of what another has left
    /// (<see cref="Piece"/>), so the workers end together when equal bytes are not equal work.
    /// </summary>
    /// <returns>
    /// Null when a cut was not where the reader of the slice before it ended (the cut fell inside a
    /// record, or damage moved that reader past it): the caller then folds the inputs another way.
    /// </returns>
    internal static (AnalysisPartial[] Parts, CaptureCounters Counters)? RunSlices(IReadOnlyList<PacketSource> inputs, AnalysisOptions options, IReadOnlyList<Cut> cuts, Action<CaptureCounters, bool> progress, CancellationToken cancellation)
    {
        var count = options.Threads;
        var lengths = inputs.Select(i => new FileInfo(i.SlicePath!).Length).ToArray();
        var room = new LogRoom(options.ProbeLogBytes);
        long Bytes(Segment s) => Math.Min(s.Limit, lengths[s.Input]) - s.From;
        Piece NewPiece(List<Segment> segments)
        {
            // A record that makes a packet takes at least 56 bytes of the file (16 of header, 20 of IP,
            // 20 of TCP): a small piece holds back no more than it can have.
            var bytes = segments.Sum(Bytes);
            return new Piece(segments, options.TakeOverBytes, new Partition(-1, count, options, room, (int)Math.Clamp((bytes / 56) + 1, 1, PendingPackets)) { SliceBytes = bytes });
        }

        // The pieces in reading order: one per slice, and one more each time a worker takes over part of another's.
        var pieces = Slices(cuts, inputs.Count).Select(NewPiece).ToList();
        var misplaced = 0;
        var handedOver = false;
        try
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            void Fold(Piece piece)
            {
                var (part, batch) = (piece.Part, new Batch(options.SliceBatch));
                long done = 0;
                try
                {
                    for (var k = 0; k < piece.Segments.Count; k++)
                    {
                        var (file, from, limit) = piece.Segments[k];
                        var path = inputs[file].SlicePath!;
                        var (c, position) = Read(
                            () => CaptureReader.OpenSlice(path, from, limit, CaptureReadOptions.Default),
                            true,
                            () => batch,
                            b =>
                            {
                                part.BytesRead = done + (b.Position - from);
                                part.Fold(b.Packets.AsSpan(0, b.Count));
                            },
                            _ => { },
                            progress,
                            stop.Token,
                            reader => piece.AtBatch(k, reader, Bytes, rest =>
                            {
                                var taken = NewPiece(rest);
                                lock (pieces)
                                {
                                    pieces.Insert(pieces.IndexOf(piece) + 1, taken);
                                }

                                part.SliceBytes = piece.Segments.Sum(Bytes);
                                return taken;
                            }));
                        var end = piece.Segments[k].Limit; // earlier than limit when the rest was taken over
                        done += Bytes(piece.Segments[k]);
                        c.Files = from == 0 ? 1 : 0;
                        piece.Counters.Add(c);
                        if (end != long.MaxValue && position != end)
                        {
                            Interlocked.Exchange(ref misplaced, 1);
                        }
                    }
                }
                finally
                {
                    piece.Finish();
                }

                part.Flush();
            }

            var first = pieces.ToArray();
            var tasks = new Task[first.Length];
            for (var i = 0; i < first.Length; i++)
            {
                var mine = first[i];
                tasks[i] = Worker(
                    () =>
                    {
                        for (var piece = mine; piece is not null; piece = Piece.TakeOver(pieces, stop.Token))
                        {
                            Fold(piece);
                        }
                    },
                    stop);
            }

            Join(tasks, cancellation);
            if (misplaced != 0)
            {
                return null;
            }

            if (pieces.Any(p => p.CutInside))
            {
                Interlocked.Increment(ref s_foldsCutInside);
            }

            // The counters in file order (the first damage is the one a single reader would report).
            var total = new CaptureCounters { Files = 0 };
            foreach (var c in pieces.SelectMany(p => p.Counters))
            {
                total.Merge(c);
            }

            var merged = new AnalysisPartial[count];
            Parallel.For(0, count, k =>
            {
                var into = pieces[0].Part.States[k];
                for (var w = 1; w < pieces.Count; w++)
                {
                    var other = pieces[w].Part.States[k];
                    into.Sources.Merge(other.Sources);
                    into.Telescope.Merge(other.Telescope);
                    into.OutsideWindow += other.OutsideWindow;
                    into.OutsideTelescope += other.OutsideTelescope;
                    into.Filtered += other.Filtered;
                }

                merged[k] = into;
            });

            // The probe log in reading order, so a source's runs stay in time order; all or nothing.
            var logs = pieces.Select(p => p.Part.States[0].ProbeLog).ToArray();
            var keep = logs.All(l => l is not null);
            if (!keep)
            {
                foreach (var block in logs.SelectMany(l => l ?? []))
                {
                    block.Dispose();
                }
            }

            for (var k = 0; k < count; k++)
            {
                merged[k].ProbeLog = keep ? (k == 0 ? [.. logs.SelectMany(l => l!)] : []) : null;
            }

            handedOver = true;
            return (merged, total);
        }
        finally
        {
            foreach (var piece in pieces)
            {
                piece.Dispose();
                if (!handedOver)
                {
                    foreach (var block in piece.Part.States[0].ProbeLog ?? [])
                    {
                        block.Dispose();
                    }
                }
            }
        }
    }

    /// <summary>
    /// Sliced folds, since the process started, that ended with part of a slice taken over at a cut
    /// inside a file, every reader ending at its cut (for the tests: a fold that never split, or
    /// fell back to one reader, proves nothing about splitting).
    /// </summary>
    internal static long FoldsCutInside => Interlocked.Read(ref s_foldsCutInside);

    private static long s_foldsCutInside;

    /// <summary>
    /// Consecutive records of the inputs that one worker folds into its own partial states. A worker
    /// done with its piece asks the owner of the piece with the most bytes left for the second half of
    /// them; the owner answers at its next batch: it cuts its current segment at a record start
    /// (<see cref="PcapReader.FindRecordStart"/>, checked as the first cuts are) and reads on to the
    /// cut only, or gives away whole later segments. Equal bytes are not equal work — the default
    /// month's first half, where most sources start, took ~25% longer than its second — and a fold
    /// lasts as long as its slowest worker.
    /// </summary>
    /// <remarks>
    /// <paramref name="minTakeOver"/>: less than this left is not worth a new piece (its partial states,
    /// its hold-back buffers, a merge); 8 MB by default, ~10 ms of folding.
    /// </remarks>
    private sealed class Piece(List<Segment> segments, long minTakeOver, Partition part) : IDisposable
    {
        private readonly object _gate = new();
        private long _left = long.MaxValue;
        private bool _done;

        // The one pending request of a worker that wants part of this piece (answered at the owner's next batch).
        private Request? _request;

        /// <summary>The segments, in reading order; shortened by the owner when it gives its rest away.</summary>
        public List<Segment> Segments { get; } = segments;

        private long MinTakeOver { get; } = minTakeOver;

        public Partition Part { get; } = part;

        /// <summary>True once the owner gave away the rest of a segment from a cut inside it.</summary>
        public bool CutInside { get; private set; }

        /// <summary>The readers' counters, one per segment read, in order.</summary>
        public List<CaptureCounters> Counters { get; } = [];

        /// <summary>
        /// Called by the owner after each batch: publishes how much is left and, when another worker
        /// asked, gives it the second half of that as a new piece (made by <paramref name="make"/>,
        /// which places it after this one).
        /// </summary>
        public void AtBatch(int current, PcapReader reader, Func<Segment, long> bytes, Func<List<Segment>, Piece> make)
        {
            var here = reader.Position;
            var left = Segments[current].Limit == long.MaxValue || Segments[current].Limit > here
                ? bytes(Segments[current] with { From = here }) : 0;
            for (var k = current + 1; k < Segments.Count; k++)
            {
                left += bytes(Segments[k]);
            }

            Volatile.Write(ref _left, left);
            if (Volatile.Read(ref _request) is not { } request)
            {
                return;
            }

            if (left >= MinTakeOver && Rest(current, reader, here, left / 2, bytes) is { } rest)
            {
                request.Handed = make(rest);
            }

            lock (_gate)
            {
                _request = null;
            }

            request.Answered.Set();
        }

        // Cuts the segments about `half` bytes past `here`; the part after the cut, or null when there is no cut.
        private List<Segment>? Rest(int current, PcapReader reader, long here, long half, Func<Segment, long> bytes)
        {
            var segment = Segments[current];
            var inCurrent = bytes(segment with { From = here });
            if (half < inCurrent)
            {
                using var handle = File.OpenHandle(reader.Path);
                var cut = PcapReader.FindRecordStart(handle, here + half);
                if (cut > here && cut < segment.Limit && cut < RandomAccess.GetLength(handle))
                {
                    reader.EndAt(cut);
                    CutInside = true;
                    List<Segment> rest = [segment with { From = cut }, .. Segments.Skip(current + 1)];
                    Segments[current] = segment with { Limit = cut };
                    Segments.RemoveRange(current + 1, Segments.Count - current - 1);
                    return rest;
                }
            }

            // Whole segments: from the one where the half falls (or the next one) on.
            var from = current + 1;
            for (var skipped = inCurrent; from < Segments.Count - 1 && skipped + bytes(Segments[from]) <= half; from++)
            {
                skipped += bytes(Segments[from]);
            }

            if (from >= Segments.Count)
            {
                return null;
            }

            var given = Segments.Skip(from).ToList();
            Segments.RemoveRange(from, Segments.Count - from);
            return given;
        }

        /// <summary>Gives the hold-back buffers back (the partial states stay).</summary>
        public void Dispose() => Part.Dispose();

        /// <summary>The owner is done reading: whoever asks now gets nothing.</summary>
        public void Finish()
        {
            Request? pending;
            lock (_gate)
            {
                _done = true;
                (pending, _request) = (_request, null);
            }

            pending?.Answered.Set();
        }

        /// <summary>The second half of what the piece with the most left still has to read, as a new piece; null when no piece has enough left.</summary>
        public static Piece? TakeOver(List<Piece> pieces, CancellationToken cancellation)
        {
            while (true)
            {
                Piece? victim = null;
                lock (pieces)
                {
                    foreach (var p in pieces)
                    {
                        if (!Volatile.Read(ref p._done) && Volatile.Read(ref p._left) >= p.MinTakeOver && (victim is null || p._left > victim._left))
                        {
                            victim = p;
                        }
                    }
                }

                if (victim is null)
                {
                    return null;
                }

                using var request = new Request();
                lock (victim._gate)
                {
                    if (victim._done || victim._request is not null)
                    {
                        Thread.Yield();
                        continue; // finished meanwhile, or asked by another worker: look again
                    }

                    victim._request = request;
                }

                request.Answered.Wait(cancellation);
                if (request.Handed is { } taken)
                {
                    return taken;
                }

                if (!Volatile.Read(ref victim._done))
                {
                    return null; // refused (too little left, or no record start found) where the most is left
                }
            }
        }

        // A worker's request for part of a piece; the owner sets Handed (or not) and then Answered.
        private sealed class Request : IDisposable
        {
            public ManualResetEventSlim Answered { get; } = new(false);

            public Piece? Handed { get; set; }

            public void Dispose() => Answered.Dispose();
        }
    }

    /// <summary>
    /// Every worker reads every input itself and folds the packets it owns: no reader thread, no
    /// hand-over of batches between cores, no queues. Parsing is repeated on each of the P threads,
    /// which pays while P parses cost less than the hand-over (measured in docs/benchmarks-features.md).
    /// Worker 0 alone reports progress and counts the readers' counters (every worker reads the same).
    /// A worker more than <see cref="AnalysisOptions.SelfReadingLead"/> batches ahead of the slowest waits for it, so a
    /// capture larger than memory is read from disk once: the others find its pages still cached.
    /// </summary>
    private static void RunSelfReading(IReadOnlyList<PacketSource> inputs, Partition[] parts, long lead, CaptureCounters counters, Action<CaptureCounters, bool> progress, CancellationToken cancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var position = new long[parts.Length];
        var workers = new Task[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var (me, part) = (i, parts[i]);
            workers[i] = Worker(
                () =>
                {
                    var batch = new Batch();
                    var ignored = new CaptureCounters { Files = 0 };
                    Batch Next()
                    {
                        var mine = Interlocked.Increment(ref position[me]);
                        while (mine - Slowest(position) > lead)
                        {
                            stop.Token.ThrowIfCancellationRequested();
                            Thread.Sleep(1);
                        }

                        return batch;
                    }

                    foreach (var input in inputs)
                    {
                        ReadInput(input, Next, b => part.Fold(b.Packets.AsSpan(0, b.Count)), _ => { }, me == 0 ? counters : ignored, me == 0 ? progress : static (_, _) => { }, stop.Token);
                    }

                    // The held-back packets, folded on this core while the others still read (nobody waits
                    // for a worker that has read everything: it is the furthest ahead).
                    part.Flush();
                },
                stop,
                () => Volatile.Write(ref position[me], long.MaxValue));
        }

        Join(workers, cancellation);
    }

    // A worker on its own thread; its failure stops the others.
    private static Task Worker(Action work, CancellationTokenSource stop, Action? atEnd = null) => Task.Factory.StartNew(
        () =>
        {
            try
            {
                work();
            }
            catch
            {
                stop.Cancel();
                throw;
            }
            finally
            {
                atEnd?.Invoke();
            }
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    // Waits for the workers; throws the failure that started it, not the cancellations it caused.
    private static void Join(Task[] workers, CancellationToken cancellation)
    {
        try
        {
            Task.WaitAll(workers, CancellationToken.None);
        }
        catch (AggregateException e)
        {
            cancellation.ThrowIfCancellationRequested();
            ExceptionDispatchInfo.Capture(FirstCause([e])).Throw();
        }
    }

    private static long Slowest(long[] position)
    {
        var min = long.MaxValue;
        for (var i = 0; i < position.Length; i++)
        {
            min = Math.Min(min, Volatile.Read(ref position[i]));
        }

        return min;
    }

    private static void RunWorkers(IReadOnlyList<PacketSource> inputs, Partition[] parts, CaptureCounters counters, Action<CaptureCounters, bool> progress, CancellationToken cancellation)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var free = new BlockingCollection<Batch>();
        for (var i = 0; i < BatchesPerWorker * parts.Length; i++)
        {
            free.Add(new Batch(), CancellationToken.None);
        }

        var queues = parts.Select(_ => new BlockingCollection<Batch>()).ToArray();
        var workers = new Task[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var (part, queue) = (parts[i], queues[i]);
            workers[i] = Task.Factory.StartNew(
                () =>
                {
                    try
                    {
                        foreach (var batch in queue.GetConsumingEnumerable(stop.Token))
                        {
                            part.Fold(batch.Packets.AsSpan(0, batch.Count));
                            if (Interlocked.Decrement(ref batch.Pending) == 0)
                            {
                                free.Add(batch);
                            }
                        }

                        part.Flush();
                    }
                    catch
                    {
                        stop.Cancel();
                        throw;
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        // Readers are cheap next to the fold (one per four workers keeps them fed); each hands its
        // batches to every worker and takes a free batch back from whichever worker finished last.
        var readers = Math.Min(inputs.Count, Math.Max(1, parts.Length / 4));
        void Broadcast(Batch batch)
        {
            batch.Pending = queues.Length;
            foreach (var queue in queues)
            {
                queue.Add(batch, stop.Token);
            }
        }

        var errors = new List<Exception>();
        try
        {
            Parallel.ForEach(
                inputs,
                new ParallelOptions { MaxDegreeOfParallelism = readers, CancellationToken = stop.Token },
                input => ReadInput(input, () => free.Take(stop.Token), Broadcast, b => free.Add(b), counters, progress, stop.Token));
        }
        catch (Exception e)
        {
            errors.Add(e);
            stop.Cancel();
        }
        finally
        {
            foreach (var queue in queues)
            {
                queue.CompleteAdding();
            }
        }

        try
        {
            Task.WaitAll(workers, CancellationToken.None);
        }
        catch (AggregateException e)
        {
            errors.Add(e);
        }
        finally
        {
            foreach (var queue in queues)
            {
                queue.Dispose();
            }
        }

        cancellation.ThrowIfCancellationRequested();
        if (errors.Count > 0)
        {
            ExceptionDispatchInfo.Capture(FirstCause(errors)).Throw();
        }
    }

    // The exception that started it (in a reader or a worker): not the cancellations it caused in the other threads.
    private static Exception FirstCause(List<Exception> errors)
    {
        var all = errors.SelectMany(e => e is AggregateException a ? a.Flatten().InnerExceptions : [e]).ToList();
        return all.FirstOrDefault(x => x is not OperationCanceledException) ?? all[0];
    }

    /// <summary>The partition (of <paramref name="count"/>) that owns a source: multiplicative hashing, so neighbouring addresses (one /24 of scanners) spread over the partitions.</summary>
    internal static int Owner(uint address, int count) => count == 1 ? 0 : (int)(((ulong)(address * 0x9E3779B1u) * (uint)count) >> 32);

    /// <summary>
    /// The partition that owns an observer: its /20 (the telescope state's block), hashed. Whole
    /// blocks per partition keep each partition's open-minute bitmaps to its own blocks: hashed per
    /// address, every block was in every partition, so a slice's worker kept P times the bitmaps hot
    /// and sealed every block P times a minute.
    /// </summary>
    internal static int ObserverOwner(uint address, int count) => Owner(address >> TelescopeAccumulator.SlotShift, count);

    /// <summary>
    /// Packets a partition holds back before folding them grouped by source (6 MB, and as much again
    /// for the grouping). 2^20 grouped longer runs, but each worker's last flush is a tail no other
    /// can share and its buffers are fresh memory: 2^18 took the default month 0.955 -> 0.890 s and the
    /// 2.08e8-packet capture 31.3 -> 30.1 s (docs/benchmarks-e2e.md, session 12).
    /// </summary>
    private const int PendingPackets = 1 << 18;

    /// <summary>A batch of packets on its way to every worker; back in the free pool when the last one is done.</summary>
    private sealed class Batch(int size = BatchSize)
    {
        public readonly PacketRecord[] Packets = new PacketRecord[size];
        public int Count;
        public int Pending;

        /// <summary>Where a pcap reader stood after the batch (−1 for other readers).</summary>
        public long Position = -1;
    }

    /// <summary>
    /// One worker's state and its share of the per-packet work: with an <c>index</c> of 0 or more, the
    /// partition of that index (its sources and observers, from every packet); with −1, every packet of
    /// a slice of the inputs, kept in one partial state per partition (<see cref="States"/>).
    /// </summary>
    /// <summary>
    /// The probe log's room, shared by the workers of one fold: the log is kept only whole (every
    /// worker's part), so one worker's slice or partition may take more than an equal share as long
    /// as all of them fit; once one gives up, the others stop logging too.
    /// </summary>
    private sealed class LogRoom(long bytes)
    {
        private long _left = bytes / Unsafe.SizeOf<RunProbe>();
        private volatile bool _givenUp;

        /// <summary>Takes room for <paramref name="packets"/> more; false (and the log given up for all) when there is none.</summary>
        public bool Take(long packets)
        {
            if (!_givenUp && Interlocked.Add(ref _left, -packets) >= 0)
            {
                return true;
            }

            GiveUp();
            return false;
        }

        public void GiveUp() => _givenUp = true;
    }

    private sealed class Partition(int index, int count, AnalysisOptions options, LogRoom room, int capacity = PendingPackets) : IDisposable
    {
        private const long NsPerSecond = 1_000_000_000L;
        private readonly long _from = options.From is { } f ? f.ToUnixTimeMilliseconds() * 1_000_000L : 0L;
        private readonly long _to = options.To is { } t ? t.ToUnixTimeMilliseconds() * 1_000_000L : long.MaxValue;
        private readonly long _binNs = options.BinSeconds * NsPerSecond;
        private readonly TelescopeSpace? _space = options.Telescope;
        private readonly IPacketPredicate _filter = options.Filter;

        // Packets held back for the source accumulator, folded in groups by source (Flush).
        private const int GroupBits = 10;
        private const int Groups = 1 << GroupBits;
        private HugePageBuffer<SourcePacket>? _pending = new(capacity);
        private HugePageBuffer<SourcePacket>? _grouped;
        private int _count;

        /// <summary>The partition's state, or a slice's state for each partition (the probe log in the first).</summary>
        public AnalysisPartial[] States { get; } = [.. Enumerable.Range(0, index < 0 ? count : 1)
            .Select(k => new AnalysisPartial(options.PortListLimit) { ProbeLog = k == 0 && options.ProbeLogBytes > 0 ? [] : null })];

        public AnalysisPartial State => States[0];

        // Packets this worker may expect to keep in the probe log (an equal share of the room), for
        // projecting early whether its inputs can fit at all.
        private readonly long _logShare = options.ProbeLogBytes / Unsafe.SizeOf<RunProbe>() / count;
        private long _logged;

        /// <summary>Bytes of the inputs this worker reads (a slice's), when known; 0 otherwise.</summary>
        public long SliceBytes { get; set; }

        /// <summary>Bytes of them read so far (set by the reading loop before each batch).</summary>
        public long BytesRead { get; set; }

        /// <summary>
        /// Folds a batch: a partition's worker (index 0 or more) folds the packets of its sources and
        /// the observers it owns; a slice's worker (index −1) folds every packet, each destination into
        /// the telescope state of the partition that owns it (its sources' packets go to their
        /// partitions by runs when flushed). Per-packet counters go to the first state.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Fold(ReadOnlySpan<PacketRecord> packets)
        {
            var telescope = State.Telescope;
            long outsideWindow = 0, outsideTelescope = 0, filtered = 0;

            // Packets come nearly in time order: the bin is divided out only when a packet leaves the last one.
            long binStart = long.MaxValue, binEnd = long.MinValue;
            uint bin = 0;
            var held = _pending!.Span;
            var slice = index < 0;
            foreach (ref readonly var packet in packets)
            {
                // A slice's worker takes every packet; a partition's, those of its sources.
                var mine = slice || Owner(packet.Src) == index;
                var ts = packet.TimestampNs;
                if (ts < _from || ts >= _to)
                {
                    outsideWindow += mine ? 1 : 0;
                    continue;
                }

                if (_space is not null && !_space.Contains(packet.Dst))
                {
                    outsideTelescope += mine ? 1 : 0;
                    continue;
                }

                if (slice)
                {
                    States[ObserverOwner(packet.Dst, count)].Telescope.Add(packet.Dst, ts);
                }
                else if (ObserverOwner(packet.Dst, count) == index)
                {
                    telescope.Add(packet.Dst, ts);
                }

                if (!mine)
                {
                    continue;
                }

                if (!_filter.Accepts(packet))
                {
                    filtered++;
                    continue;
                }

                if (ts < binStart || ts >= binEnd)
                {
                    bin = (uint)((ts - _from) / _binNs);
                    binStart = _from + (bin * _binNs);
                    binEnd = binStart + _binNs;
                }

                held[_count++] = new SourcePacket(packet.Src, packet.Dst, packet.TimestampNs, bin, packet.DstPort, packet.Ttl, packet.Tool);
                if (_count == held.Length)
                {
                    Flush();
                }
            }

            State.OutsideWindow += outsideWindow;
            State.OutsideTelescope += outsideTelescope;
            State.Filtered += filtered;
        }

        /// <summary>
        /// Folds the packets held back into the source accumulator one source at a time: two stable
        /// counting-sort passes over the source address's hash (its upper bits, then the next bits
        /// within each group) put each source's packets next to each other, still in time order. A
        /// source's sets are then fetched into cache once per run rather than once per packet when
        /// thousands of sources interleave, and its destinations are merged in as one sorted batch.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Flush()
        {
            var n = _count;
            if (n == 0)
            {
                return;
            }

            _grouped ??= new HugePageBuffer<SourcePacket>(capacity);
            var pending = _pending!.Span[..n];
            var grouped = _grouped.Span[..n];
            Span<int> start = stackalloc int[Groups + 1];
            CountingSort(pending, grouped, start, 32 - GroupBits);

            // Within each group, the next bits of the hash, back into the pending array: sources that
            // share both parts of the hash (rare) still interleave, which costs speed, not exactness.
            Span<int> inner = stackalloc int[Groups + 1];
            var from = 0;
            for (var g = 0; g < Groups; g++)
            {
                var to = start[g];
                var length = to - from;
                if (length > 1)
                {
                    CountingSort(grouped[from..to], pending[from..to], inner, 32 - (2 * GroupBits));
                }
                else if (length == 1)
                {
                    pending[from] = grouped[from];
                }

                from = to;
            }

            if (State.ProbeLog is { } log)
            {
                // Kept for the second pass while every worker's fit the room they share (copied, 14 of
                // the 24 bytes, the source once per run: the 1.5·10^8 packets used of a 2·10^8-packet
                // capture then fit the default room, which at 24 bytes, split evenly between the
                // workers, they did not); past that, the inputs are read again instead.
                // Inputs whose packets cannot fit give the log up early — not after filling the room (an
                // eighth of the machine's memory by default) with packets that are then thrown away: the
                // packets so far, scaled to the whole slice, may exceed the worker's equal share of the
                // room four times once 0.2% of it is read (a telescope month of 10^10 packets is 80
                // times a 24 GB machine's room), or by a quarter once 5% is (a capture twice the room).
                // Traffic that bursts early can give up a log that would have fitted: the second pass
                // then reads the inputs again.
                _logged += n;
                var share = SliceBytes > 0 ? BytesRead / (double)SliceBytes : 0;
                var projected = share > 0 ? _logged / share : 0;
                var hopeless = (share >= 0.002 && projected > 4.0 * _logShare) || (share >= 0.05 && projected > 1.25 * _logShare);
                if (hopeless)
                {
                    room.GiveUp();
                }

                if (room.Take(n))
                {
                    var kept = new HugePageBuffer<RunProbe>(n);
                    var into = kept.Span;
                    var runs = new List<(uint Src, int Length)>();
                    for (var k = 0; k < n; k++)
                    {
                        ref readonly var p = ref pending[k];
                        if (k == 0 || p.Src != pending[k - 1].Src)
                        {
                            runs.Add((p.Src, 0));
                        }

                        CollectionsMarshal.AsSpan(runs)[^1].Length++;
                        into[k] = new RunProbe(p.TimestampNs, p.Dst, p.Port);
                    }

                    log.Add(new LogBlock(kept, n, [.. runs]));
                }
                else
                {
                    foreach (var block in log)
                    {
                        block.Dispose();
                    }

                    State.ProbeLog = null;
                }
            }

            var states = States;
            for (var at = 0; at < n;)
            {
                var src = pending[at].Src;
                var end = at + 1;
                while (end < n && pending[end].Src == src)
                {
                    end++;
                }

                // A slice's runs go to their source's partition; a partition's are all its own.
                states[index < 0 ? Owner(src) : 0].Sources.AddRun(pending[at..end]);
                at = end;
            }

            _count = 0;
        }

        /// <summary>Gives the hold-back buffers back (after the last <see cref="Flush"/>; again is harmless).</summary>
        public void Dispose()
        {
            _pending?.Dispose();
            _grouped?.Dispose();
            (_pending, _grouped) = (null, null);
        }

        // A stable counting sort of input into output by GroupBits bits of the source's hash, starting
        // at bit shift; leaves each bucket's end in ends.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void CountingSort(ReadOnlySpan<SourcePacket> input, Span<SourcePacket> output, Span<int> ends, int shift)
        {
            ends.Clear();
            foreach (ref readonly var p in input)
            {
                ends[Bucket(p.Src, shift) + 1]++;
            }

            for (var g = 0; g < Groups; g++)
            {
                ends[g + 1] += ends[g];
            }

            foreach (ref readonly var p in input)
            {
                output[ends[Bucket(p.Src, shift)]++] = p;
            }
        }

        // A different hash from the partition's (its bits would be equal inside one partition).
        private static int Bucket(uint src, int shift) => (int)(((src * 0x85EBCA6Bu) >> shift) & (Groups - 1));

        private int Owner(uint address) => PartitionedFold.Owner(address, count);
    }
}
