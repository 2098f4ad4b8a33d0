using System.Diagnostics;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace UsbMesh.Usbipd.Tests;

public sealed class LimitsSpec(ITestOutputHelper output)
    : UsbipdSpec(output, s => s with { MaxConnections = 16, MaxPendingUrbs = 4 })
{
    private ITestOutputHelper Output { get; } = output;

    [Fact]
    public async Task A_thousand_concurrent_connections_are_limited_and_an_honest_client_is_served_afterwards()
    {
        Export("1-1", 1, 2);
        var stopwatch = Stopwatch.StartNew();
        var maxSeen = 0;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 1000).Select(async _ =>
        {
            UsbIpTestClient client;
            try
            {
                client = await ConnectAsync();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
            {
                return "refused";
            }
            catch (Exception e)
            {
                return $"connect failed: {e.GetType().Name}: {e.Message}";
            }

            await using (client)
            {
                // Refused connections are closed at once, accepted ones after the idle timeout: every one ends.
                return await client.WaitClosedAsync(Dilated(TimeSpan.FromSeconds(20))) ? "closed" : "still open";
            }
        }).Append(Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                maxSeen = Math.Max(maxSeen, ConnectionCount());
                await Task.Delay(50);
            }

            return "closed";
        })));

        Assert.All(outcomes, o => Assert.True(o is "closed" or "refused", o));
        Assert.InRange(maxSeen, 0, Settings.MaxConnections);
        Output.WriteLine($"{outcomes.Count(o => o == "refused")} refused at connect, the rest accepted and closed, in {stopwatch.ElapsedMilliseconds} ms");

        await AwaitAssertAsync(async () =>
        {
            await using var honest = await ConnectAsync();
            var list = await honest.ListAsync();
            Assert.Equal(["1-1"], list.Devices.Select(d => d.Device.BusId));
        }, Dilated(TimeSpan.FromSeconds(5)));
        Assert.True(stopwatch.Elapsed < Dilated(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task The_read_loop_stops_reading_while_too_many_urbs_are_pending()
    {
        var backend = Export("1-1", 1, 2);
        backend.Hold(LoopbackDevice.BulkIn);
        await using var client = await ImportedAsync("1-1");
        for (var i = 0; i < 20; i++)
        {
            await client.SubmitAsync(UsbIpDirection.In, 1, 8);
        }

        using var timeout = new CancellationTokenSource(Dilated(TimeSpan.FromSeconds(5)));
        var pending = new List<LoopbackDevice.PendingTransfer>();
        for (var i = 0; i < Settings.MaxPendingUrbs; i++)
        {
            pending.Add(await backend.NextPendingAsync(timeout.Token));
        }

        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.Equal(Settings.MaxPendingUrbs, backend.SubmittedCount);

        // Each answer lets one more command in.
        Assert.True(pending[0].Complete());
        Assert.Equal(1u, ((UsbIpRetSubmit)await client.ReceiveUrbAsync()).Seqnum);
        pending.Add(await backend.NextPendingAsync(timeout.Token));
        Assert.Equal(Settings.MaxPendingUrbs + 1, backend.SubmittedCount);
    }
}
