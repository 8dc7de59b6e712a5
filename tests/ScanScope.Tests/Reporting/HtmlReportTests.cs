using System.Text.Json;
using System.Text.RegularExpressions;
using ScanScope.Reporting;

namespace ScanScope.Tests.Reporting;

public sealed class HtmlReportTests
{
    [Fact]
    public void StringsFromData_AreEscapedInTablesAndScriptData()
    {
        var html = HtmlReport.Render(SampleReports.Create());

        Assert.DoesNotContain(SampleReports.Hostile, html, StringComparison.Ordinal);
        // Exactly two script elements (the data and the code): no data string opened or closed one.
        Assert.Equal(2, Regex.Count(html, "<script", RegexOptions.IgnoreCase));
        Assert.Equal(2, Regex.Count(html, "</script>", RegexOptions.IgnoreCase));
        Assert.Contains("&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Report_IsSelfContained_NoExternalResources()
    {
        var html = HtmlReport.Render(SampleReports.Create());

        Assert.DoesNotMatch(new Regex("(src|href)\\s*=\\s*\"(https?:)?//", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void EmbeddedData_HoldsEveryFigureWithItsPoints()
    {
        var model = SampleReports.Create(clusters: 2);
        var html = HtmlReport.Render(model);
        var json = Regex.Match(html, "<script type=\"application/json\" id=\"scanscope-data\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        using var doc = JsonDocument.Parse(json);
        var figures = doc.RootElement.GetProperty("figures");

        string[] expected = ["coverage", "k-distance", "observers", "tsne", "activity-0", "activity-1"];
        Assert.Equal(expected.Order(), figures.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(model.Clusters[1].Activity!.Time.Count, figures.GetProperty("activity-1").GetProperty("time").GetArrayLength());
        // NaN (an outage day) becomes null, which the script draws as a gap, not as zero.
        Assert.Equal(JsonValueKind.Null, figures.GetProperty("observers").GetProperty("series")[0].GetProperty("y")[5].ValueKind);
        foreach (var id in expected)
        {
            Assert.Contains($"data-figure=\"{id}\"", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Write_ReplacesThroughTemporaryFile()
    {
        var dir = Directory.CreateTempSubdirectory("scanscope-report-");
        var path = Path.Combine(dir.FullName, "report.html");
        File.WriteAllText(path, "old");

        HtmlReport.Write(SampleReports.Create(clusters: 1), path);

        Assert.StartsWith("<!doctype html>", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.False(File.Exists(path + ".tmp"));
        dir.Delete(true);
    }
}
