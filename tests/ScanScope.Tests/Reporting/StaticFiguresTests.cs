using ScanScope.Reporting;
using SkiaSharp;

namespace ScanScope.Tests.Reporting;

public sealed class StaticFiguresTests
{
    [Fact]
    public void EveryFigure_IsWrittenAsNonBlankPngAndSvg()
    {
        var dir = Directory.CreateTempSubdirectory("scanscope-figs-");
        var model = SampleReports.Create(clusters: 2);

        var files = StaticFigures.Write(model, dir.FullName);

        string[] stems = ["coverage", "k-distance", "observers", "tsne", "activity-0", "activity-1"];
        Assert.Equal(stems.SelectMany(s => new[] { s + ".png", s + ".svg" }).Order(), files.Select(Path.GetFileName).Order());
        foreach (var png in files.Where(f => f.EndsWith(".png", StringComparison.Ordinal)))
        {
            using var bitmap = SKBitmap.Decode(png);
            Assert.Equal(1000, bitmap.Width);
            var colours = new HashSet<SKColor>();
            for (var y = 0; y < bitmap.Height; y += 7)
            {
                for (var x = 0; x < bitmap.Width; x += 7)
                {
                    colours.Add(bitmap.GetPixel(x, y));
                }
            }

            Assert.True(colours.Count > 5, $"{png} looks blank ({colours.Count} colours)");
        }

        Assert.All(files.Where(f => f.EndsWith(".svg", StringComparison.Ordinal)), f => Assert.Contains("<svg", File.ReadAllText(f), StringComparison.Ordinal));
        dir.Delete(true);
    }
}
