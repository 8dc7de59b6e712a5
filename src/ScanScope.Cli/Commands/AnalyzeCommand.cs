using System.CommandLine;
using System.Globalization;
using ScanScope.Capture;
using ScanScope.Pipeline;
using ScanScope.Telescope;

namespace ScanScope.Cli;

/// <summary><c>scanscope analyze INPUT... --out DIR</c>: telescope model and per-source features.</summary>
internal static class AnalyzeCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("INPUT") { Description = "Capture files (classic pcap).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Folder for features.csv, telescope_daily.csv and summary.json.", Required = true };
        var telescope = new Option<string?>("--telescope") { Description = "Observed space as CIDR blocks, comma separated (default: the /24s that received traffic)." };
        var bin = new Option<int>("--bin-seconds") { Description = "Bin width b in seconds.", DefaultValueFactory = _ => 300 };
        var uptime = new Option<double>("--uptime-threshold") { Description = "Uptime (0-1) at or above which an observer counts in |O|.", DefaultValueFactory = _ => 0.9 };
        var threads = new Option<int>("--threads") { Description = "Files read at the same time.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var heavy = new Option<double?>("--heavy-hitter-threshold") { Description = "Fixed coverage (destinations / |O|) from which a source is a heavy hitter (default: the knee of the coverage curve)." };
        var sensitivity = new Option<double>("--knee-sensitivity") { Description = "Kneedle sensitivity S for the heavy-hitter knee.", DefaultValueFactory = _ => 1.0 };
        var command = new Command("analyze", "Telescope model (observers, uptime, |O|, outages) and per-source features from captures.")
        {
            inputs, output, telescope, bin, uptime, threads, heavy, sensitivity,
        };
        // System.CommandLine's default exception handler would turn these into a stack trace and exit
        // code 1 before Cli.Run sees them, so the verb reports them itself.
        command.SetAction(parse =>
        {
            try
            {
                return Run(parse, inputs, output, telescope, bin, uptime, threads, heavy, sensitivity);
            }
            catch (Exception e) when (e is UsageException or CaptureFormatException)
            {
                Console.Error.WriteLine($"scanscope: error: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static int Run(
        ParseResult parse, Argument<string[]> inputs, Option<string> output, Option<string?> telescope, Option<int> bin,
        Option<double> uptime, Option<int> threads, Option<double?> heavy, Option<double> sensitivity)
    {
        var paths = parse.GetValue(inputs) ?? [];
        foreach (var p in paths)
        {
            if (p != "-" && !File.Exists(p))
            {
                throw new UsageException($"{p}: no such file");
            }
        }

        var options = new AnalysisOptions
        {
            BinSeconds = parse.GetValue(bin),
            UptimeThreshold = parse.GetValue(uptime),
            Threads = parse.GetValue(threads),
            HeavyHitterThreshold = parse.GetValue(heavy),
            KneeSensitivity = parse.GetValue(sensitivity),
            Telescope = ParseTelescope(parse.GetValue(telescope)),
        };
        AnalysisResult result;
        try
        {
            result = Analysis.Run(paths, options);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }

        var dir = parse.GetValue(output)!;
        AnalysisWriter.Write(result, dir);
        foreach (var warning in result.Warnings)
        {
            Console.Error.WriteLine($"scanscope: warning: {warning}; wrote an empty result");
        }

        var t = result.Telescope;
        Console.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"scanscope: {result.Counters.Records} records, {result.Used} packets used, {result.Features.Count} sources ({result.HeavyHitters.Count} heavy hitters), |O| = {t.ActiveObservers} of {t.Observers} observers, {t.OutageMinutes} outage minutes; wrote {dir}"));
        return 0;
    }

    private static TelescopeSpace? ParseTelescope(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var blocks = new List<TelescopeBlock>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!TelescopeBlock.TryParse(part, out var block, out var problem))
            {
                throw new UsageException($"--telescope: '{part}' is not an IPv4 CIDR block: {problem}");
            }

            blocks.Add(block);
        }

        return new TelescopeSpace(blocks);
    }
}
