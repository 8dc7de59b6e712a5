using System.Text;

namespace ScanScope;

/// <summary>Splits one line of the CSV files ScanScope writes (RFC 4180: quoted fields may hold commas and doubled quotes).</summary>
public static class CsvFields
{
    /// <summary>The fields of <paramref name="line"/>, unquoted; a trailing carriage return is dropped.</summary>
    public static string[] Split(string line)
    {
        var fields = new List<string>();
        Split(line, fields);
        return [.. fields];
    }

    /// <summary>Puts the fields of <paramref name="line"/> into <paramref name="fields"/> (cleared first), for readers of large files.</summary>
    public static void Split(string line, List<string> fields)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(fields);
        fields.Clear();
        line = line.TrimEnd('\r');
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(ch);
            }
        }

        fields.Add(field.ToString());
    }
}
