using System.Buffers.Binary;
using Xunit.Abstractions;

namespace UsbMesh.Usbipd.Tests;

public sealed class HostileInputSpec(ITestOutputHelper output) : UsbipdSpec(output)
{
    private static byte[] OpHeader(ushort version, ushort code)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, version);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), code);
        return bytes;
    }

    private static byte[] SubmitHeader(uint seqnum, UsbIpDirection direction, uint endpoint, int transferBufferLength)
    {
        var bytes = new byte[UsbIpConstants.UrbHeaderLength];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, UsbIpConstants.CmdSubmit);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), seqnum);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), (1u << 16) | 2);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(12), (uint)direction);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(16), endpoint);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(24), transferBufferLength);
        return bytes;
    }

    private async Task ExpectClosedWithWarningAsync(string contains, Func<UsbIpTestClient, Task> send, UsbIpTestClient? client = null)
    {
        var own = client is null;
        client ??= await ConnectAsync();
        try
        {
            await EventFilter.Warning(contains: contains).ExpectOneAsync(async () =>
            {
                await send(client);
                Assert.True(await client.WaitClosedAsync(), "the server did not close the connection");
            });
        }
        finally
        {
            if (own)
            {
                await client.DisposeAsync();
            }
        }

        await AssertNodeStillServesAsync();
    }

    /// <summary>The node and other clients are unharmed: a fresh client still lists the devices.</summary>
    private async Task AssertNodeStillServesAsync()
    {
        await using var honest = await ConnectAsync();
        var list = await honest.ListAsync();
        Assert.Contains(list.Devices, d => d.Device.BusId == "1-1");
    }

    [Fact]
    public async Task A_truncated_pdu_then_close_is_logged_and_closed()
    {
        Export("1-1", 1, 2);
        await ExpectClosedWithWarningAsync("truncated PDU", async c =>
        {
            await c.SendRawAsync(OpHeader(UsbIpConstants.Version, UsbIpConstants.OpReqImport)); // import needs 32 more bytes
            c.ShutdownSend();
        });
    }

    [Fact]
    public async Task Garbage_is_logged_and_closed()
    {
        Export("1-1", 1, 2);
        var garbage = new byte[64];
        new Random(42).NextBytes(garbage);
        garbage[0] = 0xDE;
        await ExpectClosedWithWarningAsync("protocol error", c => c.SendRawAsync(garbage));
    }

    [Fact]
    public async Task A_wrong_version_is_logged_and_closed()
    {
        Export("1-1", 1, 2);
        await ExpectClosedWithWarningAsync("UnsupportedVersion", c => c.SendRawAsync(OpHeader(0x0106, UsbIpConstants.OpReqDevList)));
    }

    [Fact]
    public async Task An_unknown_op_command_is_logged_and_closed()
    {
        Export("1-1", 1, 2);
        await ExpectClosedWithWarningAsync("UnknownCommand", c => c.SendRawAsync(OpHeader(UsbIpConstants.Version, 0x8009)));
    }

    [Fact]
    public async Task An_unknown_urb_command_is_logged_and_closed()
    {
        Export("1-1", 1, 2);
        var client = await ImportedAsync("1-1");
        var header = SubmitHeader(1, UsbIpDirection.In, 1, 8);
        BinaryPrimitives.WriteUInt32BigEndian(header, 9);
        await using (client)
        {
            await ExpectClosedWithWarningAsync("UnknownCommand", c => c.SendRawAsync(header), client);
        }
    }

    [Fact]
    public async Task An_oversized_transfer_buffer_length_is_logged_and_closed_before_any_allocation()
    {
        Export("1-1", 1, 2);
        var client = await ImportedAsync("1-1");
        await using (client)
        {
            await ExpectClosedWithWarningAsync("LimitExceeded", c => c.SendRawAsync(SubmitHeader(1, UsbIpDirection.Out, 1, int.MaxValue)), client);
        }
    }

    [Fact]
    public async Task A_reused_seqnum_still_in_flight_is_logged_and_closed_and_releases_the_lease()
    {
        var backend = Export("1-1", 1, 2);
        backend.Hold(LoopbackDevice.BulkIn);
        var client = await ImportedAsync("1-1");
        await using (client)
        {
            await ExpectClosedWithWarningAsync("seqnum 5 is already in flight", async c =>
            {
                await c.SubmitAsync(UsbIpDirection.In, 1, 8, seqnum: 5);
                await c.SubmitAsync(UsbIpDirection.In, 1, 8, seqnum: 5);
            }, client);
        }

        await AwaitAssertAsync(async () =>
        {
            await using var again = await ConnectAsync();
            Assert.Equal(UsbipdStatus.Ok, (await again.ImportAsync("1-1")).Status);
        });
    }

    [Fact]
    public async Task Import_of_an_unknown_bus_id_gets_ST_NODEV_and_is_closed()
    {
        Export("1-1", 1, 2);
        await using var client = await ConnectAsync();
        await EventFilter.Warning(contains: "unknown bus id '9-9'").ExpectOneAsync(async () =>
        {
            var reply = await client.ImportAsync("9-9");
            Assert.Equal(UsbipdStatus.NoDevice, reply.Status);
            Assert.True(await client.WaitClosedAsync());
        });
    }

    [Fact]
    public async Task A_silent_client_is_closed_after_the_idle_timeout()
    {
        Export("1-1", 1, 2);
        await ExpectClosedWithWarningAsync("no request within 500 ms", _ => Task.CompletedTask);
    }

    [Fact]
    public async Task Half_a_header_then_silence_is_closed_after_the_idle_timeout()
    {
        Export("1-1", 1, 2);
        await ExpectClosedWithWarningAsync("no request within 500 ms", c => c.SendRawAsync(new byte[] { 0x01, 0x11, 0x80 }));
    }
}
