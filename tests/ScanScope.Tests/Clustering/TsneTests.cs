using System.Text.Json;
using ScanScope.Clustering;

namespace ScanScope.Tests.Clustering;

public sealed class TsneTests
{
    private static readonly string Dir = SklearnGolden.StoredDirectory;

    private static JsonElement Expected => JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "tsne.json"))).RootElement.Clone();

    /// <summary>Rows 0, step, 2·step, … of the robust-scaled blobs_noise table, as make_golden.py takes them.</summary>
    private static FeatureMatrix Subsample(int step)
    {
        var x = Scalers.FitTransform(SklearnGolden.ReadInput(Dir, "blobs_noise"), ScalerKind.Robust);
        return FeatureMatrix.FromRows(Enumerable.Range(0, x.Rows).Where(i => i % step == 0).Select(i => x.Row(i).ToArray()).ToArray());
    }

    [Fact]
    public void Trustworthiness_OfScikitLearnsEmbedding_EqualsScikitLearnsScore()
    {
        var columns = SklearnGolden.ReadCsvGz(Path.Combine(Dir, "tsne_embedding.csv.gz"));
        var xs = SklearnGolden.Doubles(columns["x"]);
        var ys = SklearnGolden.Doubles(columns["y"]);
        var embedding = FeatureMatrix.FromRows(xs.Select((v, i) => new[] { v, ys[i] }).ToArray());
        var score = Tsne.Trustworthiness(Subsample(8), embedding);
        Assert.Equal(Expected.GetProperty("trustworthiness_exact").GetDouble(), score, 12);
    }

    [Fact]
    public void ExactTsne_IsAsTrustworthyAsScikitLearns()
    {
        var x = Subsample(8);
        var embedding = Tsne.Embed(x);
        var ours = Tsne.Trustworthiness(x, embedding);
        Assert.True(ours >= Expected.GetProperty("trustworthiness_exact").GetDouble() - 0.01, $"trustworthiness {ours}");
    }

    [Fact]
    public void BarnesHutTsne_IsAsTrustworthyAsScikitLearns()
    {
        var x = Subsample(4);
        var embedding = Tsne.Embed(x, new TsneOptions { ExactUpTo = 0 });
        var ours = Tsne.Trustworthiness(x, embedding);
        Assert.True(ours >= Expected.GetProperty("trustworthiness_bh").GetDouble() - 0.01, $"trustworthiness {ours}");
    }

    [Fact]
    public void SameSeed_GivesTheSameEmbedding_WhateverTheThreads()
    {
        var x = Subsample(16);
        var options = new TsneOptions { ExactUpTo = 0, PcaInit = false, Seed = 7, Iterations = 300 };
        var a = Tsne.Embed(x, options with { MaxDegreeOfParallelism = 1 });
        var b = Tsne.Embed(x, options with { MaxDegreeOfParallelism = 2 });
        Assert.Equal(a.Data, b.Data);
        Assert.NotEqual(a.Data, Tsne.Embed(x, options with { Seed = 8 }).Data);
    }

    [Fact]
    public void ScrambledEmbedding_IsLessTrustworthy()
    {
        var x = Subsample(16);
        var embedding = Tsne.Embed(x, new TsneOptions { Iterations = 400 });
        var random = new Random(3);
        var shuffled = FeatureMatrix.FromRows(Enumerable.Range(0, x.Rows).Select(_ => new[] { random.NextDouble(), random.NextDouble() }).ToArray());
        Assert.True(Tsne.Trustworthiness(x, embedding) > Tsne.Trustworthiness(x, shuffled) + 0.2);
    }
}
