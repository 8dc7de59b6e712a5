using ScanScope.Capture;
using SharpFuzz;

// Fuzz target for the capture readers: any input must end in packets, counted skips, or one
// CaptureFormatException, never another exception or a hang. See docs/capture.md for the run.
//   afl:        afl-fuzz -i seeds -o findings -t 10000 -m none -- dotnet ScanScope.Fuzz.dll
//   libfuzzer:  dotnet ScanScope.Fuzz.dll --libfuzzer (under libfuzzer-dotnet)
//   mutate:     dotnet ScanScope.Fuzz.dll --mutate SEED_DIR ITERATIONS  (no instrumentation: random
//               byte flips, splices and cuts of the seeds, in process; reports any other exception)
switch (args)
{
    case ["--libfuzzer", ..]:
        Fuzzer.LibFuzzer.Run(span => Target.Run(span.ToArray()));
        break;
    case ["--mutate", var seeds, var iterations, ..]:
        return Target.Mutate(seeds, int.Parse(iterations, System.Globalization.CultureInfo.InvariantCulture));
    default:
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            Target.Run(ms.ToArray());
        });
        break;
}

return 0;

internal static class Target
{
    /// <summary>
    /// Reads the bytes leniently and strictly, with a tiny window so records straddle refills, once
    /// packet by packet and once in batches: both must end the same way (the same packets, counters and
    /// error message; see below for a strict error inside a batch), and only in packets, counted skips or
    /// one <see cref="CaptureFormatException"/>.
    /// </summary>
    public static void Run(byte[] data)
    {
        foreach (var strict in new[] { false, true })
        {
            var one = Read(data, strict, batch: 0);
            var batched = Read(data, strict, batch: 7);
            // A strict error thrown inside a batch drops the packets that batch had read before it (the
            // run stops there anyway); everything else must be equal.
            var packetsAgree = one.Error is null
                ? one.Packets.SequenceEqual(batched.Packets)
                : batched.Packets.Count <= one.Packets.Count && one.Packets.Take(batched.Packets.Count).SequenceEqual(batched.Packets);
            if (!packetsAgree || one.Error != batched.Error || one.Skipped != batched.Skipped || one.Records != batched.Records)
            {
                throw new InvalidOperationException($"ReadBatch differs from TryRead (strict {strict}): {one.Packets.Count}/{batched.Packets.Count} packets, skipped {one.Skipped}/{batched.Skipped}, error '{one.Error}'/'{batched.Error}'");
            }
        }
    }

    private static (List<ScanScope.Packets.PacketRecord> Packets, long Skipped, long Records, string? Error) Read(byte[] data, bool strict, int batch)
    {
        var packets = new List<ScanScope.Packets.PacketRecord>();
        IPacketReader reader;
        try
        {
            reader = CaptureReader.Open(new MemoryStream(data), "fuzz", CaptureReadOptions.Default with { Strict = strict, BufferSize = 64 });
        }
        catch (CaptureFormatException e)
        {
            return (packets, 0, 0, e.Message);
        }

        using var owned = reader;
        try
        {
            var buffer = new ScanScope.Packets.PacketRecord[Math.Max(1, batch)];
            while (true)
            {
                var n = batch == 0 ? (reader.TryRead(out buffer[0]) ? 1 : 0) : reader.ReadBatch(buffer);
                if (n == 0)
                {
                    break;
                }

                packets.AddRange(buffer.AsSpan(0, n));
                if (packets.Count > 10_000_000)
                {
                    throw new InvalidOperationException("no end in sight: more packets than bytes allow");
                }
            }

            return (packets, reader.Counters.TotalSkipped, reader.Counters.Records, null);
        }
        catch (CaptureFormatException e)
        {
            return (packets, reader.Counters.TotalSkipped, reader.Counters.Records, e.Message);
        }
    }

    public static int Mutate(string seedDirectory, int iterations)
    {
        var seeds = Directory.EnumerateFiles(seedDirectory, "*", SearchOption.AllDirectories).Select(File.ReadAllBytes).Where(s => s.Length > 0).ToList();
        var random = new Random(1);
        var failures = 0;
        for (var i = 0; i < iterations; i++)
        {
            var data = Mutant(random, seeds);
            try
            {
                Run(data);
            }
            catch (Exception e)
            {
                failures++;
                var path = Path.Combine(Path.GetTempPath(), $"scanscope-fuzz-crash-{i}.bin");
                File.WriteAllBytes(path, data);
                Console.Error.WriteLine($"iteration {i}: {e.GetType().Name}: {e.Message} (input saved to {path})");
            }
        }

        Console.WriteLine($"{iterations} inputs from {seeds.Count} seeds, {failures} failures");
        return failures == 0 ? 0 : 1;
    }

    private static byte[] Mutant(Random random, List<byte[]> seeds)
    {
        var data = (byte[])seeds[random.Next(seeds.Count)].Clone();
        var edits = random.Next(1, 8);
        for (var e = 0; e < edits && data.Length > 0; e++)
        {
            switch (random.Next(5))
            {
                case 0:
                    data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    data[random.Next(data.Length)] = (byte)random.Next(256);
                    break;
                case 2:
                    data = data[..random.Next(data.Length)];
                    break;
                case 3:
                    var at = random.Next(Math.Max(1, data.Length - 4));
                    BitConverter.TryWriteBytes(data.AsSpan(at), random.Next(2) == 0 ? random.Next() : random.Next(0, 300));
                    break;
                default:
                    var other = seeds[random.Next(seeds.Count)];
                    var from = random.Next(other.Length);
                    data = [.. data.AsSpan(0, random.Next(data.Length)), .. other.AsSpan(from, Math.Min(other.Length - from, 4096))];
                    break;
            }
        }

        return data;
    }
}
