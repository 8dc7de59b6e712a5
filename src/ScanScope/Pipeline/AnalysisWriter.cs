using System.Buffers;
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
        return IndentedJson(w =>
        {
            w.WriteStartObject();
            StringArray(w, "inputs", result.Inputs);
            w.WriteStartObject("packets");
            w.WriteNumber("records_read", result.Counters.Records);
            w.WriteNumber("tcp", result.Counters.Packets);
            w.WriteNumber("used", result.Used);
            w.WriteStartObject("skipped_by_reader");
            foreach (var r in Enum.GetValues<SkipReason>())
            {
                if (r != SkipReason.None && result.Counters.Skipped(r) > 0)
                {
                    w.WriteNumber(r.ToString(), result.Counters.Skipped(r));
                }
            }

            w.WriteEndObject();
            w.WriteNumber("outside_window", result.OutsideWindow);
            w.WriteNumber("outside_telescope", result.OutsideTelescope);
            w.WriteNumber("filtered", result.Filtered);
            w.WriteString("filter", o.Filter.Describe());
            w.WriteEndObject();

            w.WriteStartObject("window");
            w.WriteString("start", Timestamp(result.WindowStartNs));
            w.WriteString("end", Timestamp(result.WindowEndNs));
            w.WriteNumber("start_unix", result.WindowStartNs / 1_000_000_000L);
            w.WriteNumber("end_unix", result.WindowEndNs / 1_000_000_000L);
            w.WriteNumber("bin_seconds", o.BinSeconds);
            w.WriteEndObject();

            w.WriteStartObject("telescope");
            w.WriteString("space", t.Space.ToString());
            w.WriteBoolean("space_inferred", t.Space.Inferred);
            w.WriteNumber("observers", t.Observers);
            w.WriteNumber("observers_seen", t.ObserversSeen);
            w.WriteNumber("active_observers", t.ActiveObservers);
            w.WriteNumber("uptime_threshold", t.UptimeThreshold);
            w.WriteNumber("uptime_period_minutes", t.UptimePeriodMinutes);
            w.WriteNumber("informative_periods", t.EffectivePeriods);
            w.WriteNumber("window_minutes", t.WindowMinutes);
            w.WriteNumber("outage_minutes", t.OutageMinutes);
            w.WriteStartArray("outages");
            foreach (var x in t.Outages.Take(1000))
            {
                w.WriteStartObject();
                w.WriteString("start", Timestamp(x.StartNs));
                w.WriteNumber("minutes", x.Minutes);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNumber("outages_listed", Math.Min(t.Outages.Count, 1000));
            w.WriteNumber("outage_runs", t.Outages.Count);
            w.WriteStartArray("uptime_classes");
            foreach (var c in t.UptimeClasses)
            {
                w.WriteStartObject();
                w.WriteString("class", c.Label);
                w.WriteNumber("lower", c.Lower);
                w.WriteNumber("upper", c.Upper);
                w.WriteNumber("observers", c.Observers);
                w.WriteNumber("mean_uptime", c.MeanUptime);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();

            w.WriteNumber("sources", result.Features.Count);
            w.WriteStartObject("heavy_hitters");
            w.WriteNumber("count", result.HeavyHitters.Count);
            if (double.IsNaN(result.HeavyHitters.Threshold))
            {
                w.WriteNull("coverage_threshold");
            }
            else
            {
                w.WriteNumber("coverage_threshold", result.HeavyHitters.Threshold);
            }

            w.WriteString("coverage", o.HeavyHitterCoverage == HeavyHitterCoverage.PerPort ? "per-port" : "total");
            w.WriteString("method", o.HeavyHitterThreshold is null && o.HeavyHitterCoverage == HeavyHitterCoverage.Total ? "kneedle" : "fixed");
            w.WriteNumber("knee_sensitivity", o.KneeSensitivity);
            w.WriteEndObject();

            w.WriteStartObject("seconds_per_stage");
            foreach (var s in result.Timings.Concat(extraTimings))
            {
                w.WriteNumber(s.Stage, Math.Round(s.Seconds, 6));
            }

            w.WriteEndObject();
            StringArray(w, "warnings", result.Warnings);
            w.WriteEndObject();
        });
    }

    /// <summary>
    /// Indented JSON text with a final newline, written straight to a <see cref="Utf8JsonWriter"/>:
    /// the reflection serializer (and, less so, the node tree) costs a fresh process tens of
    /// milliseconds the first time (converters and accessors compiled at run time).
    /// </summary>
    public static string IndentedJson(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    /// <summary>Writes <paramref name="values"/> as the array property <paramref name="name"/>.</summary>
    public static void StringArray(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(values);
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }


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
