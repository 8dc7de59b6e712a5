using ScanScope.Capture;
using ScanScope.Pipeline;
using static ScanScope.Tests.Features.TestCaptures;

namespace ScanScope.Tests.Features;

[Collection(ConsoleCollection.Name)]
public sealed class AnalyzeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scanscope-analyze-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Capture(string name, params ScanScope.Packets.PacketRecord[] packets)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, Pcap(packets));
        return path;
    }

    private static (int Code, string Err) Run(params string[] args)
    {
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try
        {
            return (ScanScope.Cli.Cli.Run(args), err.ToString());
        }
        finally
        {
            Console.SetError(old);
        }
    }

    [Fact]
    public void Analyze_WritesFeaturesSummaryAndDaily()
    {
        var a = Capture("a.pcap", Syn("1.1.1.1", "10.0.0.1", 80, 10), Syn("1.1.1.1", "10.0.0.2", 80, 700));
        var b = Capture("b.pcap", Syn("2.2.2.2", "10.0.0.3", 22, 20));
        var outDir = Path.Combine(_dir, "out");

        var (code, _) = Run("analyze", a, b, "--out", outDir, "--telescope", "10.0.0.0/30", "--threads", "2");

        Assert.Equal(0, code);
        var lines = File.ReadAllLines(Path.Combine(outDir, "features.csv"));
        Assert.Equal(AnalysisWriter.FeaturesHeader, lines[0]);
        Assert.StartsWith("1.1.1.1,2,600,0,600,1,", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("2.2.2.2,1,300,0,300,1,", lines[2], StringComparison.Ordinal);
        var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json"))).RootElement;
        Assert.Equal(3, summary.GetProperty("packets").GetProperty("used").GetInt64());
        Assert.Equal(4, summary.GetProperty("telescope").GetProperty("observers").GetInt64());
        Assert.True(summary.GetProperty("seconds_per_stage").TryGetProperty("read_and_fold", out _));
        Assert.True(File.Exists(Path.Combine(outDir, "telescope_daily.csv")));
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp"));
    }

    [Fact]
    public void CaptureWithoutTcp_GivesOneLineAndAnEmptyResult()
    {
        var path = Path.Combine(_dir, "udp.pcap");
        using (var w = PcapWriter.Create(path, LinkType.Raw))
        {
            var udp = new byte[28];
            udp[0] = 0x45;
            udp[3] = 28;
            udp[8] = 64;
            udp[9] = 17;
            w.WriteRaw(T0 * 1_000_000_000L, udp, udp.Length);
        }

        AssertEmptyResult(Run("analyze", path, "--out", Path.Combine(_dir, "o1")), Path.Combine(_dir, "o1"), "no IPv4 TCP packet");
    }

    [Fact]
    public void TelescopeRangeMatchingNothing_GivesOneLineAndAnEmptyResult()
    {
        var a = Capture("a.pcap", Syn("1.1.1.1", "10.0.0.1", 80, 10));

        AssertEmptyResult(Run("analyze", a, "--out", Path.Combine(_dir, "o2"), "--telescope", "192.0.2.0/24"), Path.Combine(_dir, "o2"), "no TCP packet reached the telescope range 192.0.2.0/24");
    }

    [Fact]
    public void NothingInTheWindow_GivesOneLineAndAnEmptyResult()
    {
        var r = Analysis.Run([Source("a.pcap", [Syn("1.1.1.1", "10.0.0.1", 80, 10)])], new AnalysisOptions { From = DateTimeOffset.FromUnixTimeSeconds(T0 + 3600) }, TestContext.Current.CancellationToken);

        Assert.Empty(r.Features);
        Assert.Equal("none of the 1 TCP packets is inside the time window", Assert.Single(r.Warnings));
    }

    [Theory]
    [InlineData("--telescope", "10.0.0.0/33", "--telescope: '10.0.0.0/33' is not an IPv4 prefix")]
    [InlineData("--bin-seconds", "0", "the bin width must be at least 1 second")]
    [InlineData("--uptime-threshold", "1.5", "the uptime threshold must be from 0 to 1")]
    public void BadOption_IsOneErrorLineAndExitCode2(string option, string value, string message)
    {
        var a = Capture("a.pcap", Syn("1.1.1.1", "10.0.0.1", 80, 10));

        var (code, err) = Run("analyze", a, "--out", Path.Combine(_dir, "o3"), option, value);

        Assert.Equal(2, code);
        Assert.StartsWith($"scanscope: error: {message}", err, StringComparison.Ordinal);
        Assert.Single(err.TrimEnd().Split('\n'));
    }

    private static void AssertEmptyResult((int Code, string Err) run, string outDir, string message)
    {
        Assert.Equal(0, run.Code);
        Assert.Contains($"scanscope: warning: {message}", run.Err, StringComparison.Ordinal);
        Assert.Equal([AnalysisWriter.FeaturesHeader], File.ReadAllLines(Path.Combine(outDir, "features.csv")));
        Assert.Equal([AnalysisWriter.DailyHeader], File.ReadAllLines(Path.Combine(outDir, "telescope_daily.csv")));
        var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json"))).RootElement;
        Assert.Equal(0, summary.GetProperty("sources").GetInt32());
    }
}
