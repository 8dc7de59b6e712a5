using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Tests.Capture;

/// <summary>The committed fixtures are what <see cref="SampleCaptures"/> writes, and each damaged one fails the way its README line says.</summary>
public sealed class FixtureTests
{
    public static TheoryData<string, bool, int> DamagedCases() => new()
    {
        // file, Open/first read fails even when lenient, damaged records counted when lenient
        { "empty.pcap", true, 0 },
        { "short-header.pcap", true, 0 },
        { "wrong-magic.pcap", true, 0 },
        { "not-a-capture.pcap", true, 0 },
        { "twice.pcap.gz", true, 0 },
        { "truncated-record.pcap", false, 1 },
        { "truncated-header.pcap", false, 1 },
        { "caplen-beyond-snaplen.pcap", false, 1 },
        { "caplen-beyond-file.pcap", false, 1 },
        { "garbage-in-record.pcap", false, 0 },
        { "cut.pcap.gz", false, 1 },
        { "bad-block-length.pcapng", false, 1 },
        { "trailing-length-mismatch.pcapng", false, 1 },
        { "truncated-block.pcapng", false, 1 },
    };

    [Fact]
    public void CommittedFixtures_AreWhatTheFactoryWrites()
    {
        var expected = SampleCaptures.Damaged().ToDictionary(x => "damaged/" + x.Key, x => x.Value);
        var demo = SampleCaptures.Gzip(SampleCaptures.DemoTelescope());
        if (Environment.GetEnvironmentVariable("SCANSCOPE_WRITE_FIXTURES") == "1")
        {
            var root = Path.Combine(RepositoryRoot(), "tests", "Fixtures");
            foreach (var (name, bytes) in expected)
            {
                File.WriteAllBytes(Path.Combine(root, name), bytes);
            }

            File.WriteAllBytes(Path.Combine(root, "demo-telescope.pcap.gz"), demo);
        }

        foreach (var (name, bytes) in expected)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(File.ReadAllBytes(TestFiles.Fixture(name))), $"{name} differs from SampleCaptures; regenerate with SCANSCOPE_WRITE_FIXTURES=1");
        }

        // gzip output may change with the runtime's zlib: compare the decompressed demo capture.
        var committed = Read.All(TestFiles.Fixture("demo-telescope.pcap.gz"));
        Assert.Equal(Read.Bytes(SampleCaptures.DemoTelescope()).Packets, committed.Packets);
    }

    [Theory]
    [MemberData(nameof(DamagedCases))]
    public void DamagedFixture_GivesOneLineErrorOrCountedSkip_NeverAnotherException(string name, bool openFails, int damaged)
    {
        var path = TestFiles.Fixture("damaged/" + name);
        if (openFails)
        {
            var e = Assert.Throws<CaptureFormatException>(() => Read.All(path));
            Assert.StartsWith($"{path}: byte {e.Offset}: ", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            return;
        }

        var (_, counters) = Read.All(path);
        Assert.Equal(damaged, counters.Skipped(SkipReason.DamagedRecord));
        Assert.Equal(damaged > 0, counters.FirstDamage is not null);
        if (damaged > 0)
        {
            var strict = Assert.Throws<CaptureFormatException>(() => Read.All(path, CaptureReadOptions.Default with { Strict = true }));
            Assert.Equal(counters.FirstDamage, strict.Message);
        }
    }

    [Fact]
    public void DemoFixture_HasEveryToolchain()
    {
        var (packets, counters) = Read.All(TestFiles.Fixture("demo-telescope.pcap.gz"));
        foreach (var tool in Enum.GetValues<Toolchain>())
        {
            Assert.Contains(packets, p => p.Tool == tool);
        }

        Assert.Equal(3000, counters.Records);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScanScope.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("repository root");
    }
}
