using System.Diagnostics;
using System.Text.RegularExpressions;
using ScanScope.Reporting;
using ScanScope.Tests.Reporting;
using SkiaSharp;

namespace ScanScope.IntegrationTests.Reporting;

/// <summary>Opens the report in real headless Chromium (Debian's chromium), as a reader would.</summary>
public sealed class ChromiumReportTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public void Report_LoadsWithoutConsoleErrors_AndDrawsEveryFigure()
    {
        SkipWithoutChromium();
        var dir = Directory.CreateTempSubdirectory("scanscope-chromium-");
        var model = SampleReports.Create(clusters: 3);
        var path = Path.Combine(dir.FullName, "report.html");
        HtmlReport.Write(model, path);

        var (dom, log) = RunChromium(dir.FullName, "--dump-dom", new Uri(path).AbsoluteUri);

        var consoleLines = log.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal)).ToArray();
        Assert.True(consoleLines.Length == 0, "console output: " + string.Join(" | ", consoleLines));
        var rendered = Regex.Match(dom, "data-rendered=\"(\\d+)\"");
        Assert.True(rendered.Success, "the report script did not finish");
        Assert.Equal(3 + 1 + model.Clusters.Count, int.Parse(rendered.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(3 + 1 + model.Clusters.Count, Regex.Count(dom, "<canvas"));
        dir.Delete(true);
    }

    [Fact]
    public void Screenshot_ShowsTheFigures()
    {
        SkipWithoutChromium();
        var dir = Directory.CreateTempSubdirectory("scanscope-chromium-");
        var path = Path.Combine(dir.FullName, "report.html");
        HtmlReport.Write(SampleReports.Create(clusters: 1), path);
        var shot = Path.Combine(dir.FullName, "shot.png");

        RunChromium(dir.FullName, $"--screenshot={shot}", "--window-size=1280,2600", "--hide-scrollbars", new Uri(path).AbsoluteUri);

        using var bitmap = SKBitmap.Decode(shot);
        Assert.NotNull(bitmap);
        // Figures draw coloured lines and points: count pixels of the chart palette's saturated colours.
        var coloured = ColouredPixels(bitmap);
        Assert.True(coloured > 2000, $"screenshot has only {coloured} coloured pixels: figures missing?");
        dir.Delete(true);
    }

    [Fact]
    public void DemoScenarioReport_LoadsCleanly_AndItsScreenshotShowsTheFigures()
    {
        SkipWithoutChromium();
        var dir = Directory.CreateTempSubdirectory("scanscope-chromium-demo-");
        var scenario = Path.Combine(dir.FullName, "scenario");
        ScanScope.Simulation.ScenarioSimulator.Run(ScanScope.Simulation.ScenarioProfiles.Get("small", seed: 1), scenario);
        var results = Path.Combine(dir.FullName, "results");
        Assert.Equal(0, ScanScope.Cli.Cli.Run(["analyze", Path.Combine(scenario, "capture.pcap"), "--out", results]));
        var path = Path.Combine(results, "report.html");
        var html = File.ReadAllText(path);
        var figures = Regex.Count(html, "data-figure=\"");
        Assert.True(figures >= 5, $"the demo report has only {figures} figures");

        var (dom, log) = RunChromium(dir.FullName, "--dump-dom", new Uri(path).AbsoluteUri);
        var consoleLines = log.Split('\n').Where(l => l.Contains(":CONSOLE", StringComparison.Ordinal)).ToArray();
        Assert.True(consoleLines.Length == 0, "console output: " + string.Join(" | ", consoleLines));
        Assert.Equal(figures.ToString(System.Globalization.CultureInfo.InvariantCulture), Regex.Match(dom, "data-rendered=\"(\\d+)\"").Groups[1].Value);

        var shot = Path.Combine(dir.FullName, "demo.png");
        RunChromium(dir.FullName, $"--screenshot={shot}", "--window-size=1280,4500", "--hide-scrollbars", new Uri(path).AbsoluteUri);
        using var bitmap = SKBitmap.Decode(shot);
        var coloured = ColouredPixels(bitmap);
        Assert.True(coloured > 2000, $"the demo report screenshot has only {coloured} coloured pixels: figures missing?");
        dir.Delete(true);
    }

    private static int ColouredPixels(SKBitmap bitmap)
    {
        var coloured = 0;
        for (var y = 0; y < bitmap.Height; y += 2)
        {
            for (var x = 0; x < bitmap.Width; x += 2)
            {
                var c = bitmap.GetPixel(x, y);
                if (Math.Max(c.Red, Math.Max(c.Green, c.Blue)) - Math.Min(c.Red, Math.Min(c.Green, c.Blue)) > 80)
                {
                    coloured++;
                }
            }
        }

        return coloured;
    }

    private static void SkipWithoutChromium()
    {
        if (!File.Exists(Chromium))
        {
            Assert.Skip("Debian's chromium is not installed: run ./run-tests (it installs it) or apt-get install chromium.");
        }
    }

    private static (string Stdout, string Stderr) RunChromium(string profileParent, params string[] args)
    {
        var psi = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000",
            $"--user-data-dir={Path.Combine(profileParent, "chromium-profile")}",
        }.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(90)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish in 90 s");
        }

        return (stdout.Result, stderr.Result);
    }
}
