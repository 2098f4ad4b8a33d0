using System.Buffers;

namespace UsbMesh.UsbIp.Tests;

/// <summary>A burst gathered for one vectored send carries exactly the bytes the plain writer produces.</summary>
public sealed class GatherWriterTests
{
    private static readonly byte[] Megabyte = Enumerable.Range(0, 1 << 20).Select(i => (byte)(i * 7)).ToArray();

    public static TheoryData<string> Bursts => ["small replies", "one large reply", "large and small mixed", "iso reply"];

    [Theory]
    [MemberData(nameof(Bursts))]
    public void A_gathered_burst_is_byte_for_byte_what_the_plain_writer_writes(string burst)
    {
        var messages = Messages(burst);
        var gather = new GatherWriter();
        foreach (var message in messages)
        {
            UsbIpWriter.Write(message, gather);
        }

        var expected = messages.SelectMany(Wire.Write).ToArray();
        Assert.Equal(expected.Length, gather.Length);
        Assert.Equal(expected, gather.Segments.SelectMany(s => s).ToArray());
    }

    [Fact]
    public void Large_payloads_are_referenced_not_copied()
    {
        var gather = new GatherWriter();
        UsbIpWriter.Write(Reply(1, Megabyte), gather);
        UsbIpWriter.Write(Reply(2, Megabyte.AsMemory(0, 100)), gather);

        // header 1 | the megabyte itself | header 2 + 100 copied bytes
        Assert.Equal(3, gather.Segments.Count);
        Assert.Same(Megabyte, gather.Segments[1].Array);
        Assert.Equal(Megabyte.Length, gather.Segments[1].Count);
        Assert.Equal(48 + 100, gather.Segments[2].Count);
    }

    [Fact]
    public void Payloads_not_backed_by_an_array_are_copied()
    {
        var gather = new GatherWriter();
        var native = new NativeBuffer(GatherWriter.ReferenceThreshold * 2);
        UsbIpWriter.Write(Reply(1, native.Memory), gather);
        Assert.Equal(48 + native.Memory.Length, gather.Length);
        Assert.Single(gather.Segments);
        Assert.Equal(native.Memory.ToArray(), gather.Segments[0].Skip(48).ToArray());
    }

    [Fact]
    public void Reset_forgets_the_burst_and_the_writer_starts_again()
    {
        var gather = new GatherWriter();
        UsbIpWriter.Write(Reply(1, Megabyte), gather);
        gather.Reset();
        Assert.Equal(0, gather.Length);
        Assert.Equal(0, gather.SegmentCount);
        Assert.Empty(gather.Segments);

        UsbIpWriter.Write(new UsbIpRetUnlink(9, 0), gather);
        Assert.Equal(Wire.Write(new UsbIpRetUnlink(9, 0)), gather.Segments.SelectMany(s => s).ToArray());
    }

    [Fact]
    public void Advancing_past_the_span_handed_out_is_refused()
    {
        var gather = new GatherWriter();
        var handedOut = gather.GetSpan(8).Length;
        Assert.Throws<InvalidOperationException>(() => gather.Advance(handedOut + 1));
    }

    private static UsbIpRetSubmit Reply(uint seqnum, ReadOnlyMemory<byte> data) => new(seqnum, 0, data.Length, 0, 0, 0, data, []);

    private static UsbIpMessage[] Messages(string burst) => burst switch
    {
        "small replies" => [Reply(1, new byte[13]), new UsbIpRetUnlink(2, -104), Reply(3, default)],
        "one large reply" => [Reply(1, Megabyte)],
        "large and small mixed" => [Reply(1, new byte[31]), Reply(2, Megabyte), Reply(3, Megabyte.AsMemory(5, 4096)), Reply(4, new byte[13])],
        "iso reply" => [new UsbIpRetSubmit(1, 0, 8192, 0, 2, 0, Megabyte.AsMemory(0, 8192), [new(0, 4096, 4096, 0), new(4096, 4096, 4096, 0)])],
        _ => throw new ArgumentOutOfRangeException(nameof(burst)),
    };

    /// <summary>Memory that does not reveal an array behind it, as a usbfs-mapped buffer would not.</summary>
    private sealed class NativeBuffer(int length) : MemoryManager<byte>
    {
        private readonly byte[] _bytes = Enumerable.Repeat((byte)0x5A, length).ToArray();

        public override Span<byte> GetSpan() => _bytes;

        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException("not needed here");

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
        }
    }
}
