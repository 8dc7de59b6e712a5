using ScanScope.Simulation;

namespace ScanScope.Tests.Simulation;

/// <summary>Measured destinations per host and hit gaps against the exact formulas (scanner-internals §7).</summary>
public sealed class FormulaCheckTests
{
    [Fact]
    public void ThesisTable52Setup_MeanIsExactAndSdWithinSamplingErrorOfHypergeometric()
    {
        // 254 hosts, three /16 observed, all of IPv4 allowed by the default blocklist, 3 seeds pooled.
        Ipv4Prefix[] telescope = [Ipv4Prefix.Parse("131.180.0.0/16"), Ipv4Prefix.Parse("145.94.0.0/16"), Ipv4Prefix.Parse("130.161.0.0/16")];
        var rows = FormulaCheck.Run(ZmapVersion.V211, 254, telescope, [1, 2, 3]);
        var all = rows[0];
        Assert.Equal(196_608, all.Observers);
        Assert.Equal(196_608.0 / 254, all.MeasuredMean, 6);
        var samples = 254 * 3;
        var standardError = all.HypergeometricSd / Math.Sqrt(2.0 * (samples - 1));
        Assert.InRange(all.MeasuredSd, all.HypergeometricSd - (4 * standardError), all.HypergeometricSd + (4 * standardError));

        // Gaps in scan steps: mean (p−1)/(|H||O|), sd about the same (rare hits: nearly exponential).
        Assert.InRange(all.MeasuredGapMean / all.ExactGapMean, 0.995, 1.005);
        Assert.InRange(all.MeasuredGapSd / all.ExactGapSd, 0.98, 1.02);
        Assert.InRange(all.ProbeSlotGapMean, 74.1, 74.2);
    }

    [Fact]
    public void FewHosts_SdFollowsHypergeometricNotTheThesisFormula()
    {
        // The sheet's check: 4.x, targets a /16, telescope a /20, |H| = 4, 200 seeds: 27.06 measured,
        // 26.83 hypergeometric, 30.98 from the thesis' binomial formula.
        var row = FormulaCheck.Run(ZmapVersion.V4, 4, [Ipv4Prefix.Parse("44.10.16.0/20")], [.. Enumerable.Range(1, 200).Select(i => (ulong)i)], [Ipv4Prefix.Parse("44.10.0.0/16")])[0];
        Assert.Equal(4096.0 / 4, row.MeasuredMean, 6);
        var standardError = row.HypergeometricSd / Math.Sqrt(2.0 * ((4 * 200) - 1));
        Assert.Equal(26.83, row.HypergeometricSd, 2);
        Assert.InRange(row.MeasuredSd, row.HypergeometricSd - (4 * standardError), row.HypergeometricSd + (4 * standardError));
        Assert.True(Math.Abs(row.MeasuredSd - row.BinomialSd) > 4 * standardError, $"measured {row.MeasuredSd} should differ from the binomial {row.BinomialSd}");
    }
}
