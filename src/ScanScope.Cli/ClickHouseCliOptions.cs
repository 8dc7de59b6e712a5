using System.CommandLine;
using ScanScope.Storage.ClickHouse;

namespace ScanScope.Cli;

/// <summary>
/// The ClickHouse connection options, defined once for <c>ingest</c> and <c>analyze</c>:
/// <c>--clickhouse</c>, <c>--user</c>, <c>--password</c>, <c>--database</c>, <c>--table</c>,
/// <c>--cluster</c>, each falling back to its environment variable where it has one.
/// </summary>
internal sealed class ClickHouseCliOptions
{
    public ClickHouseCliOptions(string urlDescription)
    {
        Urls = new Option<string[]>("--clickhouse") { Description = $"{urlDescription} (or ${ClickHouseOptions.UrlVariable})" };
    }

    public Option<string[]> Urls { get; }

    public Option<string?> User { get; } = new("--user") { Description = $"ClickHouse user (or ${ClickHouseOptions.UserVariable})" };

    public Option<string?> Password { get; } = new("--password") { Description = $"ClickHouse password (prefer ${ClickHouseOptions.PasswordVariable}: options show in ps)" };

    public Option<string> Database { get; } = new("--database") { Description = "ClickHouse database", DefaultValueFactory = _ => "default" };

    public Option<string> Table { get; } = new("--table") { Description = "ClickHouse MergeTree table of packets (on each shard)", DefaultValueFactory = _ => "packets" };

    public Option<string?> Cluster { get; } = new("--cluster") { Description = "ClickHouse cluster (remote_servers): packets live in a Distributed table sharded by source" };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { Urls, User, Password, Database, Table, Cluster })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>True when a URL is given as an option or in the environment.</summary>
    public bool Given(ParseResult parse) =>
        (parse.GetValue(Urls) ?? []).Length > 0 || Environment.GetEnvironmentVariable(ClickHouseOptions.UrlVariable) is not null;

    /// <summary>The options for the first (entry) server; a bad URL or name is a <see cref="Storage.StorageException"/>.</summary>
    public ClickHouseOptions Build(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return ClickHouseOptions.FromEnvironment((parse.GetValue(Urls) ?? []).FirstOrDefault(), parse.GetValue(User), parse.GetValue(Password)) with
        {
            Database = parse.GetValue(Database)!,
            Table = parse.GetValue(Table)!,
            Cluster = parse.GetValue(Cluster),
        };
    }
}
