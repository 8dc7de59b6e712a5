namespace ScanScope.Reporting;

/// <summary>
/// Everything the report shows, as plain data. The analysis pipeline fills it; the HTML report and
/// the static figures only draw it, so a report can be rebuilt from saved results.
/// </summary>
public sealed record ReportModel
{
    /// <summary>Heading of the report.</summary>
    public string Title { get; init; } = "ScanScope report";

    /// <summary>Input files or store the analysis read.</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>Start of the analysis window, Unix seconds.</summary>
    public double WindowStart { get; init; }

    /// <summary>End of the analysis window, Unix seconds.</summary>
    public double WindowEnd { get; init; }

    /// <summary>Headline figures shown as cards, in order (label → value text).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Facts { get; init; } = [];

    /// <summary>Tables for the overview (top ports, countries, organizations, uptime classes, categories, evaluation).</summary>
    public IReadOnlyList<ReportTable> OverviewTables { get; init; } = [];

    /// <summary>Sorted coverage of every source (destinations / |O|) with the heavy-hitter knee.</summary>
    public CurveFigure? Coverage { get; init; }

    /// <summary>Sorted k-distance curve with the chosen eps.</summary>
    public CurveFigure? KDistance { get; init; }

    /// <summary>Active observers per day (thesis figure 4.1); x in Unix seconds.</summary>
    public CurveFigure? ObserversPerDay { get; init; }

    /// <summary>The t-SNE map of the clustered sources (thesis figure 6.4).</summary>
    public EmbeddingFigure? Embedding { get; init; }

    /// <summary>One section per cluster.</summary>
    public IReadOnlyList<ClusterSection> Clusters { get; init; } = [];

    /// <summary>Credits for data sources used (geolocation and ASN databases).</summary>
    public IReadOnlyList<string> Attributions { get; init; } = [];
}

/// <summary>A table of text cells; the first row is not a header — <see cref="Columns"/> is.</summary>
public sealed record ReportTable(string Title, IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows, string? Note = null);

/// <summary>A line figure: y over x, with optional marked points and horizontal/vertical guide lines.</summary>
public sealed record CurveFigure
{
    /// <summary>Figure title.</summary>
    public required string Title { get; init; }

    /// <summary>Short id used for file names and element ids (letters, digits, dashes).</summary>
    public required string Id { get; init; }

    /// <summary>X axis label.</summary>
    public string XLabel { get; init; } = string.Empty;

    /// <summary>Y axis label.</summary>
    public string YLabel { get; init; } = string.Empty;

    /// <summary>True when x holds Unix seconds.</summary>
    public bool XIsTime { get; init; }

    /// <summary>Plot y on a log scale.</summary>
    public bool LogY { get; init; }

    /// <summary>The series drawn as lines.</summary>
    public IReadOnlyList<Series> Series { get; init; } = [];

    /// <summary>Horizontal guide lines (value, label).</summary>
    public IReadOnlyList<Guide> HorizontalGuides { get; init; } = [];

    /// <summary>Vertical guide lines (value, label).</summary>
    public IReadOnlyList<Guide> VerticalGuides { get; init; } = [];

    /// <summary>A sentence under the figure saying how to read it.</summary>
    public string Caption { get; init; } = string.Empty;
}

/// <summary>One named line of a <see cref="CurveFigure"/>.</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>A guide line at a value, with its label.</summary>
public sealed record Guide(double Value, string Label);

/// <summary>2-D embedding of sources, coloured by cluster.</summary>
public sealed record EmbeddingFigure(IReadOnlyList<double> X, IReadOnlyList<double> Y, IReadOnlyList<int> Cluster, IReadOnlyList<string> Label);

/// <summary>A cluster's page: its summary facts, its scans and its activity picture.</summary>
public sealed record ClusterSection
{
    /// <summary>Cluster id as in clusters.csv.</summary>
    public required int Id { get; init; }

    /// <summary>Category name (single-port, slow-sweeping, ...).</summary>
    public string Category { get; init; } = string.Empty;

    /// <summary>One-line verdict such as "complete" or "partial: ~12 hosts missing".</summary>
    public string Verdict { get; init; } = string.Empty;

    /// <summary>Summary facts (label → value).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Facts { get; init; } = [];

    /// <summary>The scans found inside the cluster.</summary>
    public ReportTable? Scans { get; init; }

    /// <summary>Further tables (merge suggestions, hosts active alone, recovery candidates).</summary>
    public IReadOnlyList<ReportTable> Tables { get; init; } = [];

    /// <summary>The activity picture: one row per source, one point per (source, port, bin).</summary>
    public ActivityFigure? Activity { get; init; }
}

/// <summary>
/// Activity of a cluster's sources over time (thesis figures 6.2–6.15): x time, y the source's row,
/// colour the destination port, marker size the number of probes in the bin (retries).
/// </summary>
public sealed record ActivityFigure
{
    /// <summary>The sources, one per row, top to bottom; each label is shown on hover (address, ASN).</summary>
    public required IReadOnlyList<string> Rows { get; init; }

    /// <summary>Point time, Unix seconds (bin start).</summary>
    public required IReadOnlyList<double> Time { get; init; }

    /// <summary>Point row index into <see cref="Rows"/>.</summary>
    public required IReadOnlyList<int> Row { get; init; }

    /// <summary>Point destination port.</summary>
    public required IReadOnlyList<int> Port { get; init; }

    /// <summary>Probes the source sent in that bin on that port.</summary>
    public required IReadOnlyList<int> Count { get; init; }
}
