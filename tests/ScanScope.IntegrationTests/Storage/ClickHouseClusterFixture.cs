using ScanScope.Storage.ClickHouse;

namespace ScanScope.IntegrationTests.Storage;

/// <summary>
/// Two real clickhouse-server processes (a two-shard cluster on loopback ports, see
/// <see cref="ClickHouseLocalCluster"/>), started once for the test class and stopped after.
/// </summary>
public sealed class ClickHouseClusterFixture : IDisposable
{
    private readonly ClickHouseLocalCluster _cluster = new(shards: 2);

    public static string ClusterName => ClickHouseLocalCluster.ClusterName;

    public static string User => ClickHouseLocalCluster.User;

    public static string Password => ClickHouseLocalCluster.Password;

    /// <summary>Why the tests must skip, or null when the cluster runs.</summary>
    public string? SkipReason => _cluster.SkipReason;

    public IReadOnlyList<Uri> Urls => _cluster.Urls;

    /// <summary>Options for server <paramref name="node"/>, tables named after <paramref name="table"/>, small batches so that inserts take several requests.</summary>
    public ClickHouseOptions Options(int node, string table) => _cluster.Options(node, table) with { BatchRows = 4096 };

    public void Dispose() => _cluster.Dispose();
}
