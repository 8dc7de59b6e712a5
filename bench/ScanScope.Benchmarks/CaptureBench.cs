using System.Buffers.Binary;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Benchmarks;

/// <summary>
/// Reading a ≥ 1 GB telescope-like pcap (in the page cache) into <see cref="PacketRecord"/>s,
/// side by side with the physical limit (a plain read of the same bytes), tcpdump, PacketDotNet,
/// and the gzip/zstd command lines for the compressed readers. The capture is made on first use
/// in /tmp (SCANSCOPE_BENCH_PCAP overrides the path); see docs/benchmarks-capture.md.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class CaptureBench
{
    private const long TargetBytes = 1L << 30;

    public static string PcapPath => Environment.GetEnvironmentVariable("SCANSCOPE_BENCH_PCAP") ?? "/tmp/scanscope-bench.pcap";

    [GlobalSetup]
    public void Setup()
    {
        BenchCapture.Ensure(PcapPath, TargetBytes);
        BenchCapture.EnsureCompressed(PcapPath);
    }

    [Benchmark(Baseline = true, Description = "plain read (limit)")]
    public long PlainRead()
    {
        using var handle = File.OpenHandle(PcapPath, options: FileOptions.SequentialScan);
        var buffer = new byte[4 << 20];
        long offset = 0;
        int n;
        while ((n = RandomAccess.Read(handle, buffer, offset)) > 0)
        {
            offset += n;
        }

        return offset;
    }

    [Benchmark(Description = "ScanScope pcap")]
    public long ScanScopePcap() => ReadAll(PcapPath);

    [Benchmark(Description = "ScanScope pcap, ReadBatch")]
    public long ScanScopePcapBatch() => ReadAllBatched(PcapPath);

    [Benchmark(Description = "tcpdump -r -w /dev/null")]
    public long Tcpdump() => Shell($"tcpdump -r {PcapPath} -w /dev/null");

    [Benchmark(Description = "PacketDotNet 1.4.8")]
    public long PacketDotNetParse()
    {
        // PacketDotNet parses byte arrays: each record is handed to it as its own array, which is
        // how its API is used on a capture (an object graph per packet either way).
        long n = 0;
        uint x = 0;
        foreach (var frame in BenchCapture.Frames(PcapPath))
        {
            var packet = PacketDotNet.Packet.ParsePacket(PacketDotNet.LinkLayers.Ethernet, frame);
            if (packet.Extract<PacketDotNet.TcpPacket>() is { } tcp && tcp.ParentPacket is PacketDotNet.IPv4Packet ip)
            {
                x ^= tcp.SequenceNumber ^ (uint)ip.Id ^ tcp.DestinationPort ^ (uint)tcp.WindowSize ^ (uint)tcp.Flags ^ (uint)ip.TimeToLive;
                n++;
            }
        }

        return n + x;
    }

    [Benchmark(Description = "ScanScope pcap.gz")]
    public long ScanScopeGzip() => ReadAll(PcapPath + ".gz");

    [Benchmark(Description = "gzip -dc > /dev/null")]
    public long GzipCli() => Shell($"gzip -dc {PcapPath}.gz > /dev/null");

    [Benchmark(Description = "ScanScope pcap.zst")]
    public long ScanScopeZstd() => ReadAll(PcapPath + ".zst");

    [Benchmark(Description = "zstd -dc > /dev/null")]
    public long ZstdCli() => Shell($"zstd -q -dc {PcapPath}.zst > /dev/null");

    public static long ReadAll(string path)
    {
        using var reader = CaptureReader.Open(path);
        long n = 0;
        uint x = 0;
        while (reader.TryRead(out var p))
        {
            n++;
            x ^= p.Seq ^ p.IpId ^ p.DstPort ^ (uint)p.Tool;
        }

        return n + x;
    }

    /// <summary>The same checksum as <see cref="ReadAll"/>, 4096 packets per reader call.</summary>
    public static long ReadAllBatched(string path)
    {
        using var reader = CaptureReader.Open(path);
        var batch = new PacketRecord[4096];
        long n = 0;
        uint x = 0;
        int count;
        while ((count = reader.ReadBatch(batch)) > 0)
        {
            n += count;
            foreach (ref readonly var p in batch.AsSpan(0, count))
            {
                x ^= p.Seq ^ p.IpId ^ p.DstPort ^ (uint)p.Tool;
            }
        }

        return n + x;
    }

    /// <summary>
    /// The same comparison in CPU seconds rather than wall time (<c>--capture-cpu</c>): on a shared,
    /// loaded machine the wall clock measures the neighbours, while CPU time still measures the
    /// work. Child processes are timed with the shell's <c>times</c>.
    /// </summary>
    /// <param name="output">Where the table goes.</param>
    /// <param name="only">Rows to run, by full name or first word ("plain", "tcpdump", "ScanScope"); all rows when empty.</param>
    /// <param name="rounds">Rounds per row; the best CPU time is kept.</param>
    public static void PrintCpuTable(TextWriter output, IReadOnlyList<string> only, int rounds = 3)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(only);
        var bench = new CaptureBench();
        BenchCapture.Ensure(PcapPath, TargetBytes);
        long packets;
        using (var reader = CaptureReader.Open(PcapPath))
        {
            while (reader.TryRead(out _))
            {
            }

            packets = reader.Counters.Records;
        }

        var bytes = new FileInfo(PcapPath).Length;
        var rows = new (string Name, Func<(double Wall, double Cpu)> Run)[]
        {
            ("plain read (limit)", () => InProcess(() => bench.PlainRead())),
            ("ScanScope pcap", () => InProcess(bench.ScanScopePcap)),
            ("ScanScope pcap, ReadBatch", () => InProcess(bench.ScanScopePcapBatch)),
            ("tcpdump -r -w /dev/null", () => Child($"tcpdump -r {PcapPath} -w /dev/null 2>/dev/null")),
            ("PacketDotNet 1.4.8", () => InProcess(bench.PacketDotNetParse)),
            ("ScanScope pcap.gz", () => InProcess(bench.ScanScopeGzip)),
            ("gzip -dc > /dev/null", () => Child($"gzip -dc {PcapPath}.gz > /dev/null")),
            ("ScanScope pcap.zst", () => InProcess(bench.ScanScopeZstd)),
            ("zstd -dc > /dev/null", () => Child($"zstd -q -dc {PcapPath}.zst > /dev/null")),
        };
        rows = [.. rows.Where(r => only.Count == 0 || only.Any(o => r.Name.Equals(o, StringComparison.OrdinalIgnoreCase) || r.Name.Split(' ')[0].Equals(o, StringComparison.OrdinalIgnoreCase)))];
        if (rows.Any(r => r.Name.Contains("gz", StringComparison.Ordinal) || r.Name.Contains("zst", StringComparison.Ordinal)))
        {
            BenchCapture.EnsureCompressed(PcapPath);
        }

        output.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        output.WriteLine($"capture: {PcapPath}, {bytes:N0} bytes, {packets:N0} packets; best of {rounds} rounds; {Environment.ProcessorCount} cores");
        output.WriteLine("| reader | wall s | CPU s | Mpackets per CPU-s | GB per CPU-s |");
        output.WriteLine("|---|---|---|---|---|");
        foreach (var (name, run) in rows)
        {
            run();
            var best = Enumerable.Range(0, rounds).Select(_ => run()).MinBy(x => x.Cpu);
            output.WriteLine($"| {name} | {best.Wall:F2} | {best.Cpu:F2} | {packets / best.Cpu / 1e6:F1} | {bytes / best.Cpu / 1e9:F2} |");
        }
    }

    private static (double Wall, double Cpu) InProcess(Func<long> body)
    {
        var me = Process.GetCurrentProcess();
        var cpu = me.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        body();
        var wall = clock.Elapsed.TotalSeconds;
        me.Refresh();
        return (wall, (me.TotalProcessorTime - cpu).TotalSeconds);
    }

    private static (double Wall, double Cpu) Child(string command)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo("/bin/bash", ["-c", command + "; times"]) { RedirectStandardOutput = true })!;
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        var wall = clock.Elapsed.TotalSeconds;

        // "times" prints the shell's own user/system time, then its children's: "0m1.357s 0m0.339s".
        var children = lines[^1].Split(' ');
        return (wall, children.Sum(Seconds));
    }

    private static double Seconds(string t)
    {
        var m = t.IndexOf('m', StringComparison.Ordinal);
        return (int.Parse(t[..m], System.Globalization.CultureInfo.InvariantCulture) * 60)
            + double.Parse(t[(m + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long Shell(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardError = true })!;
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? 0 : throw new InvalidOperationException($"{command} exited with {process.ExitCode}");
    }
}

/// <summary>Makes the benchmark capture: a telescope-like mix of scanner SYNs and background packets.</summary>
public static class BenchCapture
{
    /// <summary>Writes <paramref name="path"/> (about <paramref name="bytes"/> long) unless it is already there.</summary>
    public static void Ensure(string path, long bytes)
    {
        if (File.Exists(path) && new FileInfo(path).Length >= bytes)
        {
            return;
        }

        var random = new Random(7);
        var temp = path + ".tmp";
        using (var writer = PcapWriter.Create(temp))
        {
            var ts = 1_700_000_000_000_000_000L;
            var written = 24L;
            while (written < bytes)
            {
                var p = Next(random, ts += random.Next(1, 2000) * 1000L);
                writer.Write(p);
                written += 16 + PacketBuilder.EthernetHeaderLength + PacketBuilder.IpLength(p);
            }
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Writes the .gz (gzip default level) and .zst (zstd default level) copies unless they are newer than the pcap.</summary>
    public static void EnsureCompressed(string path)
    {
        foreach (var (ext, command) in new[] { (".gz", $"gzip -c {path} > {path}.gz.tmp"), (".zst", $"zstd -q -c {path} > {path}.zst.tmp") })
        {
            if (File.Exists(path + ext) && File.GetLastWriteTimeUtc(path + ext) >= File.GetLastWriteTimeUtc(path))
            {
                continue;
            }

            using var process = Process.Start("/bin/sh", ["-c", command])!;
            process.WaitForExit();
            File.Move(path + ext + ".tmp", path + ext, overwrite: true);
        }
    }

    /// <summary>The frames of a little-endian microsecond pcap, each as its own array.</summary>
    public static IEnumerable<byte[]> Frames(string path)
    {
        using var stream = new BufferedStream(File.OpenRead(path), 1 << 20);
        var header = new byte[16];
        stream.ReadExactly(header.AsSpan(0, 24 - 16));
        stream.ReadExactly(header);
        while (stream.ReadAtLeast(header, 16, throwOnEndOfStream: false) == 16)
        {
            var frame = new byte[BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8))];
            stream.ReadExactly(frame);
            yield return frame;
        }
    }

    private static PacketRecord Next(Random r, long ts)
    {
        var dst = 0x2C0A0000u | (uint)r.Next(65536);
        var src = (uint)r.Next() | 0x01000000u;
        var seq = (uint)r.NextInt64(1L << 32);
        var kind = r.Next(100);
        var p = new PacketRecord
        {
            TimestampNs = ts, Src = src, Dst = dst, Seq = seq, SrcPort = (ushort)r.Next(32768, 61000),
            DstPort = r.Next(4) == 0 ? (ushort)r.Next(1, 65536) : (ushort)(r.Next(2) == 0 ? 80 : 443),
            Ttl = (byte)r.Next(30, 250), Flags = TcpFlags.Syn, Window = 65535, IpId = (ushort)r.Next(65536),
        };
        return kind switch
        {
            < 40 => p with { IpId = Fingerprints.ZMapIpId },
            < 60 => p with { Options = Fingerprints.ZMapWindowsLayout, Mss = 1460, WindowScale = 8 },
            < 75 => p with { Window = 1024, IpId = (ushort)(dst ^ p.DstPort ^ seq) },
            < 85 => p with { Seq = dst, DstPort = 23, Window = (ushort)r.Next(65536) },
            < 90 => p with { Window = 1024, Options = Fingerprints.MssOnlyLayout, Mss = 1460 },
            _ => p with { Flags = TcpFlags.Syn | TcpFlags.Ack, Ack = (uint)r.Next() },
        };
    }
}
