using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Tests.Capture;

public sealed class CaptureReaderTests
{
    [Theory]
    [InlineData("gzip")]
    [InlineData("zstd")]
    public void CompressedFile_IsFoundByMagic_WhateverItsName(string kind)
    {
        using var files = new TestFiles();
        var pcap = SampleCaptures.DemoTelescope(500);
        var compressed = kind == "gzip" ? SampleCaptures.Gzip(pcap) : SampleCaptures.Zstd(pcap);
        var path = files.Write("capture.pcap", compressed);
        var expected = Read.Bytes(pcap);
        var (packets, c) = Read.All(path);
        Assert.Equal(expected.Packets, packets);
        Assert.Equal(compressed.Length, c.SourceBytes);

        // Counters stay readable after the reader is closed.
        var reader = CaptureReader.Open(path);
        while (reader.TryRead(out _))
        {
        }

        reader.Dispose();
        Assert.Equal(compressed.Length, reader.Counters.SourceBytes);
        Assert.Equal(expected.Counters.Records, reader.Counters.Records);
    }

    [Fact]
    public async Task IsPlainFile_OnlyForSeekableUncompressedFiles()
    {
        // Plain files can be read once per fold thread; compressed ones, pipes and stdin cannot (cheaply).
        using var files = new TestFiles();
        var pcap = SampleCaptures.Small();
        Assert.True(CaptureReader.IsPlainFile(files.Write("a.pcap", pcap)));
        Assert.False(CaptureReader.IsPlainFile(files.Write("empty.pcap", [])));
        Assert.False(CaptureReader.IsPlainFile(files.Write("a.pcap.gz", SampleCaptures.Gzip(pcap))));
        Assert.False(CaptureReader.IsPlainFile(files.Write("named-like-a.pcap", SampleCaptures.Zstd(pcap))));
        Assert.False(CaptureReader.IsPlainFile("-"));
        Assert.False(CaptureReader.IsPlainFile(Path.Combine(files.Root, "missing.pcap")));
        var fifo = Path.Combine(files.Root, "fifo.pcap");
        System.Diagnostics.Process.Start("mkfifo", fifo)!.WaitForExit();
        var answer = await Task.Run(() => CaptureReader.IsPlainFile(fifo), TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.False(answer);
    }

    [Fact]
    public void CompressedPcapNg_IsRead()
    {
        using var files = new TestFiles();
        using var ng = PcapNg.FromPcap(SampleCaptures.Small());
        var path = files.Write("x.bin", SampleCaptures.Zstd(ng.Bytes));
        Assert.Equal(Read.Bytes(SampleCaptures.Small()).Packets, Read.All(path).Packets);
    }

    [Fact]
    public void GzipCutShort_IsCountedAsDamage_OrStopsWhenStrict()
    {
        var cut = PcapReaderTests.FixtureBytes("cut.pcap.gz");
        var (packets, c) = Read.Bytes(cut);
        Assert.Equal(1, c.Skipped(SkipReason.DamagedRecord));
        Assert.NotEmpty(packets);
        Assert.Throws<CaptureFormatException>(() => Read.Bytes(cut, CaptureReadOptions.Default with { Strict = true }));
    }

    [Fact]
    public void ZstdCutShort_IsCountedAsDamage_OrStopsWhenStrict()
    {
        var whole = SampleCaptures.Zstd(SampleCaptures.DemoTelescope(8000)); // several 128 KiB zstd blocks
        var cut = whole[..(whole.Length / 2)];
        var (packets, c) = Read.Bytes(cut);
        Assert.Equal(1, c.Skipped(SkipReason.DamagedRecord));
        Assert.Contains("zstd", c.FirstDamage);
        Assert.InRange(packets.Count, 1, 7800);
        Assert.Throws<CaptureFormatException>(() => Read.Bytes(cut, CaptureReadOptions.Default with { Strict = true }));
    }

    [Fact]
    public void ConcatenatedZstdFrames_AreReadAsOneStream()
    {
        var a = SampleCaptures.DemoTelescope(100);
        var b = SampleCaptures.Small();
        var pcap = a.Concat(b.AsSpan(24).ToArray()).ToArray();
        var frames = SampleCaptures.Zstd(a).Concat(SampleCaptures.Zstd(b.AsSpan(24).ToArray())).ToArray();
        Assert.Equal(Read.Bytes(pcap).Packets, Read.Bytes(frames).Packets);
    }

    [Fact]
    public void MissingFile_IsFileNotFound()
        => Assert.Throws<FileNotFoundException>(() => CaptureReader.Open(Path.Combine(Path.GetTempPath(), "scanscope-missing-" + Guid.NewGuid().ToString("N") + ".pcap")));

    [Fact]
    public void Filter_SkipsAndCountsFilteredPackets()
    {
        var pcap = SampleCaptures.DemoTelescope(500);
        var all = Read.Bytes(pcap).Packets;
        var filter = new PacketFilter { Tools = ToolchainSet.Of(Toolchain.Masscan) };
        var (packets, c) = Read.Bytes(pcap, CaptureReadOptions.Default with { Filter = filter });
        Assert.Equal(all.Where(p => p.Tool == Toolchain.Masscan), packets);
        Assert.Equal(all.Count - packets.Count, c.Skipped(SkipReason.Filtered));
        Assert.Equal(packets.Count, c.Packets);
    }

    [Fact]
    public void ReadersOfDifferentFiles_RunInParallel_Independently()
    {
        using var files = new TestFiles();
        var paths = Enumerable.Range(0, 6).Select(i => files.Write($"f{i}.pcap", SampleCaptures.DemoTelescope(300 + i))).ToList();
        var sequential = paths.Select(p => Read.All(p).Packets).ToList();
        var parallel = new List<PacketRecord>[paths.Count];
        Parallel.For(0, paths.Count, i => parallel[i] = Read.All(paths[i], CaptureReadOptions.Default with { BufferSize = 1000 }).Packets);
        for (var i = 0; i < paths.Count; i++)
        {
            Assert.Equal(sequential[i], parallel[i]);
        }
    }
}
