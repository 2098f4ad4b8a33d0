using System.Buffers.Binary;

namespace UsbMesh.Shell.Tests;

/// <summary>Frames on a shell stream: every frame kind round trips, and a broken stream is refused without cost.</summary>
public sealed class ShellFramingSpec
{
    public static TheoryData<ShellFrame> Frames() =>
    [
        new ShellFrame.Hello("usbmesh 1.0"),
        new ShellFrame.Welcome("hub", "abcd-efgh", [new CommandPalette("devices", "Devices.", [new CommandDefinition("list", "List.", [new CommandArgument("json", "As JSON.", ["--json"], IsFlag: true)])], "list")]),
        new ShellFrame.Run(7, new CommandRequest("attach", "device", new Dictionary<string, string> { ["device"] = "hub/1-1" }, "desk")),
        new ShellFrame.Cancel(7),
        new ShellFrame.Line(7, "héllo"),
        new ShellFrame.Table(7, "devices", ["device", "node"], [["hub/1-1", "hub"]]),
        new ShellFrame.Progress(7, "copy", 5, 10),
        new ShellFrame.Error(7, ShellErrors.Denied, "Denied: no."),
        new ShellFrame.End(7, ShellErrors.ExitDenied),
    ];

    [Theory]
    [MemberData(nameof(Frames))]
    public async Task Every_frame_kind_round_trips(ShellFrame frame)
    {
        using var stream = new MemoryStream();
        await ShellFraming.WriteAsync(stream, frame);
        stream.Position = 0;

        var read = await ShellFraming.ReadAsync(stream);

        // Records with lists compare by reference: compare the encodings instead.
        Assert.Equal(ShellFraming.Encode(frame), ShellFraming.Encode(read!));
        Assert.Equal(frame.GetType(), read!.GetType());
        Assert.Null(await ShellFraming.ReadAsync(stream));
    }

    [Fact]
    public async Task A_length_above_the_limit_is_refused_before_anything_is_read()
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, ShellFraming.MaxFrameBytes + 1);
        using var stream = new MemoryStream(header);

        var error = await Assert.ThrowsAsync<ShellProtocolException>(() => ShellFraming.ReadAsync(stream).AsTask());

        Assert.Contains($"{ShellFraming.MaxFrameBytes + 1} bytes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_length_too_small_for_json_is_refused(int length)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, length);
        using var stream = new MemoryStream(header);

        await Assert.ThrowsAsync<ShellProtocolException>(() => ShellFraming.ReadAsync(stream).AsTask());
    }

    [Fact]
    public async Task A_stream_cut_inside_the_header_is_a_protocol_error()
    {
        using var stream = new MemoryStream([0, 0]);

        var error = await Assert.ThrowsAsync<ShellProtocolException>(() => ShellFraming.ReadAsync(stream).AsTask());

        Assert.Contains("header", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_cut_inside_the_body_is_a_protocol_error()
    {
        var whole = new MemoryStream();
        await ShellFraming.WriteAsync(whole, new ShellFrame.Line(1, "truncated"));
        using var stream = new MemoryStream(whole.ToArray()[..^3]);

        var error = await Assert.ThrowsAsync<ShellProtocolException>(() => ShellFraming.ReadAsync(stream).AsTask());

        Assert.Contains("inside a frame", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"type\":\"nonsense\"}")]
    [InlineData("[1,2]")]
    [InlineData("not json")]
    [InlineData("{\"type\":\"hello\"}")]
    [InlineData("{\"type\":\"run\",\"id\":1}")]
    [InlineData("{\"type\":\"table\",\"id\":1,\"title\":\"t\",\"columns\":null,\"rows\":[]}")]
    public void A_body_that_is_no_frame_is_a_protocol_error(string json) =>
        Assert.Throws<ShellProtocolException>(() => ShellFraming.Decode(System.Text.Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Frames_are_camel_case_json_with_a_type()
    {
        var json = System.Text.Encoding.UTF8.GetString(ShellFraming.Encode(new ShellFrame.End(3, 0)));

        Assert.Equal("{\"type\":\"end\",\"id\":3,\"exitCode\":0}", json);
    }
}
