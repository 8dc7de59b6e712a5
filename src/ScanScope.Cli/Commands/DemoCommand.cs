using System.CommandLine;

namespace ScanScope.Cli;

/// <summary>
/// <c>scanscope demo [--out DIR]</c>: the whole path on the embedded default scenario. Simulates a
/// telescope month with ZMap sharded scans and ground truth, analyzes the capture, writes the
/// report, and scores the clusters against the truth — the same verbs a user would run by hand.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Folder for the scenario and the results", DefaultValueFactory = _ => "demo-out" };
        var profile = new Option<string>("--profile") { Description = "Scenario profile: small, default or hard", DefaultValueFactory = _ => "default" };
        var seed = new Option<int>("--seed") { Description = "Scenario seed", DefaultValueFactory = _ => 1 };
        var demo = new Command("demo", "Simulate the default telescope month, analyze it, write the report and score the clusters against the ground truth")
        {
            output, profile, seed,
        };
        demo.SetAction(parse =>
        {
            var dir = Path.GetFullPath(parse.GetValue(output)!);
            var scenario = Path.Combine(dir, "scenario");
            var results = Path.Combine(dir, "results");
            string[][] steps =
            [
                ["simulate", "--profile", parse.GetValue(profile)!, "--seed", parse.GetValue(seed).ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", scenario],
                // analyze's default is the best mode (--algorithm siblings, docs/clustering.md); the
                // thesis' own method is --algorithm dbscan --tool zmap (README, accuracy).
                ["analyze", Path.Combine(scenario, "capture.pcap"), "--out", results],
                ["evaluate", "--truth", Path.Combine(scenario, "labels.csv"), "--clusters", Path.Combine(results, "clusters.csv")],
            ];
            foreach (var step in steps)
            {
                Console.Error.WriteLine($"scanscope demo: scanscope {string.Join(' ', step)}");
                var code = Cli.Build().Parse(step).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
                if (code != 0)
                {
                    return code;
                }
            }

            Console.Out.WriteLine($"report: {Path.Combine(results, "report.html")}");
            Console.Out.WriteLine($"tables: {Path.Combine(results, "scanscope.duckdb")} and {Path.Combine(results, "parquet")}");
            return 0;
        });
        return demo;
    }
}
