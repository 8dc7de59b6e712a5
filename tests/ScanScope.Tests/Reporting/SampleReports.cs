using ScanScope.Reporting;

namespace ScanScope.Tests.Reporting;

/// <summary>Report models with every kind of figure, built from a seeded random source.</summary>
public static class SampleReports
{
    public const string Hostile = "</script><script>window.pwned=1</script><b>EVIL & CO</b>";

    public static ReportModel Create(int clusters = 3, int seed = 1)
    {
        var rng = new Random(seed);
        const double start = 1_685_577_600; // 2023-06-01
        var coverage = Enumerable.Range(0, 500).Select(i => i < 470 ? i / 5000.0 : 0.1 + ((i - 470) * 0.03)).ToArray();
        var kdist = Enumerable.Range(0, 400).Select(i => i < 380 ? i / 1000.0 : 0.38 + ((i - 380) * 0.2)).ToArray();
        var sections = new List<ClusterSection>();
        for (var c = 0; c < clusters; c++)
        {
            var rows = Enumerable.Range(0, 20 + (5 * c)).Select(r => $"10.{c}.0.{r} · AS{64500 + c} {Hostile}").ToArray();
            var time = new List<double>();
            var row = new List<int>();
            var port = new List<int>();
            var count = new List<int>();
            for (var r = 0; r < rows.Length; r++)
            {
                for (var b = 0; b < 40; b++)
                {
                    time.Add(start + (86400.0 * c) + (b * 300));
                    row.Add(r);
                    port.Add(b < 20 ? 80 : 8080 + c);
                    count.Add(1 + rng.Next(3));
                }
            }

            sections.Add(new ClusterSection
            {
                Id = c,
                Category = "slow-sweeping",
                Verdict = "complete",
                Facts = [new("sources", rows.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("organizations", Hostile)],
                Scans = new ReportTable("Scans", ["port", "scan", "unique_dst", "start"], [["80", "0", "65000", "2023-06-01 00:00"], [Hostile, "1", "1", "x"]]),
                Activity = new ActivityFigure { Rows = rows, Time = time, Row = row, Port = port, Count = count },
            });
        }

        return new ReportModel
        {
            Title = "Sample report",
            Inputs = ["capture.pcap"],
            WindowStart = start,
            WindowEnd = start + (30 * 86400),
            Facts = [new("packets", "1,234,567"), new("active observers |O|", "62,883")],
            OverviewTables = [new ReportTable("Top destination ports", ["port", "packets"], [["22", "176165960"], ["80", "163455008"]]), new ReportTable("Top organizations", ["organization", "share"], [[Hostile, "0.7"]])],
            Coverage = new CurveFigure
            {
                Id = "coverage", Title = "Coverage", XLabel = "source rank", YLabel = "coverage",
                Series = [new Series("coverage", Enumerable.Range(0, coverage.Length).Select(i => (double)i).ToArray(), coverage)],
                HorizontalGuides = [new Guide(0.1, "knee")],
            },
            KDistance = new CurveFigure
            {
                Id = "k-distance", Title = "k-distance", XLabel = "point rank", YLabel = "distance", LogY = true,
                Series = [new Series("10-distance", Enumerable.Range(0, kdist.Length).Select(i => (double)i).ToArray(), kdist)],
                HorizontalGuides = [new Guide(0.35, "eps")],
            },
            ObserversPerDay = new CurveFigure
            {
                Id = "observers", Title = "Active observers per day", XIsTime = true, XLabel = "day", YLabel = "observers",
                Series = [new Series("/16 #1", Enumerable.Range(0, 30).Select(d => start + (d * 86400.0)).ToArray(), Enumerable.Range(0, 30).Select(d => d is > 3 and < 8 ? double.NaN : 21000.0 + rng.Next(100)).ToArray())],
            },
            Embedding = new EmbeddingFigure(
                Enumerable.Range(0, 300).Select(i => ((i % 3) * 10) + rng.NextDouble()).ToArray(),
                Enumerable.Range(0, 300).Select(i => rng.NextDouble() * 5).ToArray(),
                Enumerable.Range(0, 300).Select(i => i % 50 == 0 ? -1 : i % 3).ToArray(),
                Enumerable.Range(0, 300).Select(i => $"src {i} {Hostile}").ToArray()),
            Clusters = sections,
            Attributions = ["ASN data: RouteViews and DB-IP (CC-BY-4.0)."],
        };
    }
}
