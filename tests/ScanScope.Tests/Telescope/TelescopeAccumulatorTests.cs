using ScanScope.Telescope;

namespace ScanScope.Tests.Telescope;

public sealed class TelescopeAccumulatorTests
{
    private const long Minute = 60_000_000_000L;
    private const long Start = 28_333_330L * Minute;

    [Fact]
    public void MinuteSharedByTwoFiles_CountsOnceAfterMerge()
    {
        var a = new TelescopeAccumulator();
        var b = new TelescopeAccumulator();
        a.Add(1, Start + 1);
        a.Add(1, Start + Minute + 5);
        b.Add(1, Start + Minute + 50);
        b.Add(1, Start + (2 * Minute));
        b.Add(2, Start + (3 * Minute));

        a.Merge(b);
        var model = TelescopeModel.Build(a, TelescopeSpace.Parse(["0.0.0.0/30"]), Start, Start + (4 * Minute), 0.5);

        Assert.Equal(5, a.Packets);
        Assert.Equal(0, model.OutageMinutes);
        Assert.Equal(3 / 4.0, model.UptimeOf(1));
        Assert.Equal(1 / 4.0, model.UptimeOf(2));
        Assert.Equal(0, model.UptimeOf(3));
        Assert.Equal(1, model.ActiveObservers);
    }

    [Fact]
    public void EmptyTelescope_HasNoActiveObserversAndOneLongOutage()
    {
        var model = TelescopeModel.Build(new TelescopeAccumulator(), TelescopeSpace.Parse(["10.0.0.0/31"]), Start, Start + (10 * Minute), 0.9);

        Assert.Equal(0, model.ActiveObservers);
        Assert.Equal([new Outage(Start, 10)], model.Outages);
        Assert.Equal(2, model.UptimeClasses.Single(c => c.Label == "never").Observers);
    }
}
