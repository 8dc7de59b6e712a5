using System.Text.Json;
using ScanScope.Cli;
using ScanScope.Tests.Clustering;

namespace ScanScope.Tests.Evaluation;

[Collection(ConsoleCollection.Name)]
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scanscope-evaluate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Truth, string Clusters) Write(string truth, string clusters)
    {
        var t = Path.Combine(_dir, "labels.csv");
        var c = Path.Combine(_dir, "clusters.csv");
        File.WriteAllText(t, truth);
        File.WriteAllText(c, clusters);
        return (t, c);
    }

    [Fact]
    public void Json_ReportsTheScoresAndGroups()
    {
        var (truth, clusters) = Write(
            "src_ip,group_id,category,tool\na,0,sharded,zmap\nb,0,sharded,zmap\nc,1,sharded,zmap\nd,1,sharded,zmap\ne,-1,noise,masscan\nh,7,heavy-hitter,zmap\n",
            "src_ip,cluster_id,core\na,0,1\nb,0,1\nc,1,1\nd,0,0\ne,-1,0\nh,-2,0\n");
        var (exit, output) = ClusterCommandTests.Run("evaluate", "--truth", truth, "--clusters", clusters, "--json");
        Assert.Equal(0, exit);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(6, json.GetProperty("sources").GetInt32());
        Assert.Equal(2, json.GetProperty("groups").GetInt32());
        Assert.Equal(0, json.GetProperty("groups_recovered").GetInt32()); // group 0's cluster also holds d: 67% pure
        Assert.Equal(1.0, json.GetProperty("heavy_hitters").GetProperty("recall").GetDouble());
        Assert.True(json.GetProperty("ari").GetDouble() < 1.0);
    }

    [Fact]
    public void Text_ListsTheMissedGroups()
    {
        var (truth, clusters) = Write("src_ip,group_id,category,tool\na,0,sharded,zmap\nb,0,sharded,zmap\n", "src_ip,cluster_id\na,-1\nb,-1\n");
        var (_, output) = ClusterCommandTests.Run("evaluate", "--truth", truth, "--clusters", clusters);
        Assert.Contains("groups recovered   0 of 1", output);
        Assert.Contains("0 sharded: 2, no cluster", output);
    }

    [Fact]
    public void MalformedClusterId_IsAUsageErrorWithFileAndLine()
    {
        var (truth, clusters) = Write("src_ip,group_id,category,tool\na,0,x,y\n", "src_ip,cluster_id\na,zero\n");
        var e = Assert.Throws<UsageException>(() => ClusterCommandTests.Run("evaluate", "--truth", truth, "--clusters", clusters));
        Assert.Contains("clusters.csv: line 2", e.Message);
    }

    [Fact]
    public void Summary_BesideTheClusters_ScoresEachGroupsCategory_ReadingQuotedFields()
    {
        // Cluster 0 holds group 0 and is called single-port (right); cluster 1 holds group 1, a periodic
        // sweep, and is called slow-sweeping (wrong). An organization with a comma is quoted (RFC 4180).
        var (truth, clusters) = Write(
            "src_ip,group_id,category,tool\na,0,single-port,zmap\nb,0,single-port,zmap\nc,1,periodic-sweeping,zmap\nd,1,periodic-sweeping,zmap\n",
            "src_ip,cluster_id\na,0\nb,0\nc,1\nd,1\n");
        File.WriteAllText(
            Path.Combine(_dir, "cluster_summary.csv"),
            "cluster_id,organizations,category,verdict\n0,\"Example, Inc.\",single-port,complete\n1,\"A \"\"big\"\" ISP, Ltd\",slow-sweeping,complete\n");
        var (_, output) = ClusterCommandTests.Run("evaluate", "--truth", truth, "--clusters", clusters);
        Assert.Contains("categories right   1 of 2 groups", output);
        Assert.Contains("group 1 periodic-sweeping: cluster 1 called slow-sweeping", output);

        var (_, json) = ClusterCommandTests.Run("evaluate", "--truth", truth, "--clusters", clusters, "--json");
        Assert.Equal(1, JsonDocument.Parse(json).RootElement.GetProperty("categories_right").GetInt32());
    }

    [Fact]
    public void Summary_GivenButMissing_IsAUsageError()
    {
        var (truth, clusters) = Write("src_ip,group_id,category,tool\na,0,x,y\n", "src_ip,cluster_id\na,0\n");
        var e = Assert.Throws<UsageException>(() => ClusterCommandTests.Run("evaluate", "--truth", truth, "--clusters", clusters, "--summary", Path.Combine(_dir, "nope.csv")));
        Assert.Contains("nope.csv: no such file", e.Message);
    }

    [Fact]
    public void Summary_FoundBesideButNotAnalyzes_IsSkipped_TheScoresStillPrint()
    {
        var (truth, clusters) = Write("src_ip,group_id,category,tool\na,0,x,y\nb,0,x,y\n", "src_ip,cluster_id\na,0\nb,0\n");
        File.WriteAllText(Path.Combine(_dir, "cluster_summary.csv"), "something,else\n1,2\n");
        var (exit, output) = ClusterCommandTests.Run("evaluate", "--truth", truth, "--clusters", clusters);
        Assert.Equal(0, exit);
        Assert.Contains("groups recovered   1 of 1", output);
        Assert.DoesNotContain("categories right", output);
    }
}
