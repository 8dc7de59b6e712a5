using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ScanScope.Storage.Results;

namespace ScanScope.Storage.ClickHouse;

/// <summary>
/// The named statements of <c>Queries.sql</c> (the one place ScanScope's ClickHouse SQL lives)
/// and the filling-in of their <c>{name:Type}</c> placeholders from typed values only.
/// </summary>
public static partial class ClickHouseSql
{
    private static readonly Lazy<Dictionary<string, string>> Statements = new(Load);

    /// <summary>The statement names in the file.</summary>
    public static IEnumerable<string> Names => Statements.Value.Keys;

    /// <summary>The statement <paramref name="name"/> with its placeholders as written.</summary>
    public static string Template(string name) =>
        Statements.Value.TryGetValue(name, out var sql) ? sql : throw new ArgumentException($"no ClickHouse statement named {name}", nameof(name));

    /// <summary>
    /// The statement <paramref name="name"/> with every placeholder replaced. Values must be
    /// <see cref="long"/>/<see cref="ulong"/>/<see cref="int"/>/<see cref="byte"/> for number types
    /// (range-checked against the placeholder type), a plain identifier string for
    /// <c>Identifier</c>, a <see cref="uint"/>, <see cref="ushort"/> or <see cref="ulong"/> array for
    /// <c>Array(UInt32)</c>, <c>Array(UInt16)</c> or <c>Array(UInt64)</c>, a <see cref="SqlCondition"/> for <c>Condition</c>, and a list of
    /// <see cref="ColumnSpec"/> for <c>ColumnList</c> (the last two are ScanScope extensions); anything
    /// else, or a placeholder without a value, throws.
    /// </summary>
    public static string Render(string name, IReadOnlyDictionary<string, object> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Placeholder().Replace(Template(name), m =>
        {
            var key = m.Groups[1].Value;
            var type = m.Groups[2].Value;
            if (!values.TryGetValue(key, out var value))
            {
                throw new ArgumentException($"statement {name}: no value for placeholder {{{key}:{type}}}", nameof(values));
            }

            return type switch
            {
                "Identifier" when value is string s => Sql.ClickHouseName(s, key),
                "Int64" when ToInteger(value) is { } v && v >= long.MinValue && v <= long.MaxValue => ((long)v).ToString(CultureInfo.InvariantCulture),
                "UInt64" when ToInteger(value) is { } v && v >= 0 && v <= ulong.MaxValue => ((ulong)v).ToString(CultureInfo.InvariantCulture),
                "UInt8" when ToInteger(value) is { } v && v >= 0 && v <= byte.MaxValue => ((byte)v).ToString(CultureInfo.InvariantCulture),
                "Array(UInt32)" when value is uint[] { Length: > 0 } a => "[" + string.Join(',', a.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]",
                "Array(UInt16)" when value is ushort[] { Length: > 0 } a => "[" + string.Join(',', a.Select(x => x.ToString(CultureInfo.InvariantCulture))) + "]",
                "Array(UInt64)" when value is ulong[] { Length: > 0 } a => "[" + string.Join(',', a.Select(x => "toUInt64(" + x.ToString(CultureInfo.InvariantCulture) + ")")) + "]",
                "Condition" when value is SqlCondition c => c.ToString(),
                "ColumnList" when value is IReadOnlyList<ColumnSpec> { Count: > 0 } columns => ColumnList(columns),
                _ => throw new ArgumentException($"statement {name}: placeholder {{{key}:{type}}} cannot take a {value.GetType().Name} value '{value}'", nameof(values)),
            };
        });
    }

    // Every column Nullable so that null values survive; type names are fixed strings.
    private static string ColumnList(IReadOnlyList<ColumnSpec> columns) => string.Join(", ", columns.Select(c =>
        Sql.ClickHouseName(c.Name, "column name") + " Nullable(" + c.Type switch
        {
            ColumnType.String => "String",
            ColumnType.Long => "Int64",
            ColumnType.Double => "Float64",
            ColumnType.Int => "Int32",
            ColumnType.Bool => "UInt8",
            _ => throw new ArgumentOutOfRangeException(nameof(columns), c.Type, "unknown column type"),
        } + ")"));

    private static Int128? ToInteger(object value) => value switch
    {
        long l => l,
        ulong u => u,
        int i => i,
        uint u => u,
        byte b => b,
        _ => null,
    };

    [GeneratedRegex(@"\{([a-z_][a-z0-9_]*):([A-Za-z0-9()]+)\}")]
    private static partial Regex Placeholder();

    private static Dictionary<string, string> Load()
    {
        using var stream = typeof(ClickHouseSql).Assembly.GetManifestResourceStream("ScanScope.Storage.ClickHouse.Queries.sql")
            ?? throw new InvalidOperationException("Queries.sql is not embedded in ScanScope.Storage");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var statements = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        var body = new StringBuilder();
        void Finish()
        {
            if (current is not null)
            {
                statements.Add(current, body.ToString().Trim());
            }

            body.Clear();
        }

        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith("-- name:", StringComparison.Ordinal))
            {
                Finish();
                current = line["-- name:".Length..].Trim();
            }
            else if (current is not null && !line.TrimStart().StartsWith("--", StringComparison.Ordinal))
            {
                body.AppendLine(line);
            }
        }

        Finish();
        return statements;
    }
}

/// <summary>
/// A <c>WHERE</c> condition made only of the <c>cond_*</c> statements of <c>Queries.sql</c>, each
/// rendered from typed values, joined with AND. Immutable: <see cref="And"/> returns a new one.
/// </summary>
public sealed class SqlCondition
{
    private readonly string[] _parts;

    private SqlCondition(string[] parts) => _parts = parts;

    /// <summary>The condition that keeps every row.</summary>
    public static SqlCondition All { get; } = new([]);

    /// <summary>This condition and the <c>cond_*</c> statement <paramref name="fragment"/> filled from <paramref name="values"/>.</summary>
    public SqlCondition And(string fragment, IReadOnlyDictionary<string, object> values)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        if (!fragment.StartsWith("cond_", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{fragment} is not a condition (cond_*) of Queries.sql", nameof(fragment));
        }

        return new([.. _parts, "(" + ClickHouseSql.Render(fragment, values) + ")"]);
    }

    /// <summary>The SQL text (<c>1</c> when there is no part).</summary>
    public override string ToString() => _parts.Length == 0 ? "1" : string.Join(" AND ", _parts);
}
