using ScottPlot;

namespace ScanScope.Reporting;

/// <summary>
/// Writes every figure of a report as PNG and SVG files (ScottPlot), for papers and slides where
/// the interactive page does not fit.
/// </summary>
public static class StaticFigures
{
    private const int Width = 1000;
    private const int Height = 480;

    /// <summary>Writes the figures into <paramref name="directory"/> and returns the files written.</summary>
    public static IReadOnlyList<string> Write(ReportModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        Directory.CreateDirectory(directory);
        var jobs = new List<(string Stem, Func<Plot> Plot)>();
        foreach (var fig in new[] { model.Coverage, model.KDistance, model.ObserversPerDay })
        {
            if (fig is not null)
            {
                jobs.Add((fig.Id, () => Curve(fig)));
            }
        }

        if (model.Embedding is { X.Count: > 0 } em)
        {
            jobs.Add(("tsne", () => Embedding(em)));
        }

        foreach (var c in model.Clusters)
        {
            if (c.Activity is { Time.Count: > 0 } a)
            {
                jobs.Add(($"activity-{c.Id}", () => Activity(c.Id, a)));
            }
        }

        // Each figure is its own plot and files: they are drawn on all cores (one at a time, the
        // figures took a third of the report stage of the default month).
        Parallel.ForEach(jobs, job => Save(job.Plot(), Path.Combine(directory, job.Stem)));
        return [.. jobs.SelectMany(job => new[] { Path.Combine(directory, job.Stem) + ".png", Path.Combine(directory, job.Stem) + ".svg" })];
    }

    private static Plot Curve(CurveFigure f)
    {
        var plt = new Plot();
        foreach (var s in f.Series)
        {
            var xs = f.XIsTime ? s.X.Select(ToOaDate).ToArray() : [.. s.X];
            var ys = f.LogY ? s.Y.Select(v => Math.Log10(Math.Max(v, 1e-12))).ToArray() : [.. s.Y];
            var sc = plt.Add.Scatter(xs, ys);
            sc.MarkerSize = 0;
            sc.LineWidth = 2;
            sc.LegendText = f.Series.Count > 1 ? s.Name : string.Empty;
        }

        foreach (var g in f.HorizontalGuides)
        {
            var line = plt.Add.HorizontalLine(f.LogY ? Math.Log10(Math.Max(g.Value, 1e-12)) : g.Value);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.DarkRed;
            line.LabelText = g.Label;
        }

        foreach (var g in f.VerticalGuides)
        {
            var line = plt.Add.VerticalLine(f.XIsTime ? ToOaDate(g.Value) : g.Value);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.DarkRed;
            line.LabelText = g.Label;
        }

        if (f.XIsTime)
        {
            plt.Axes.DateTimeTicksBottom();
        }

        plt.Title(f.Title);
        plt.XLabel(f.XLabel);
        plt.YLabel(f.LogY ? $"log10({f.YLabel})" : f.YLabel);
        if (f.Series.Count > 1)
        {
            plt.ShowLegend();
        }

        return plt;
    }

    private static Plot Embedding(EmbeddingFigure em)
    {
        var plt = new Plot();
        foreach (var group in Enumerable.Range(0, em.X.Count).GroupBy(i => em.Cluster[i]).OrderBy(g => g.Key))
        {
            var pts = plt.Add.ScatterPoints(group.Select(i => em.X[i]).ToArray(), group.Select(i => em.Y[i]).ToArray());
            pts.MarkerSize = 4;
            if (group.Key < 0)
            {
                pts.Color = Colors.LightGray;
            }
        }

        plt.Title("t-SNE map of the clustered sources");
        return plt;
    }

    private static Plot Activity(int clusterId, ActivityFigure a)
    {
        var plt = new Plot();
        var maxCount = Math.Max(1, a.Count.Max());
        foreach (var group in Enumerable.Range(0, a.Time.Count).GroupBy(i => a.Port[i]).OrderBy(g => g.Key).Take(20))
        {
            var idx = group.ToArray();
            var pts = plt.Add.ScatterPoints(idx.Select(i => ToOaDate(a.Time[i])).ToArray(), idx.Select(i => (double)a.Row[i]).ToArray());
            pts.MarkerSize = 3 + (float)(4 * Math.Sqrt(idx.Average(i => a.Count[i]) / maxCount));
            pts.LegendText = $"port {group.Key}";
        }

        plt.Axes.DateTimeTicksBottom();
        plt.Title($"Cluster {clusterId}: activity of {a.Rows.Count} sources");
        plt.YLabel("source");
        plt.ShowLegend();
        return plt;
    }

    private static double ToOaDate(double unixSeconds) => DateTime.UnixEpoch.AddSeconds(unixSeconds).ToOADate();

    private static void Save(Plot plt, string stem)
    {
        plt.SavePng(stem + ".png", Width, Height);
        plt.SaveSvg(stem + ".svg", Width, Height);
    }
}
