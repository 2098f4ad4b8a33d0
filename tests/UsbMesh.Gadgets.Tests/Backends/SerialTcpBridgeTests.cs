using System.Net;
using System.Net.Sockets;
using System.Text;
using UsbMesh.Gadgets.Backends;
using UsbMesh.Usb;
using static UsbMesh.Gadgets.Tests.Backends.HostSide;

namespace UsbMesh.Gadgets.Tests.Backends;

/// <summary>Serial mode tcp: the port bridged to one real TCP client, driven through the backend's URBs.</summary>
public sealed class SerialTcpBridgeTests
{
    private static readonly IPEndPoint AnyLoopbackPort = new(IPAddress.Loopback, 0);

    private static SerialGadget NewBridge(List<string>? lines = null) =>
        new(SerialMode.Tcp, tcpEndpoint: AnyLoopbackPort, log: lines is null ? null : line =>
        {
            lock (lines)
            {
                lines.Add(line);
            }
        });

    private static async Task<TcpClient> ConnectAsync(SerialGadget serial, int receiveBuffer = 0)
    {
        var client = new TcpClient(AddressFamily.InterNetwork);
        if (receiveBuffer > 0)
        {
            client.ReceiveBufferSize = receiveBuffer;
        }

        await client.ConnectAsync(serial.TcpEndpoint!).WaitAsync(Patience);
        await WaitUntilAsync(() => Equals(serial.TcpClientEndpoint, client.Client.LocalEndPoint));
        return client;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not become true in time");
            await Task.Delay(10);
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(TcpClient client, int count)
    {
        var buffer = new byte[count];
        await client.GetStream().ReadExactlyAsync(buffer).AsTask().WaitAsync(Patience);
        return buffer;
    }

    [Fact]
    public async Task Listens_on_a_free_loopback_port_when_port_0_is_asked_for_and_logs_it()
    {
        var lines = new List<string>();
        await using var serial = NewBridge(lines);

        Assert.Equal(SerialMode.Tcp, serial.Mode);
        Assert.Equal(IPAddress.Loopback, serial.TcpEndpoint!.Address);
        Assert.NotEqual(0, serial.TcpEndpoint.Port);
        Assert.Contains(lines, l => l.Contains(serial.TcpEndpoint.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bulk_out_data_arrives_at_the_tcp_client()
    {
        await using var serial = NewBridge();
        using var client = await ConnectAsync(serial);

        Assert.Equal(UrbStatus.Completed, (await Run(serial, UrbRequest.BulkOut(1, "hello "u8.ToArray()))).Status);
        await Run(serial, UrbRequest.BulkOut(1, "world"u8.ToArray()));

        Assert.Equal("hello world", Encoding.ASCII.GetString(await ReadExactlyAsync(client, 11)));
        Assert.Equal(0, serial.DroppedHostBytes);
    }

    [Fact]
    public async Task Tcp_client_bytes_complete_a_pending_bulk_in_urb()
    {
        await using var serial = NewBridge();
        using var client = await ConnectAsync(serial);
        var read = serial.SubmitAsync(UrbRequest.BulkIn(1, 64), CancellationToken.None);
        await Task.Delay(30);
        Assert.False(read.IsCompleted);

        await client.GetStream().WriteAsync("AT\r"u8.ToArray());

        var result = await read.WaitAsync(Patience);
        Assert.Equal(UrbStatus.Completed, result.Status);
        Assert.Equal("AT\r", Encoding.ASCII.GetString(result.InData.Span));
    }

    [Fact]
    public async Task A_tcp_client_that_does_not_read_makes_bulk_out_urbs_wait_instead_of_growing_memory()
    {
        await using var serial = NewBridge();
        using var client = await ConnectAsync(serial, receiveBuffer: 4096);
        var chunk = new byte[16 * 1024];
        Random.Shared.NextBytes(chunk);
        const int Ceiling = 4 * 1024 * 1024;

        var accepted = 0;
        Task<UrbResult> blocked;
        while (true)
        {
            blocked = serial.SubmitAsync(UrbRequest.BulkOut(1, chunk), CancellationToken.None);
            if (await Task.WhenAny(blocked, Task.Delay(300)) != blocked)
            {
                break;
            }

            accepted += chunk.Length;
            Assert.True(accepted < Ceiling, $"{accepted} bytes were accepted without the client reading");
        }

        // Bounded: the gadget's buffer, the socket buffers and one chunk in hand, far below the ceiling.
        Assert.True(accepted >= SerialGadget.BufferLimit, $"only {accepted} bytes were accepted");
        Assert.True(serial.PendingFromHost <= SerialGadget.BufferLimit + chunk.Length);
        await Task.Delay(100);
        Assert.False(blocked.IsCompleted);

        // The client reads: everything arrives, in order, and the waiting transfer completes.
        var received = await ReadExactlyAsync(client, accepted + chunk.Length);
        Assert.Equal(UrbStatus.Completed, (await blocked.WaitAsync(Patience)).Status);
        for (var offset = 0; offset < received.Length; offset += chunk.Length)
        {
            Assert.True(chunk.AsSpan().SequenceEqual(received.AsSpan(offset, chunk.Length)), $"chunk at {offset} differs");
        }

        Assert.Equal(0, serial.DroppedHostBytes);
    }

    [Fact]
    public async Task Host_writes_with_no_client_connected_are_dropped_and_counted()
    {
        await using var serial = NewBridge();

        Assert.Equal(UrbStatus.Completed, (await Run(serial, UrbRequest.BulkOut(1, "lost"u8.ToArray()))).Status);
        await WaitUntilAsync(() => serial.DroppedHostBytes == 4);

        using var client = await ConnectAsync(serial);
        await Run(serial, UrbRequest.BulkOut(1, "kept"u8.ToArray()));
        Assert.Equal("kept", Encoding.ASCII.GetString(await ReadExactlyAsync(client, 4)));
        Assert.Equal(4, serial.DroppedHostBytes);
    }

    [Fact]
    public async Task A_second_client_is_refused_while_the_first_stays_connected()
    {
        var lines = new List<string>();
        await using var serial = NewBridge(lines);
        using var first = await ConnectAsync(serial);

        using var second = new TcpClient(AddressFamily.InterNetwork);
        await second.ConnectAsync(serial.TcpEndpoint!).WaitAsync(Patience);
        var refused = await second.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(Patience);
        Assert.Equal(0, refused);
        // The bridge closes the refused connection first and logs it after, so the line may trail the close.
        await WaitUntilAsync(() =>
        {
            lock (lines)
            {
                return lines.Any(l => l.Contains("refused", StringComparison.Ordinal));
            }
        });

        Assert.Equal(first.Client.LocalEndPoint, serial.TcpClientEndpoint);
        await Run(serial, UrbRequest.BulkOut(1, "still"u8.ToArray()));
        Assert.Equal("still", Encoding.ASCII.GetString(await ReadExactlyAsync(first, 5)));
    }

    [Fact]
    public async Task A_client_can_disconnect_and_another_connect()
    {
        await using var serial = NewBridge();
        var first = await ConnectAsync(serial);
        await first.GetStream().WriteAsync("one"u8.ToArray());
        Assert.Equal("one", Encoding.ASCII.GetString((await Run(serial, UrbRequest.BulkIn(1, 64))).InData.Span));
        first.Dispose();
        await WaitUntilAsync(() => serial.TcpClientEndpoint is null);

        using var second = await ConnectAsync(serial);
        await second.GetStream().WriteAsync("two"u8.ToArray());
        Assert.Equal("two", Encoding.ASCII.GetString((await Run(serial, UrbRequest.BulkIn(1, 64))).InData.Span));
        await Run(serial, UrbRequest.BulkOut(1, "back"u8.ToArray()));
        Assert.Equal("back", Encoding.ASCII.GetString(await ReadExactlyAsync(second, 4)));
    }

    [Fact]
    public async Task Dispose_closes_the_listener_and_the_client()
    {
        var serial = NewBridge();
        var endpoint = serial.TcpEndpoint!;
        using var client = await ConnectAsync(serial);
        var read = serial.SubmitAsync(UrbRequest.BulkIn(1, 64), CancellationToken.None);

        await serial.DisposeAsync().AsTask().WaitAsync(Patience);

        Assert.Equal(UrbStatus.DeviceGone, (await read.WaitAsync(Patience)).Status);
        Assert.Equal(0, await client.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(Patience));
        using var late = new TcpClient(AddressFamily.InterNetwork);
        await Assert.ThrowsAsync<SocketException>(() => late.ConnectAsync(endpoint).WaitAsync(Patience));
    }

    [Fact]
    public async Task A_port_in_use_fails_the_gadget_with_a_socket_error()
    {
        await using var serial = NewBridge();

        Assert.Throws<SocketException>(() => new SerialGadget(SerialMode.Tcp, tcpEndpoint: serial.TcpEndpoint));
    }

    [Fact]
    public async Task Tcp_client_bytes_wait_in_the_socket_while_the_host_does_not_read()
    {
        await using var serial = NewBridge();
        using var client = await ConnectAsync(serial);
        var data = new byte[SerialGadget.BufferLimit * 3];
        var writing = client.GetStream().WriteAsync(data).AsTask();

        await WaitUntilAsync(() => serial.PendingToHost >= SerialGadget.BufferLimit);
        await Task.Delay(100);
        Assert.InRange(serial.PendingToHost, SerialGadget.BufferLimit, SerialGadget.BufferLimit + 4096);

        var read = 0;
        while (read < data.Length)
        {
            read += (await Run(serial, UrbRequest.BulkIn(1, 16 * 1024))).ActualLength;
        }

        await writing.WaitAsync(Patience);
        Assert.Equal(0, serial.PendingToHost);
    }
}
