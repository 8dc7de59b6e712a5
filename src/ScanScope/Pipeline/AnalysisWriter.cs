using System.Globalization;
using System.Text;
using System.Text.Json;
using ScanScope.Features;
using ScanScope.Packets;
using ScanScope.Telescope;

namespace ScanScope.Pipeline;

/// <summary>
/// Writes an analysis to a folder: <c>features.csv</c>, <c>telescope_daily.csv</c> and
/// <c>summary.json</c>, each to a temporary name first and then renamed, so a reader never sees
/// half a file.
/// </summary>
public static class AnalysisWriter
{
    /// <summary>The header of features.csv: <c>src_ip</c>, the five features, then the extras.</summary>
    public const string FeaturesHeader = "src_ip,destinations,period,start,activity,ports,first_seen,last_seen,packets,ports_list,port_destinations,tools,ttl_min,ttl_max,coverage,heavy_hitter";

    /// <summary>The header of telescope_daily.csv (thesis figure 4.1).</summary>
    public const string DailyHeader = "day,subnet,active_observers,observers_seen";

    /// <summary>Writes every output file into <paramref name="directory"/> (created when missing).</summary>
    public static void Write(AnalysisResult result, string directory, IReadOnlyList<StageTiming>? extraTimings = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        WriteAtomically(Path.Combine(directory, "features.csv"), w => WriteFeatures(result.Features, w));
        WriteAtomically(Path.Combine(directory, "telescope_daily.csv"), w => WriteDaily(result.Telescope, w));
        StageTiming[] timings = [.. extraTimings ?? [], new StageTiming("write", clock.Elapsed.TotalSeconds)];
        WriteAtomically(Path.Combine(directory, "summary.json"), w => w.Write(SummaryJson(result, timings)));
    }

    /// <summary>Writes the feature table as CSV (header always, one row per source).</summary>
    public static void WriteFeatures(IReadOnlyList<FeatureRow> rows, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(FeaturesHeader);
        writer.Write('\n');
        var line = new StringBuilder(256);
        foreach (var r in rows)
        {
            line.Clear();
            var c = CultureInfo.InvariantCulture;
            line.Append(TelescopeBlock.Format(r.Src)).Append(',')
                .Append(r.Destinations.ToString(c)).Append(',')
                .Append(r.Period.ToString("R", c)).Append(',')
                .Append(r.Start.ToString(c)).Append(',')
                .Append(r.Activity.ToString(c)).Append(',')
                .Append(r.Ports.ToString(c)).Append(',')
                .Append(Timestamp(r.FirstSeenNs)).Append(',')
                .Append(Timestamp(r.LastSeenNs)).Append(',')
                .Append(r.Packets.ToString(c)).Append(',')
                .AppendJoin(';', r.PortList).Append(',');
            for (var i = 0; i < r.PortList.Count; i++)
            {
                line.Append(i == 0 ? "" : ";").Append(r.PortList[i].ToString(c)).Append(':').Append(r.PortDestinations[i].ToString(c));
            }

            line.Append(',').AppendJoin(';', r.Tools.Select(ToolName)).Append(',')
                .Append(r.TtlMin.ToString(c)).Append(',')
                .Append(r.TtlMax.ToString(c)).Append(',')
                .Append(double.IsNaN(r.Coverage) ? "" : r.Coverage.ToString("R", c)).Append(',')
                .Append(r.HeavyHitter ? "1" : "0").Append('\n');
            writer.Write(line);
        }
    }

    /// <summary>Writes the active observers per /16 per day.</summary>
    public static void WriteDaily(TelescopeModel telescope, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(telescope);
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(DailyHeader);
        writer.Write('\n');
        foreach (var d in telescope.Daily)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{d.Day:yyyy-MM-dd},{d.Subnet},{d.ActiveObservers},{telescope.ObserversPerSubnet.GetValueOrDefault(d.Subnet)}\n"));
        }
    }

    /// <summary>Lower-case toolchain name as written in features.csv.</summary>
    public static string ToolName(Toolchain tool) => tool switch
    {
        Toolchain.ZMap => "zmap",
        Toolchain.ZMapRandomId => "zmap-random-id",
        Toolchain.Masscan => "masscan",
        Toolchain.Mirai => "mirai",
        Toolchain.Nmap => "nmap",
        Toolchain.Unknown => "unknown",
        _ => ((int)tool).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>ISO 8601 UTC with microseconds.</summary>
    public static string Timestamp(long ns) => DateTime.UnixEpoch.AddTicks(ns / 100).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The summary document.</summary>
    public static string SummaryJson(AnalysisResult result, IReadOnlyList<StageTiming> extraTimings)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(extraTimings);
        var t = result.Telescope;
        var o = result.Options;
        var skipped = Enum.GetValues<SkipReason>().Where(r => r != SkipReason.None && result.Counters.Skipped(r) > 0)
            .ToDictionary(r => r.ToString(), r => result.Counters.Skipped(r));
        var summary = new Dictionary<string, object?>
        {
            ["inputs"] = result.Inputs,
            ["packets"] = new Dictionary<string, object?>
            {
                ["records_read"] = result.Counters.Records,
                ["tcp"] = result.Counters.Packets,
                ["used"] = result.Used,
                ["skipped_by_reader"] = skipped,
                ["outside_window"] = result.OutsideWindow,
                ["outside_telescope"] = result.OutsideTelescope,
                ["filtered"] = result.Filtered,
                ["filter"] = o.Filter.Describe(),
            },
            ["window"] = new Dictionary<string, object?>
            {
                ["start"] = Timestamp(result.WindowStartNs),
                ["end"] = Timestamp(result.WindowEndNs),
                ["start_unix"] = result.WindowStartNs / 1_000_000_000L,
                ["end_unix"] = result.WindowEndNs / 1_000_000_000L,
                ["bin_seconds"] = o.BinSeconds,
            },
            ["telescope"] = new Dictionary<string, object?>
            {
                ["space"] = t.Space.ToString(),
                ["space_inferred"] = t.Space.Inferred,
                ["observers"] = t.Observers,
                ["observers_seen"] = t.ObserversSeen,
                ["active_observers"] = t.ActiveObservers,
                ["uptime_threshold"] = t.UptimeThreshold,
                ["uptime_period_minutes"] = t.UptimePeriodMinutes,
                ["informative_periods"] = t.EffectivePeriods,
                ["window_minutes"] = t.WindowMinutes,
                ["outage_minutes"] = t.OutageMinutes,
                ["outages"] = t.Outages.Take(1000).Select(x => new Dictionary<string, object> { ["start"] = Timestamp(x.StartNs), ["minutes"] = x.Minutes }).ToList(),
                ["outages_listed"] = Math.Min(t.Outages.Count, 1000),
                ["outage_runs"] = t.Outages.Count,
                ["uptime_classes"] = t.UptimeClasses.Select(c => new Dictionary<string, object>
                {
                    ["class"] = c.Label, ["lower"] = c.Lower, ["upper"] = c.Upper, ["observers"] = c.Observers, ["mean_uptime"] = c.MeanUptime,
                }).ToList(),
            },
            ["sources"] = result.Features.Count,
            ["heavy_hitters"] = new Dictionary<string, object?>
            {
                ["count"] = result.HeavyHitters.Count,
                ["coverage_threshold"] = double.IsNaN(result.HeavyHitters.Threshold) ? null : result.HeavyHitters.Threshold,
                ["coverage"] = o.HeavyHitterCoverage == HeavyHitterCoverage.PerPort ? "per-port" : "total",
                ["method"] = o.HeavyHitterThreshold is null && o.HeavyHitterCoverage == HeavyHitterCoverage.Total ? "kneedle" : "fixed",
                ["knee_sensitivity"] = o.KneeSensitivity,
            },
            ["seconds_per_stage"] = result.Timings.Concat(extraTimings).ToDictionary(s => s.Stage, s => Math.Round(s.Seconds, 6)),
            ["warnings"] = result.Warnings,
        };
        return JsonSerializer.Serialize(summary, SummaryOptions) + "\n";
    }

    private static readonly JsonSerializerOptions SummaryOptions = new() { WriteIndented = true };

    private static void WriteAtomically(string path, Action<TextWriter> write)
    {
        var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(false), 1 << 16))
            {
                write(writer);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
