using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using ScanScope.Capture;
using ScanScope.Cli;
using ScanScope.Packets;

namespace ScanScope.Tests.Capture;

[Collection(ConsoleCollection.Name)]
public sealed class CaptureStatsCommandTests
{
    [Fact]
    public void Json_CountsWhatTheReaderSees()
    {
        var path = TestFiles.Fixture("demo-telescope.pcap.gz");
        var (packets, counters) = Read.All(path);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, CaptureStatsCommand.Run([path], CaptureReadOptions.Default, json: true, top: 3, output, error));
        using var json = JsonDocument.Parse(output.ToString());
        var root = json.RootElement;
        Assert.Equal(counters.Records, root.GetProperty("records").GetInt64());
        Assert.Equal(packets.Count, root.GetProperty("packets").GetInt64());
        Assert.Equal(packets.Count(p => p.IsSyn), root.GetProperty("syn_packets").GetInt64());
        Assert.Equal(counters.Skipped(SkipReason.Ipv6), root.GetProperty("skipped").GetProperty("ipv6").GetInt64());
        Assert.Equal(counters.LastTimestampNs - counters.FirstTimestampNs, root.GetProperty("last_ns").GetInt64() - root.GetProperty("first_ns").GetInt64());
        var top = root.GetProperty("top_ports").EnumerateArray().ToList();
        Assert.Equal(3, top.Count);
        var busiest = packets.GroupBy(p => p.DstPort).OrderByDescending(g => g.Count()).First();
        Assert.Equal(busiest.Key, top[0].GetProperty("port").GetInt32());
        Assert.Equal(busiest.Count(), top[0].GetProperty("packets").GetInt64());
        var tools = root.GetProperty("toolchains");
        Assert.Equal(packets.Count(p => p.Tool == Toolchain.Mirai), tools.GetProperty("mirai").GetProperty("packets").GetInt64());
        Assert.Equal(1.0, tools.EnumerateObject().Sum(t => t.Value.GetProperty("share").GetDouble()), 9);
        Assert.Empty(error.ToString());
    }

    [Fact]
    public void DamagedInput_WarnsOnStderr_WithTheFirstDamage()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var path = TestFiles.Fixture("damaged/caplen-beyond-snaplen.pcap");
        CaptureStatsCommand.Run([path], CaptureReadOptions.Default, json: false, top: 5, output, error);
        Assert.Contains("damaged-record 1", output.ToString());
        Assert.StartsWith($"scanscope: warning: {path}: byte ", error.ToString());
    }

    [Fact]
    public void FilterOptions_BuildTheFilter_AndRejectBadValues()
    {
        var options = new FilterOptions();
        var command = new Command("x");
        options.AddTo(command);
        var filter = options.Build(command.Parse(["--from", "2024-03-01T00:00:00Z", "--to", "1709254800.5", "--telescope", "44.10.0.0/16", "--syn-only", "--tool", "zmap,nmap", "--ports", "80,8000-8001"]));
        Assert.NotNull(filter);
        Assert.Equal(1_709_251_200_000_000_000, filter.FromNs);
        Assert.Equal(1_709_254_800_500_000_000, filter.ToNs);
        Assert.True(filter.SynOnly);
        Assert.True(filter.Tools!.Value.Contains(Toolchain.ZMapRandomId) && !filter.Tools.Value.Contains(Toolchain.Masscan));
        Assert.Equal(3, filter.Ports!.Count);
        Assert.Equal(65536, filter.Telescope!.Size);
        Assert.Null(options.Build(command.Parse([])));
        foreach (var bad in new[] { new[] { "--from", "yesterday" }, ["--tool", "zmapp"], ["--ports", "99999"], ["--telescope", "44.10.0.0/40"], ["--from", "20", "--to", "10"] })
        {
            Assert.Throws<UsageException>(() => options.Build(command.Parse(bad)));
        }
    }

    [Fact]
    public void Progress_IsSilentForShortReads_AndDrawsRateAndEta()
    {
        using var error = new StringWriter();
        using (var progress = new Progress(1000, error, terminal: false))
        {
            progress.Advance(500);
            Assert.Empty(error.ToString());
            Assert.Equal("scanscope: reading 500 B of 1000 B (50%), 100 B/s, ETA 0:05", progress.Line(TimeSpan.FromSeconds(5)));
        }

        Assert.Empty(error.ToString());
        using var bar = new Progress(0, error, terminal: true);
        bar.Report(3 << 20);
        Assert.Equal("scanscope: reading 3.0 MiB, 1.5 MiB/s", bar.Line(TimeSpan.FromSeconds(2)));
    }

    [Theory]
    [InlineData("damaged/empty.pcap", "empty file")]
    [InlineData("damaged/not-a-capture.pcap", "not a pcap or pcapng capture")]
    [InlineData("no-such-file.pcap", "no such file")]
    public void BadInput_IsOneLineOnStderr_AndExitCode2(string name, string problem)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "ScanScope.Cli.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { cli, "capture", "stats", TestFiles.Fixture(name), "--strict" })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(2, process.ExitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("scanscope: error: ", line);
        Assert.Contains(problem, line);
    }
}
