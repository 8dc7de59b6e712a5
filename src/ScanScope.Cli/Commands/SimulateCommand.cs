using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ScanScope.Simulation;

namespace ScanScope.Cli;

/// <summary><c>simulate</c>: write a telescope scenario's capture with its ground truth.</summary>
internal static class SimulateCommand
{
    public static Command Create()
    {
        var profile = new Option<string>("--profile") { Description = "small, default or hard", DefaultValueFactory = _ => "default" };
        var scenario = new Option<string?>("--scenario") { Description = "a scenario JSON file (as written to scenario.json) instead of a profile" };
        var seed = new Option<ulong>("--seed") { Description = "seed of the profile", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "output folder", Required = true };
        var command = new Command("simulate", "Simulate a telescope month: capture.pcap, labels.csv and scenario.json.") { profile, scenario, seed, output };
        command.SetAction(r =>
        {
            var file = r.GetValue(scenario);
            Scenario s;
            if (file is not null)
            {
                if (!File.Exists(file))
                {
                    throw new UsageException($"{file}: no such file");
                }

                try
                {
                    s = ScenarioJson.Read(file);
                    s.Validate();
                }
                catch (Exception e) when (e is JsonException or ArgumentException)
                {
                    throw new UsageException($"{file}: {e.Message}");
                }
            }
            else
            {
                var name = r.GetValue(profile)!;
                if (!ScenarioProfiles.Names.Contains(name))
                {
                    throw new UsageException($"--profile {name}: expected one of {string.Join(", ", ScenarioProfiles.Names)}");
                }

                s = ScenarioProfiles.Get(name, r.GetValue(seed));
            }

            var dir = r.GetValue(output)!;
            var clock = Stopwatch.StartNew();
            var result = ScenarioSimulator.Run(s, dir);
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"simulate: {s.Name}: {result.Packets:N0} packets, {result.Labels.Count:N0} sources, {s.Groups.Count} groups in {seconds:F1} s ({result.Packets / seconds:N0} packets/s) -> {Path.GetFullPath(dir)}"));
            return 0;
        });
        return command;
    }
}
