using System.Text;

namespace ScanScope.Cli;

/// <summary>Writes a file through a temporary name and a rename, so a reader never sees half of it.</summary>
internal static class AtomicFile
{
    public static void Write(string path, string text) => Write(path, w => w.Write(text));

    public static void Write(string path, Action<TextWriter> write)
    {
        var tmp = path + ".tmp";
        using (var writer = new StreamWriter(tmp, false, new UTF8Encoding(false)))
        {
            write(writer);
        }

        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>Reads the CSV files ScanScope writes (RFC 4180 quoting).</summary>
internal static class CsvFile
{
    public static (string[] Header, List<string[]> Rows) Read(string path)
    {
        var rows = new List<string[]>();
        string[]? header = null;
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var fields = CsvFields.Split(line);
            if (header is null)
            {
                header = fields;
            }
            else
            {
                rows.Add(fields);
            }
        }

        return (header ?? [], rows);
    }
}
