using ScanScope.Packets;
using ScanScope.Storage;
using ScanScope.Storage.ClickHouse;
using ScanScope.Storage.Packets;
using ScanScope.Storage.Results;
using ScanScope.Telescope;

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
        values["where"] = ClickHouseConditions.Packets(StoredPackets.Syn);
        values["from_ns"] = 0L;
        values["to_ns"] = long.MaxValue;
        values["dst_lo"] = new uint[] { 0x0A000000 };
        values["dst_hi"] = new uint[] { 0x0AFFFFFF };
        values["tool_mask"] = 2UL;
        values["informative"] = new ulong[] { ulong.MaxValue, 5UL };
        values["port_lo"] = new ushort[] { 80 };
        values["port_hi"] = new ushort[] { 81 };
        values["sources"] = new uint[] { 1, 2 };
        values["port_limit"] = 32L;
        values["first_minute"] = 100L;
        values["end_minute"] = 200L;
        values["period_minutes"] = 1L;
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
    public void Conditions_AreTheNamedFragmentsFilledFromTypedValues()
    {
        var where = ClickHouseConditions.Packets(
            StoredPackets.Syn, TelescopeSpace.Parse(["10.0.0.0/8", "44.1.0.0/16"]), ToolchainSet.Of(Toolchain.ZMap), PortSet.Parse("22,80-82"), 5, 9);

        Assert.Equal(
            "(bitAnd(flags, 18) = 2) AND (ts_ns >= 5 AND ts_ns < 9)"
            + " AND (arrayExists((lo, hi) -> dst >= lo AND dst <= hi, [167772160,738263040], [184549375,738328575]))"
            + " AND (bitAnd(bitShiftRight(2, tool), 1) = 1)"
            + " AND (arrayExists((lo, hi) -> dport >= lo AND dport <= hi, [22,80], [22,82]))",
            where.ToString());
        Assert.Equal("1", ClickHouseConditions.Packets(StoredPackets.AllTcp).ToString());
        Assert.Contains("src IN (SELECT arrayJoin([3,7]))", ClickHouseConditions.WithSources(where, [3, 7]).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ConditionFromAStatementThatIsNotACondition_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => SqlCondition.All.And("drop_table", AllValues()));
    }

    [Fact]
    public void TextOrAnEmptyListWhereAnArrayBelongs_IsRefused()
    {
        var values = AllValues();
        values["sources"] = "1) OR (1";
        Assert.Throws<ArgumentException>(() => ClickHouseSql.Render("cond_sources", values));

        values["sources"] = Array.Empty<uint>();
        Assert.Throws<ArgumentException>(() => ClickHouseSql.Render("cond_sources", values));
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

        Assert.Throws<ArgumentException>(() => ClickHouseSql.Render("cond_flags", values));
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
