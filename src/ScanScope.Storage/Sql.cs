using System.Globalization;
using System.Text.RegularExpressions;

namespace ScanScope.Storage;

/// <summary>
/// The only way values reach SQL text in this project: identifiers are checked against a strict
/// pattern before they are quoted, paths become escaped string literals, numbers are formatted
/// from typed values. Nothing a user types is pasted in unchecked.
/// </summary>
internal static partial class Sql
{
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex IdentifierPattern();

    /// <summary>True when <paramref name="name"/> is a plain identifier (letters, digits, underscore).</summary>
    public static bool IsIdentifier(string name) => IdentifierPattern().IsMatch(name);

    /// <summary>Throws unless <paramref name="name"/> is a plain identifier; returns it unchanged.</summary>
    public static string Identifier(string name, string what)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!IsIdentifier(name))
        {
            throw new StorageException($"{what} '{name}' is not a plain identifier (letters, digits and '_', not starting with a digit)");
        }

        return name;
    }

    /// <summary>A checked identifier in DuckDB's double quotes.</summary>
    public static string DuckDbName(string name, string what) => "\"" + Identifier(name, what) + "\"";

    /// <summary>A checked identifier in ClickHouse's back quotes.</summary>
    public static string ClickHouseName(string name, string what) => "`" + Identifier(name, what) + "`";

    /// <summary>A file path as a single-quoted SQL string literal.</summary>
    public static string PathLiteral(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new StorageException($"path contains a NUL character: {path}");
        }

        return "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>An integer in invariant digits.</summary>
    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
