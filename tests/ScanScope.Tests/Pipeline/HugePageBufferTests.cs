namespace ScanScope.Tests.Pipeline;

public sealed class HugePageBufferTests
{
    [Fact]
    public void Buffer_HoldsWhatIsWritten_AndRefusesUseAfterDispose()
    {
        // Longer than one 2 MB page and not a multiple of it: the tail of the last page is the buffer's too.
        const int length = (3 << 20) / 8 + 5;
        var buffer = new HugePageBuffer<long>(length);
        var span = buffer.Span;
        Assert.Equal(length, span.Length);
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = i * 7L;
        }

        var again = buffer.Span;
        Assert.Equal(7L * (length - 1), again[^1]);
        Assert.Equal(7L * 1000, again[1000]);
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        buffer.Dispose();
    }
}
