using ScanScope.Confirmation;
using static ScanScope.Tests.Confirmation.SyntheticScans;

namespace ScanScope.Tests.Confirmation;

public sealed class ConfirmationStageTests
{
    [Fact]
    public void Stage_ConfirmsEveryCluster_AndWritesTheContractColumns()
    {
        var s = new SyntheticScans(31, telescopeBits: 13);
        var a = s.Hosts(12);
        var b = s.Hosts(20);
        s.Scan(a, 80, 0, 2 * Hour);
        s.Scan(a, 443, 3 * Hour, 2 * Hour);
        s.Scan(b, 22, Day, 5 * Hour);
        var events = s.Build();

        var result = ConfirmationStage.Run([Cluster(2, events, b), Cluster(1, events, a)], s.Context());

        Assert.Equal([1, 2], result.Clusters.Select(c => c.ClusterId));
        var tables = result.Tables().ToDictionary(t => t.Name);
        var summary = Csv(tables["cluster_summary"]);
        Assert.StartsWith("cluster_id,sources,slash8,slash16,slash24,countries,organizations,jaccard,expected_hosts,category,ports,", summary[0], StringComparison.Ordinal);
        Assert.StartsWith("1,12,1,1,1,unknown,unknown,0,", summary[1], StringComparison.Ordinal);
        Assert.Contains(",slow-sweeping,80 443,complete,", summary[1], StringComparison.Ordinal);
        var scans = Csv(tables["scans"]);
        Assert.StartsWith("cluster_id,port,scan,unique_dst,start,duration_s,dst_per_host,jaccard,expected_hosts", scans[0], StringComparison.Ordinal);
        Assert.Equal(4, scans.Length);
        Assert.StartsWith("1,80,0,8192,2023-11-14T22:13:", scans[1], StringComparison.Ordinal);
        Assert.StartsWith("2,22,0,8192,", scans[3], StringComparison.Ordinal);
        Assert.Empty(result.MergeSuggestions);
    }

    [Fact]
    public void CsvValues_AreQuoted_WhenTheyHoldCommasOrQuotes()
    {
        var table = new Table("t", ["a", "b", "c"], [["AS1 Example, \"Inc\"", double.NaN, null]]);
        var writer = new StringWriter();

        ConfirmationTables.WriteCsv(writer, table);

        Assert.Equal("a,b,c\n\"AS1 Example, \"\"Inc\"\"\",,unknown\n", writer.ToString());
    }

    private static string[] Csv(Table table)
    {
        var writer = new StringWriter();
        ConfirmationTables.WriteCsv(writer, table);
        return writer.ToString().TrimEnd('\n').Split('\n');
    }
}
