using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ScanScope.Storage.ClickHouse;

/// <summary>
/// Talks to one ClickHouse server over its HTTP interface (the protocol every version from 2016
/// on speaks, including Debian's 18.16): statements in the request body, insert data in the body
/// with the statement in the <c>query</c> URL parameter, settings as URL parameters.
/// </summary>
public sealed class ClickHouseClient : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>Creates a client for <paramref name="options"/>' server.</summary>
    public ClickHouseClient(ClickHouseOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _http = new HttpClient { Timeout = options.Timeout };
        if (options.User is not null)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes(options.User + ":" + (options.Password ?? string.Empty)));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", token);
        }
    }

    /// <summary>The connection settings.</summary>
    public ClickHouseOptions Options { get; }

    /// <summary>True when the server answers <c>/ping</c>.</summary>
    public bool Ping()
    {
        try
        {
            using var response = _http.Send(new HttpRequestMessage(HttpMethod.Get, new Uri(Options.Url, "ping")));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Runs a statement and returns its whole answer as text.</summary>
    public string Execute(string sql, IReadOnlyDictionary<string, string>? settings = null)
    {
        using var response = Send(sql, settings);
        return response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
    }

    /// <summary>Runs a query and hands out its answer line by line (for TabSeparated output of any size).</summary>
    public IEnumerable<string> QueryLines(string sql, IReadOnlyDictionary<string, string>? settings = null)
    {
        using var response = Send(sql, settings);
        using var reader = new StreamReader(response.Content.ReadAsStream(), Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    /// <summary>Sends insert data: <paramref name="insertSql"/> ends in <c>FORMAT x</c>, <paramref name="body"/> is in that format.</summary>
    public async Task InsertAsync(string insertSql, ReadOnlyMemory<byte> body, IReadOnlyDictionary<string, string>? settings = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Address(insertSql, settings))
        {
            Content = new ReadOnlyMemoryContent(body),
        };
        using var response = await _http.SendAsync(request).ConfigureAwait(false);
        await ThrowOnErrorAsync(response, insertSql).ConfigureAwait(false);
    }

    /// <summary>Closes the connection pool.</summary>
    public void Dispose() => _http.Dispose();

    private HttpResponseMessage Send(string sql, IReadOnlyDictionary<string, string>? settings)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Address(null, settings))
        {
            Content = new StringContent(sql, Encoding.UTF8, "text/plain"),
        };
        HttpResponseMessage response;
        try
        {
            response = _http.Send(request, HttpCompletionOption.ResponseHeadersRead);
        }
        catch (HttpRequestException e)
        {
            throw new StorageException($"ClickHouse at {Options.Url}: {e.Message}", e);
        }
        finally
        {
            request.Dispose();
        }

        try
        {
            ThrowOnErrorAsync(response, sql).GetAwaiter().GetResult();
        }
        catch
        {
            response.Dispose();
            throw;
        }

        return response;
    }

    private Uri Address(string? query, IReadOnlyDictionary<string, string>? settings)
    {
        var parameters = new List<string> { "database=" + Uri.EscapeDataString(Options.Database) };
        if (query is not null)
        {
            parameters.Add("query=" + Uri.EscapeDataString(query));
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            parameters.Add(Uri.EscapeDataString(Sql.Identifier(key, "ClickHouse setting")) + "=" + Uri.EscapeDataString(value));
        }

        return new UriBuilder(Options.Url) { Query = string.Join('&', parameters) }.Uri;
    }

    private async Task ThrowOnErrorAsync(HttpResponseMessage response, string sql)
    {
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return;
        }

        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        var first = text.Split('\n', 2)[0].Trim();
        var statement = sql.Split('\n', 2)[0].Trim();
        throw new StorageException($"ClickHouse at {Options.Url} refused '{statement}...': {(int)response.StatusCode} {first}");
    }
}
