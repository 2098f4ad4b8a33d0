using System.Diagnostics.Metrics;
using Xunit.Abstractions;

namespace UsbMesh.Usbipd.Tests;

/// <summary>
/// The gauge <c>usbmesh.urbs.in_flight</c> shows the URBs a connection has handed to its device and not answered,
/// and nothing once the connection is gone: a soak reads it to prove the node's URB tables do not grow.
/// </summary>
public sealed class InFlightGaugeSpec(ITestOutputHelper output) : UsbipdSpec(output)
{
    // A bus id no other spec exports: the gauge is the process's, and specs run side by side.
    private const string BusId = "9-7";

    [Fact]
    public async Task Held_urbs_are_counted_until_they_are_answered_and_a_closed_connection_leaves_nothing()
    {
        var backend = Export(BusId, 9, 7);
        backend.Hold(LoopbackDevice.BulkIn);
        var client = await ImportedAsync(BusId);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                await client.SubmitAsync(UsbIpDirection.In, 1, 64);
            }

            await AwaitConditionAsync(() => Task.FromResult(InFlight() == 3), Dilated(TimeSpan.FromSeconds(5)), message: "three held URBs in flight");

            // A control transfer is answered at once: counted while it runs, gone when answered.
            var seq = await client.SubmitAsync(UsbIpDirection.In, 0, 18, setup: GetDeviceDescriptor());
            Assert.Equal(seq, Assert.IsType<UsbIpRetSubmit>(await client.ReceiveUrbAsync()).Seqnum);
            Assert.Equal(3, InFlight());
        }
        finally
        {
            await client.DisposeAsync();
        }

        await AwaitConditionAsync(() => Task.FromResult(InFlight() == 0), Dilated(TimeSpan.FromSeconds(5)), message: "nothing in flight once the connection is gone");
    }

    /// <summary>The gauge's value for this spec's device on the export side, summed over its measurements.</summary>
    private static int InFlight()
    {
        var total = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "usbmesh.urbs.in_flight")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            var device = tags.ToArray().FirstOrDefault(t => t.Key == "device").Value as string;
            var side = tags.ToArray().FirstOrDefault(t => t.Key == "side").Value as string;
            if (device == BusId && side == "export")
            {
                total += value;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return total;
    }
}
