namespace ScanScope.Storage.ClickHouse;

/// <summary>
/// Where ClickHouse is and which tables ScanScope uses there. Immutable; configure with
/// <c>with</c>. <see cref="FromEnvironment"/> fills what the command line left out from
/// <c>SCANSCOPE_CLICKHOUSE_URL</c>, <c>SCANSCOPE_CLICKHOUSE_USER</c> and
/// <c>SCANSCOPE_CLICKHOUSE_PASSWORD</c>.
/// </summary>
public sealed record ClickHouseOptions
{
    /// <summary>Environment variable for <see cref="Url"/>.</summary>
    public const string UrlVariable = "SCANSCOPE_CLICKHOUSE_URL";

    /// <summary>Environment variable for <see cref="User"/>.</summary>
    public const string UserVariable = "SCANSCOPE_CLICKHOUSE_USER";

    /// <summary>Environment variable for <see cref="Password"/>.</summary>
    public const string PasswordVariable = "SCANSCOPE_CLICKHOUSE_PASSWORD";

    /// <summary>The HTTP interface of the server the client talks to, e.g. <c>http://127.0.0.1:8123/</c>.</summary>
    public required Uri Url { get; init; }

    /// <summary>User name (HTTP basic authentication); ClickHouse's <c>default</c> user when null.</summary>
    public string? User { get; init; }

    /// <summary>Password for <see cref="User"/>.</summary>
    public string? Password { get; init; }

    /// <summary>Database of the tables.</summary>
    public string Database { get; init; } = "default";

    /// <summary>The MergeTree table on each server (each shard).</summary>
    public string Table { get; init; } = "packets";

    /// <summary>
    /// The cluster from the servers' <c>remote_servers</c> config. When set, a Distributed table
    /// (<see cref="DistributedTable"/>) spreads rows over its shards by source, and inserts and
    /// queries go through it; when null, everything goes to <see cref="Table"/> on one server.
    /// </summary>
    public string? Cluster { get; init; }

    /// <summary>The Distributed table over <see cref="Table"/> (used when <see cref="Cluster"/> is set); <c>TABLE_all</c> unless set.</summary>
    public string DistributedTable
    {
        get => field ?? Table + "_all";
        init;
    }

    /// <summary>The table of ingested input files.</summary>
    public string FilesTable { get; init; } = "ingested_files";

    /// <summary>Rows per insert request (one request holds about 46 bytes per row).</summary>
    public int BatchRows { get; init; } = 1 << 20;

    /// <summary>Time limit of one HTTP request.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>The table inserts and feature queries go to.</summary>
    public string Target => Cluster is null ? Table : DistributedTable;

    /// <summary>
    /// Options from explicit values, falling back to the environment variables; throws
    /// <see cref="StorageException"/> when no URL is given either way or it is not http(s).
    /// </summary>
    public static ClickHouseOptions FromEnvironment(string? url = null, string? user = null, string? password = null)
    {
        url ??= Environment.GetEnvironmentVariable(UrlVariable);
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new StorageException($"no ClickHouse URL: pass --clickhouse URL or set {UrlVariable}");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new StorageException($"ClickHouse URL '{url}' is not an http:// or https:// address of the server's HTTP interface");
        }

        return new ClickHouseOptions
        {
            Url = uri,
            User = user ?? Environment.GetEnvironmentVariable(UserVariable),
            Password = password ?? Environment.GetEnvironmentVariable(PasswordVariable),
        };
    }

    /// <summary>The placeholder values every statement may use.</summary>
    internal Dictionary<string, object> Names() => new(StringComparer.Ordinal)
    {
        ["database"] = Database,
        ["table"] = Table,
        ["distributed_table"] = DistributedTable,
        ["files_table"] = FilesTable,
        ["target"] = Target,
        ["cluster"] = Cluster ?? Table,
    };
}
