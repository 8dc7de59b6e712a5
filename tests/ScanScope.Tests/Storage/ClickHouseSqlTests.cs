using ScanScope.Storage;
using ScanScope.Storage.ClickHouse;
using ScanScope.Storage.Results;

namespace ScanScope.Tests.Storage;

public sealed class ClickHouseSqlTests
{
    private static readonly ClickHouseOptions Options = new() { Url = new Uri("http://127.0.0.1:8123/"), Cluster = "c" };

    private static Dictionary<string, object> AllValues()
    {
        var values = Options.Names();
        values["bin_ns"] = 300_000_000_000L;
        values["bin_seconds"] = 300L;
        values["flag_mask"] = (byte)0x12;
        values["flag_value"] = (byte)0x02;
        values["window_start_ns"] = 1_700_000_100_000_000_000L;
        values["window_end_ns"] = long.MaxValue;
        values["size"] = 10L;
        values["mtime_ns"] = 5L;
        values["head_hash64"] = ulong.MaxValue;
        values["new_table"] = "features__new";
        values["drop_table"] = "features";
        values["result_table"] = "features";
        values["columns"] = new ColumnSpec[] { new("src_ip", ColumnType.String), new("period", ColumnType.Double) };
        return values;
    }

    [Fact]
    public void EveryStatement_RendersWithNoPlaceholderLeft()
    {
        var names = ClickHouseSql.Names.ToList();

        Assert.Contains("source_features", names);
        Assert.Contains("window_start", names);
        Assert.Contains("create_packets_distributed", names);
        foreach (var name in names)
        {
            var sql = ClickHouseSql.Render(name, AllValues());
            Assert.DoesNotContain("{", sql, StringComparison.Ordinal);
            Assert.DoesNotContain("--", sql, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Values_AreFormattedFromTheirTypes()
    {
        var sql = ClickHouseSql.Render("source_features", AllValues());

        Assert.Contains("intDiv(ts_ns - 1700000100000000000, 300000000000) AS bin", sql, StringComparison.Ordinal);
        Assert.Contains("ts_ns < 9223372036854775807", sql, StringComparison.Ordinal);
        Assert.Contains("FROM `default`.`packets_all`", sql, StringComparison.Ordinal);
        Assert.Contains("bitAnd(flags, 18) = 2", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void ResultTableColumns_AreNullableWithFixedTypeNames()
    {
        var sql = ClickHouseSql.Render("create_result_table", AllValues());

        Assert.Contains("(`src_ip` Nullable(String), `period` Nullable(Float64))", sql, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("packets; DROP TABLE x")]
    [InlineData("a`b")]
    [InlineData("")]
    public void IdentifierThatIsNotPlain_IsRefused(string table)
    {
        var values = AllValues();
        values["target"] = table;

        Assert.Throws<StorageException>(() => ClickHouseSql.Render("source_features", values));
    }

    [Fact]
    public void TextWhereANumberBelongs_IsRefused()
    {
        var values = AllValues();
        values["window_start_ns"] = "0 OR 1=1";

        Assert.Throws<ArgumentException>(() => ClickHouseSql.Render("source_features", values));
    }

    [Fact]
    public void NumberOutOfThePlaceholdersRange_IsRefused()
    {
        var values = AllValues();
        values["flag_mask"] = 256L;

        Assert.Throws<ArgumentException>(() => ClickHouseSql.Render("source_features", values));
    }

    [Fact]
    public void MissingValue_IsRefused()
    {
        var values = AllValues();
        values.Remove("bin_ns");

        Assert.Throws<ArgumentException>(() => ClickHouseSql.Render("source_features", values));
    }

    [Fact]
    public void Options_FallBackToTheEnvironmentAndRejectOtherSchemes()
    {
        Assert.Equal(new Uri("http://h:1/"), ClickHouseOptions.FromEnvironment("http://h:1/", "u", "p").Url);
        Assert.Throws<StorageException>(() => ClickHouseOptions.FromEnvironment("ftp://h/"));
        Assert.Equal("packets_all", Options.Target);
        Assert.Equal("packets", (Options with { Cluster = null }).Target);
        Assert.Equal("x_all", (Options with { Table = "x" }).DistributedTable);
    }
}
