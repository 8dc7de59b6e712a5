using Parquet.Serialization;
using ScanScope.Storage.Results;

namespace ScanScope.Tests.Storage;

public sealed class ResultStoreTests
{
    private static readonly ColumnSpec[] FeatureColumns =
    [
        new("src_ip", ColumnType.String),
        new("destinations", ColumnType.Long),
        new("period", ColumnType.Double),
        new("cluster_id", ColumnType.Int),
        new("heavy_hitter", ColumnType.Bool),
    ];

    private static readonly object?[][] FeatureRows =
    [
        ["1.2.3.4", 17L, 300.0, 0, false],
        ["5.6.7.8", 4_000_000_000L, 1234.5, -1, true],
        ["9.9.9.9", 1L, null, -2, false],
        ["o'quote \"and\" ünïcode", 0L, -0.25, 3, true],
    ];

    [Fact]
    public void CommittedTable_ReadsBackFromTheDatabase()
    {
        using var dir = new TempFolder();
        WriteRun(dir.Path, ("features", FeatureRows));

        var rows = DuckDbQuery.Rows(Path.Combine(dir.Path, ResultStore.DatabaseFileName), "SELECT * FROM features ORDER BY cluster_id DESC");

        AssertSameRows(FeatureRows.OrderByDescending(r => (int)r[3]!), rows);
    }

    [Fact]
    public void CommittedTable_ReadsBackFromParquetWithDuckDb()
    {
        using var dir = new TempFolder();
        WriteRun(dir.Path, ("features", FeatureRows));

        var file = Path.Combine(dir.Path, ResultStore.ParquetFolderName, "features.parquet");
        var rows = DuckDbQuery.Rows(null, $"SELECT * FROM read_parquet('{file}') ORDER BY cluster_id DESC");

        AssertSameRows(FeatureRows.OrderByDescending(r => (int)r[3]!), rows);
    }

    [Fact]
    public async Task CommittedTable_ReadsBackFromParquetWithAnIndependentReader()
    {
        // Parquet.Net is a separate, fully managed implementation of the format: it checks the
        // files are standard Parquet, not just something DuckDB reads back.
        using var dir = new TempFolder();
        WriteRun(dir.Path, ("features", FeatureRows));

        await using var stream = File.OpenRead(Path.Combine(dir.Path, ResultStore.ParquetFolderName, "features.parquet"));
        var result = await ParquetSerializer.DeserializeUntypedAsync(stream, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(FeatureColumns.Select(c => c.Name), result.Schema.DataFields.Select(f => f.Name));
        var rows = result.Data.Select(d => FeatureColumns.Select(c => d.GetValueOrDefault(c.Name)).ToArray()).ToList();
        AssertSameRows(FeatureRows, rows);
    }

    [Fact]
    public void TableFromCsv_HoldsTheRowsTheAppenderWouldStore()
    {
        // Given a CSV with quoted commas and quotes, empty text and empty numbers, and the number
        // spellings .NET writes (exponents, NaN, infinities, negative zero)
        using var dir = new TempFolder();
        var csv = Path.Combine(dir.Path, "in.csv");
        File.WriteAllText(csv, string.Join('\n',
            "src_ip,destinations,period,note",
            "1.2.3.4,17,300,plain",
            "\"a,b\",-4000000000,1E-05,\"say \"\"hi\"\"\"",
            ",,,",
            "ünïcode,0,NaN,",
            "x,9223372036854775807,-Infinity,y",
            "z,1,-0,\"\"") + "\n");
        ColumnSpec[] columns = [new("src_ip", ColumnType.String), new("destinations", ColumnType.Long), new("period", ColumnType.Double), new("note", ColumnType.String)];

        // When it becomes a table through DuckDB's reader
        using (var store = ResultStore.Create(Path.Combine(dir.Path, "out")))
        {
            store.AddTableFromCsv("t", columns, csv);
            store.Commit();
        }

        // Then the rows are those the appender stores for the same values: empty text is the empty
        // string, an empty number NULL, and every number exact
        object?[][] expected =
        [
            ["1.2.3.4", 17L, 300.0, "plain"],
            ["a,b", -4_000_000_000L, 1e-05, "say \"hi\""],
            ["", null, null, ""],
            ["ünïcode", 0L, double.NaN, ""],
            ["x", long.MaxValue, double.NegativeInfinity, "y"],
            ["z", 1L, -0.0, ""],
        ];
        AssertSameRows(expected, DuckDbQuery.Rows(Path.Combine(dir.Path, "out", ResultStore.DatabaseFileName), "SELECT * FROM t"));
    }

    [Fact]
    public void Rerun_ReplacesRowsAndDropsTablesTheNewRunDidNotWrite()
    {
        using var dir = new TempFolder();
        WriteRun(dir.Path, ("features", FeatureRows), ("scans", FeatureRows));
        object?[][] second = [["10.0.0.1", 2L, 600.0, 7, false]];

        WriteRun(dir.Path, ("features", second));

        var db = Path.Combine(dir.Path, ResultStore.DatabaseFileName);
        AssertSameRows(second, DuckDbQuery.Rows(db, "SELECT * FROM features"));
        Assert.Empty(DuckDbQuery.Rows(db, "SELECT table_name FROM information_schema.tables WHERE table_name = 'scans'"));
        Assert.Equal(["features.parquet"], Directory.GetFiles(Path.Combine(dir.Path, ResultStore.ParquetFolderName)).Select(Path.GetFileName));
        AssertSameRows(second, DuckDbQuery.Rows(null, $"SELECT * FROM read_parquet('{dir.Path}/parquet/*.parquet')"));
    }

    [Fact]
    public void RunThatNeverCommits_LeavesThePreviousResultsIntact()
    {
        using var dir = new TempFolder();
        WriteRun(dir.Path, ("features", FeatureRows));
        var before = Snapshot(dir.Path);

        // Given a second run that has written rows but is stopped before Commit (a kill leaves
        // exactly this state on disk: only the hidden temporary folder differs).
        var unfinished = ResultStore.Create(dir.Path);
        using (var table = unfinished.AddTable("features", FeatureColumns))
        {
            table.AddRow("6.6.6.6", 1L, 1.0, 1, false);
        }

        Assert.Equal(before, Snapshot(dir.Path));
        AssertSameRows(FeatureRows, DuckDbQuery.Rows(Path.Combine(dir.Path, ResultStore.DatabaseFileName), "SELECT * FROM features"));
        unfinished.Dispose();
        Assert.Equal(before, Snapshot(dir.Path));
        Assert.Empty(Directory.GetDirectories(dir.Path, ".scanscope-tmp-*"));
    }

    [Fact]
    public void OrphanedTempFolderOfAKilledRun_IsRemovedByTheNextRun()
    {
        using var dir = new TempFolder();
        var orphan = Directory.CreateDirectory(Path.Combine(dir.Path, ".scanscope-tmp-99999999-deadbeef")).FullName;
        File.WriteAllText(Path.Combine(orphan, ResultStore.DatabaseFileName), "partial");

        WriteRun(dir.Path, ("features", FeatureRows));

        Assert.False(Directory.Exists(orphan));
    }

    [Fact]
    public void EmptyTable_IsWrittenWithItsColumns()
    {
        using var dir = new TempFolder();
        WriteRun(dir.Path, ("clusters", []));

        var columns = DuckDbQuery.Rows(null, $"DESCRIBE SELECT * FROM read_parquet('{dir.Path}/parquet/clusters.parquet')");
        Assert.Equal(FeatureColumns.Select(c => c.Name), columns.Select(c => (string)c[0]!));
        Assert.Equal(["VARCHAR", "BIGINT", "DOUBLE", "INTEGER", "BOOLEAN"], columns.Select(c => (string)c[1]!));
        Assert.Empty(DuckDbQuery.Rows(Path.Combine(dir.Path, ResultStore.DatabaseFileName), "SELECT * FROM clusters"));
    }

    [Theory]
    [InlineData("features; DROP TABLE x")]
    [InlineData("1abc")]
    [InlineData("a\"b")]
    public void TableNameThatIsNotAPlainIdentifier_IsRefused(string name)
    {
        using var dir = new TempFolder();
        using var store = ResultStore.Create(dir.Path);

        Assert.Throws<ScanScope.Storage.StorageException>(() => store.AddTable(name, FeatureColumns));
    }

    [Fact]
    public void ValueOfTheWrongType_IsRefusedWithTheColumnName()
    {
        using var dir = new TempFolder();
        using var store = ResultStore.Create(dir.Path);
        using var table = store.AddTable("features", FeatureColumns);

        var e = Assert.Throws<ArgumentException>(() => table.AddRow("1.2.3.4", "many", 1.0, 0, false));
        Assert.Contains("destinations", e.Message, StringComparison.Ordinal);
    }

    private static void WriteRun(string dir, params (string Name, object?[][] Rows)[] tables)
    {
        using var store = ResultStore.Create(dir);
        foreach (var (name, rows) in tables)
        {
            store.WriteTable(name, FeatureColumns, rows);
        }

        store.Commit();
    }

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains(".scanscope-tmp-", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    private static void AssertSameRows(IEnumerable<object?[]> expected, List<object?[]> actual)
    {
        var e = expected.ToList();
        Assert.Equal(e.Count, actual.Count);
        for (var i = 0; i < e.Count; i++)
        {
            Assert.Equal(e[i].Length, actual[i].Length);
            for (var j = 0; j < e[i].Length; j++)
            {
                Assert.Equal(e[i][j], actual[i][j]);
            }
        }
    }
}
