using System.CommandLine;
using ScanScope.Capture;

namespace ScanScope.Cli;

/// <summary>
/// <c>demo</c>: for now, <c>capture stats</c> on the small telescope capture the repository ships
/// (tests/Fixtures/demo-telescope.pcap.gz); it becomes the full simulate-and-analyze demo once the
/// simulator lands.
/// </summary>
internal static class DemoCommand
{
    internal const string Fixture = "tests/Fixtures/demo-telescope.pcap.gz";

    public static Command Create()
    {
        var demo = new Command("demo", "Run ScanScope on the embedded default (for now: capture stats on the capture shipped in tests/Fixtures)");
        demo.SetAction(_ => CaptureStatsCommand.Guard(() =>
        {
            var path = FindFixture() ?? throw new UsageException($"cannot find {Fixture} above {AppContext.BaseDirectory}");
            Console.Out.WriteLine($"capture stats {Path.GetRelativePath(Environment.CurrentDirectory, path)}");
            return CaptureStatsCommand.Run([path], CaptureReadOptions.Default, json: false, top: 10, Console.Out, Console.Error);
        }));
        return demo;
    }

    private static string? FindFixture()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, Fixture);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
