using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ScanScope.Storage.ClickHouse;

/// <summary>
/// Real clickhouse-server processes on free loopback ports, each with its own config in a temp
/// folder and a <c>remote_servers</c> entry naming a cluster with one shard per server. For the
/// integration tests and the benchmarks; stopped (process tree killed, folder removed) on dispose.
/// </summary>
internal sealed class ClickHouseLocalCluster : IDisposable
{
    public const string ClusterName = "scanscope_two_shards";
    public const string User = "scanscope";
    public const string Password = "local-cluster-only";

    private static readonly string[] ServerCandidates = ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"];
    private readonly List<Process> _servers = [];
    private readonly string? _root;

    public ClickHouseLocalCluster(int shards = 2)
    {
        var server = ServerCandidates.FirstOrDefault(File.Exists);
        if (server is null)
        {
            SkipReason = "clickhouse-server is not installed; run ./run-tests as root (installs Debian's clickhouse-server) or apt-get install clickhouse-server";
            return;
        }

        _root = Directory.CreateTempSubdirectory("scanscope-clickhouse-").FullName;
        var ports = Enumerable.Range(0, shards).Select(_ => (Http: FreePort(), Tcp: FreePort(), Interserver: FreePort())).ToList();
        try
        {
            for (var i = 0; i < ports.Count; i++)
            {
                var dir = Path.Combine(_root, "node" + i.ToString(CultureInfo.InvariantCulture));
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "config.xml"), Config(dir, ports[i], ports.Select(p => p.Tcp)));
                File.WriteAllText(Path.Combine(dir, "users.xml"), Users);
                var start = new ProcessStartInfo(server, ["--config-file=" + Path.Combine(dir, "config.xml")])
                {
                    WorkingDirectory = dir,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                };
                var process = Process.Start(start) ?? throw new InvalidOperationException("clickhouse-server did not start");
                process.OutputDataReceived += (_, _) => { };
                process.ErrorDataReceived += (_, _) => { };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                _servers.Add(process);
                Urls.Add(new Uri($"http://127.0.0.1:{ports[i].Http}/"));
            }

            WaitForPing();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Why there is no cluster (no server installed), or null when it runs.</summary>
    public string? SkipReason { get; }

    /// <summary>The HTTP interfaces of the servers, one per shard.</summary>
    public List<Uri> Urls { get; } = [];

    /// <summary>Options for server <paramref name="node"/> with the cluster's user, tables named after <paramref name="table"/>.</summary>
    public ClickHouseOptions Options(int node, string table, bool clustered = true) => new()
    {
        Url = Urls[node],
        User = User,
        Password = Password,
        Table = table,
        FilesTable = table + "_files",
        Cluster = clustered ? ClusterName : null,
    };

    public void Dispose()
    {
        foreach (var process in _servers)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }

        _servers.Clear();
        if (_root is not null && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private void WaitForPing()
    {
        var deadline = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < Urls.Count; i++)
        {
            while (true)
            {
                if (_servers[i].HasExited)
                {
                    var err = Path.Combine(_root!, "node" + i.ToString(CultureInfo.InvariantCulture), "err.log");
                    throw new InvalidOperationException($"clickhouse-server {i} exited with {_servers[i].ExitCode}: {(File.Exists(err) ? File.ReadAllText(err) : "no log")}");
                }

                try
                {
                    if (http.GetStringAsync(new Uri(Urls[i], "ping")).GetAwaiter().GetResult().StartsWith("Ok", StringComparison.Ordinal))
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException)
                {
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException($"clickhouse-server {i} did not answer /ping at {Urls[i]} within 60 s");
                }

                Thread.Sleep(100);
            }
        }
    }

    /// <summary>
    /// A free loopback port below Linux's ephemeral range (32768–60999): a port the kernel handed out and
    /// took back can be given to the next outgoing connection (another test's HTTP client) before the
    /// server binds it, and then the server exits with "address already in use".
    /// </summary>
    private static int FreePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException) when (attempt < 100)
            {
            }
        }
    }

    // 18.16's format: <yandex> root; element names as in Debian's /etc/clickhouse-server/config.xml.
    private static string Config(string dir, (int Http, int Tcp, int Interserver) ports, IEnumerable<int> shardTcpPorts) => $"""
        <?xml version="1.0"?>
        <yandex>
            <logger>
                <level>warning</level>
                <log>{dir}/server.log</log>
                <errorlog>{dir}/err.log</errorlog>
                <size>10M</size>
                <count>1</count>
            </logger>
            <listen_host>127.0.0.1</listen_host>
            <http_port>{ports.Http}</http_port>
            <tcp_port>{ports.Tcp}</tcp_port>
            <interserver_http_port>{ports.Interserver}</interserver_http_port>
            <interserver_http_host>127.0.0.1</interserver_http_host>
            <max_connections>64</max_connections>
            <max_concurrent_queries>16</max_concurrent_queries>
            <uncompressed_cache_size>67108864</uncompressed_cache_size>
            <mark_cache_size>67108864</mark_cache_size>
            <path>{dir}/data/</path>
            <tmp_path>{dir}/tmp/</tmp_path>
            <user_files_path>{dir}/user_files/</user_files_path>
            <format_schema_path>{dir}/format_schemas/</format_schema_path>
            <users_config>{dir}/users.xml</users_config>
            <default_profile>default</default_profile>
            <default_database>default</default_database>
            <timezone>UTC</timezone>
            <mlock_executable>false</mlock_executable>
            <remote_servers>
                <{ClusterName}>
        {string.Concat(shardTcpPorts.Select(p => $"""
                    <shard>
                        <replica>
                            <host>127.0.0.1</host>
                            <port>{p}</port>
                            <user>{User}</user>
                            <password>{Password}</password>
                        </replica>
                    </shard>

        """))}
                </{ClusterName}>
            </remote_servers>
        </yandex>
        """;

    private const string Users = $"""
        <?xml version="1.0"?>
        <yandex>
            <profiles>
                <default>
                    <max_memory_usage>1000000000</max_memory_usage>
                    <max_threads>2</max_threads>
                </default>
            </profiles>
            <users>
                <default>
                    <password></password>
                    <networks><ip>127.0.0.1</ip></networks>
                    <profile>default</profile>
                    <quota>default</quota>
                </default>
                <{User}>
                    <password>{Password}</password>
                    <networks><ip>127.0.0.1</ip></networks>
                    <profile>default</profile>
                    <quota>default</quota>
                </{User}>
            </users>
            <quotas>
                <default>
                    <interval>
                        <duration>3600</duration>
                        <queries>0</queries>
                        <errors>0</errors>
                        <result_rows>0</result_rows>
                        <read_rows>0</read_rows>
                        <execution_time>0</execution_time>
                    </interval>
                </default>
            </quotas>
        </yandex>
        """;
}
