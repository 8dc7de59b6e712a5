using System.Text.Json;
using System.Text.Json.Nodes;

namespace ScanScope.Cli;

/// <summary>
/// JSON documents built as node trees and written indented: no reflection over anonymous types, so
/// the CLI compiles ahead of time (Native AOT) without trimming or dynamic-code warnings.
/// </summary>
internal static class JsonText
{
    private static readonly JsonSerializerOptions IndentedOptions = new() { WriteIndented = true };

    /// <summary>The document, indented, with <paramref name="newline"/> (default "\n") after it.</summary>
    public static string Indented(JsonNode document, string newline = "\n") => document.ToJsonString(IndentedOptions) + newline;

    public static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)v)]);

    public static JsonArray Array(IEnumerable<double> values) => new([.. values.Select(v => (JsonNode)v)]);

    public static JsonArray Array<T>(IEnumerable<T> items, Func<T, JsonNode> node) => new([.. items.Select(node)]);
}
