using System.Text.RegularExpressions;

namespace ScanScope.Capture;

/// <summary>
/// Turns what the user named (files, folders, globs such as <c>caps/*.pcap.gz</c>, "-" for
/// standard input) into the list of capture files to read, in capture-time order.
/// </summary>
/// <remarks>
/// Hourly rotated tcpdump files are named in ways that do not always sort by time
/// (<c>cap.pcap9</c> after <c>cap.pcap10</c>), so files are ordered by the timestamp of their
/// first record, then by path. Files without any record (or that cannot be read) come last, by
/// path; reading them later reports the problem. Standard input cannot be looked at twice, so "-"
/// stays first. A folder stands for the files directly in it (not hidden ones, not sub-folders).
/// Every file appears once, however many inputs name it.
/// </remarks>
public static class CaptureInputs
{
    /// <summary>Expands <paramref name="inputs"/> into an ordered list of files ("-" for standard input).</summary>
    /// <exception cref="FileNotFoundException">A named file or folder does not exist, or a glob matches nothing.</exception>
    public static IReadOnlyList<string> Expand(IEnumerable<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stdin = false;
        foreach (var input in inputs)
        {
            if (input == "-")
            {
                stdin = true;
                continue;
            }

            foreach (var file in ExpandOne(input))
            {
                if (seen.Add(Path.GetFullPath(file)))
                {
                    files.Add(file);
                }
            }
        }

        var firsts = new long?[files.Count];
        if (files.Count == 1)
        {
            firsts[0] = CaptureReader.FirstTimestamp(files[0]);
        }
        else
        {
            Parallel.For(0, files.Count, i => firsts[i] = CaptureReader.FirstTimestamp(files[i]));
        }

        // By first timestamp, files without one last, then by name.
        var order = new int[files.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => (firsts[a], firsts[b]) switch
        {
            (null, null) => string.CompareOrdinal(files[a], files[b]),
            (null, _) => 1,
            (_, null) => -1,
            var (x, y) => x.Value != y.Value ? x.Value.CompareTo(y.Value) : string.CompareOrdinal(files[a], files[b]),
        });
        var ordered = new List<string>(order.Length + 1);
        if (stdin)
        {
            ordered.Add("-");
        }

        foreach (var i in order)
        {
            ordered.Add(files[i]);
        }

        return ordered;
    }

    private static IEnumerable<string> ExpandOne(string input)
    {
        if (Directory.Exists(input))
        {
            return Directory.EnumerateFiles(input)
                .Where(f => !Path.GetFileName(f).StartsWith('.'))
                .Order(StringComparer.Ordinal);
        }

        if (File.Exists(input))
        {
            return [input];
        }

        if (input.AsSpan().IndexOfAny("*?[") >= 0)
        {
            var matches = Glob(input).Order(StringComparer.Ordinal).ToList();
            return matches.Count > 0 ? matches : throw new FileNotFoundException($"{input}: no file matches", input);
        }

        throw new FileNotFoundException($"{input}: no such file or folder", input);
    }

    /// <summary>Files matching a pattern whose segments may hold <c>*</c>, <c>?</c>, <c>[abc]</c>, or be <c>**</c> (any depth).</summary>
    private static IEnumerable<string> Glob(string pattern)
    {
        var rooted = Path.IsPathRooted(pattern);
        var segments = pattern.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var fixedCount = 0;
        while (fixedCount < segments.Length - 1 && segments[fixedCount].AsSpan().IndexOfAny("*?[") < 0)
        {
            fixedCount++;
        }

        var root = string.Join('/', segments[..fixedCount]);
        root = rooted ? "/" + root : root.Length == 0 ? "." : root;
        var rest = segments[fixedCount..];
        return Directory.Exists(root) ? Walk(root, rest, prefix: rooted || fixedCount > 0 ? root : null) : [];
    }

    private static IEnumerable<string> Walk(string directory, string[] segments, string? prefix)
    {
        var segment = segments[0];
        var last = segments.Length == 1;
        string Join(string name) => prefix is null ? name : Path.Join(prefix, name);
        if (segment == "**")
        {
            // Zero directories deep, then one more level at a time.
            if (!last)
            {
                foreach (var f in Walk(directory, segments[1..], prefix))
                {
                    yield return f;
                }
            }

            foreach (var sub in Directory.EnumerateDirectories(directory))
            {
                var name = Path.GetFileName(sub);
                if (!name.StartsWith('.'))
                {
                    foreach (var f in Walk(sub, segments, Join(name)))
                    {
                        yield return f;
                    }
                }
            }

            yield break;
        }

        var regex = new Regex("^" + Regex.Escape(segment).Replace(@"\*", "[^/]*").Replace(@"\?", "[^/]").Replace(@"\[", "[") + "$", RegexOptions.CultureInvariant);
        var entries = last ? Directory.EnumerateFiles(directory) : Directory.EnumerateDirectories(directory);
        foreach (var entry in entries)
        {
            var name = Path.GetFileName(entry);
            if (name.StartsWith('.') && !segment.StartsWith('.') || !regex.IsMatch(name))
            {
                continue;
            }

            if (last)
            {
                yield return Join(name);
            }
            else
            {
                foreach (var f in Walk(entry, segments[1..], Join(name)))
                {
                    yield return f;
                }
            }
        }
    }
}
