using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ScanScope.Reporting;

/// <summary>
/// Writes <c>report.html</c>: one self-contained file (styles, script and data inline, nothing fetched)
/// that opens offline. Tables are rendered as HTML; figures are drawn by the embedded script from the
/// embedded JSON. Every string that comes from data is HTML-encoded, and the JSON is encoded so that
/// no data string can close the script element.
/// </summary>
public static class HtmlReport
{
    // The data's JSON is built as a node tree (no reflection: the CLI is compiled ahead of time) and
    // written with the encoder that escapes '<', so no data string can close the script element.
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.Default };

    /// <summary>Writes the report to <paramref name="path"/> (through a temporary file, then renamed).</summary>
    public static void Write(ReportModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, Render(model), new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The whole HTML document.</summary>
    public static string Render(ReportModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var figures = new JsonObject();
        var sb = new StringBuilder(1 << 16);
        sb.Append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
          .Append("<title>").Append(E(model.Title)).Append("</title>\n<style>\n")
          .Append(Asset("report.css")).Append("</style>\n</head>\n<body>\n");

        sb.Append("<header><h1>").Append(E(model.Title)).Append("</h1><p>");
        if (model.WindowEnd > model.WindowStart)
        {
            sb.Append("Window ").Append(E(Time(model.WindowStart))).Append(" – ").Append(E(Time(model.WindowEnd)))
              .Append(" (").Append(((model.WindowEnd - model.WindowStart) / 86400).ToString("0.#", CultureInfo.InvariantCulture)).Append(" days)");
        }

        if (model.Inputs.Count > 0)
        {
            sb.Append(" · ").Append(model.Inputs.Count == 1 ? E(model.Inputs[0]) : $"{model.Inputs.Count} inputs");
        }

        sb.Append("</p><nav><a href=\"#overview\">Overview</a><a href=\"#figures\">Figures</a>");
        foreach (var c in model.Clusters)
        {
            sb.Append("<a href=\"#cluster-").Append(c.Id).Append("\">Cluster ").Append(c.Id).Append("</a>");
        }

        sb.Append("</nav></header>\n<main>\n<section id=\"overview\"><h2>Overview</h2>\n");
        Cards(sb, model.Facts);
        if (model.OverviewTables.Count > 0)
        {
            sb.Append("<div class=\"grid2\">");
            foreach (var t in model.OverviewTables)
            {
                Table(sb, t);
            }

            sb.Append("</div>");
        }

        sb.Append("</section>\n<section id=\"figures\"><h2>Figures</h2>\n");
        foreach (var fig in new[] { model.Coverage, model.KDistance, model.ObserversPerDay })
        {
            if (fig is not null)
            {
                Figure(sb, figures, fig.Id, fig.Title, fig.Caption, CurveJson(fig));
            }
        }

        if (model.Embedding is { } em)
        {
            Figure(sb, figures, "tsne", "t-SNE map of the clustered sources", "Each point is a source, coloured by cluster; noise is grey. Axes have no unit.", new JsonObject
            {
                ["kind"] = "embedding",
                ["x"] = Array(em.X),
                ["y"] = Array(em.Y),
                ["cluster"] = Ints(em.Cluster),
                ["label"] = Strings(em.Label),
            });
        }

        sb.Append("</section>\n");
        foreach (var c in model.Clusters)
        {
            sb.Append("<article id=\"cluster-").Append(c.Id).Append("\"><h2>Cluster ").Append(c.Id);
            if (c.Category.Length > 0)
            {
                sb.Append("<span class=\"badge\">").Append(E(c.Category)).Append("</span>");
            }

            sb.Append("</h2>");
            if (c.Verdict.Length > 0)
            {
                sb.Append("<p class=\"verdict\">").Append(E(c.Verdict)).Append("</p>");
            }

            Cards(sb, c.Facts);
            if (c.Activity is { } a)
            {
                Figure(sb, figures, $"activity-{c.Id}", "Activity", "Time on x, one row per source, colour = destination port, marker size = probes in the bin.", new JsonObject
                {
                    ["kind"] = "activity",
                    ["rows"] = Strings(a.Rows),
                    ["time"] = Array(a.Time),
                    ["row"] = Ints(a.Row),
                    ["port"] = Ints(a.Port),
                    ["count"] = Ints(a.Count),
                });
            }

            if (c.Scans is not null)
            {
                Table(sb, c.Scans);
            }

            foreach (var t in c.Tables)
            {
                Table(sb, t);
            }

            sb.Append("</article>\n");
        }

        sb.Append("</main>\n<footer>Made by ScanScope. ");
        foreach (var a in model.Attributions)
        {
            sb.Append(E(a)).Append(' ');
        }

        sb.Append("</footer>\n<script type=\"application/json\" id=\"scanscope-data\">")
          .Append(new JsonObject { ["figures"] = figures }.ToJsonString(Json))
          .Append("</script>\n<script>\n").Append(Asset("report.js")).Append("</script>\n</body>\n</html>\n");
        return sb.ToString();
    }

    private static JsonObject CurveJson(CurveFigure f) => new()
    {
        ["kind"] = "curve",
        ["xLabel"] = f.XLabel,
        ["yLabel"] = f.YLabel,
        ["xIsTime"] = f.XIsTime,
        ["logY"] = f.LogY,
        ["series"] = new JsonArray(f.Series.Select(s => (JsonNode)new JsonObject { ["name"] = s.Name, ["x"] = Array(s.X), ["y"] = Array(s.Y) }).ToArray()),
        ["horizontalGuides"] = Guides(f.HorizontalGuides),
        ["verticalGuides"] = Guides(f.VerticalGuides),
    };

    // Non-finite values have no JSON form; they are drawn as gaps (null → skipped by the script's scale).
    private static JsonArray Array(IReadOnlyList<double> values)
        => new(values.Select(v => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null).ToArray<JsonNode?>());

    private static JsonArray Ints(IReadOnlyList<int> values) => new([.. values.Select(v => (JsonNode)v)]);

    private static JsonArray Strings(IReadOnlyList<string> values) => new([.. values.Select(v => (JsonNode?)v)]);

    private static JsonArray Guides(IReadOnlyList<Guide> guides)
        => new([.. guides.Select(g => (JsonNode)new JsonObject { ["value"] = g.Value, ["label"] = g.Label })]);

    private static void Figure(StringBuilder sb, JsonObject figures, string id, string title, string caption, JsonObject json)
    {
        figures[id] = json;
        sb.Append("<h3>").Append(E(title)).Append("</h3><div class=\"figure\" data-figure=\"").Append(E(id)).Append("\"></div>");
        if (caption.Length > 0)
        {
            sb.Append("<p class=\"caption\">").Append(E(caption)).Append("</p>");
        }

        sb.Append('\n');
    }

    private static void Cards(StringBuilder sb, IReadOnlyList<KeyValuePair<string, string>> facts)
    {
        if (facts.Count == 0)
        {
            return;
        }

        sb.Append("<div class=\"cards\">");
        foreach (var (label, value) in facts)
        {
            sb.Append("<div class=\"card\"><b>").Append(E(value)).Append("</b><span>").Append(E(label)).Append("</span></div>");
        }

        sb.Append("</div>\n");
    }

    private static void Table(StringBuilder sb, ReportTable t)
    {
        sb.Append("<div><h3>").Append(E(t.Title)).Append("</h3><div class=\"tablewrap\"><table><thead><tr>");
        var numeric = new bool[t.Columns.Count];
        for (var c = 0; c < t.Columns.Count; c++)
        {
            numeric[c] = t.Rows.Count > 0 && t.Rows.All(r => c < r.Count && IsNumber(r[c]));
            sb.Append(numeric[c] ? "<th class=\"num\">" : "<th>").Append(E(t.Columns[c])).Append("</th>");
        }

        sb.Append("</tr></thead><tbody>");
        foreach (var row in t.Rows)
        {
            sb.Append("<tr>");
            for (var c = 0; c < row.Count; c++)
            {
                sb.Append(c < numeric.Length && numeric[c] ? "<td class=\"num\">" : "<td>").Append(E(row[c])).Append("</td>");
            }

            sb.Append("</tr>");
        }

        sb.Append("</tbody></table></div>");
        if (t.Note is { Length: > 0 })
        {
            sb.Append("<p class=\"caption\">").Append(E(t.Note)).Append("</p>");
        }

        sb.Append("</div>\n");
    }

    private static bool IsNumber(string s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static string E(string s) => HtmlEncoder.Default.Encode(s);

    private static string Time(double unixSeconds)
        => DateTimeOffset.FromUnixTimeMilliseconds((long)(unixSeconds * 1000)).UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Asset(string name)
    {
        using var s = typeof(HtmlReport).Assembly.GetManifestResourceStream("ScanScope.Reporting." + name)
            ?? throw new InvalidOperationException($"report asset {name} is missing from the assembly");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}
