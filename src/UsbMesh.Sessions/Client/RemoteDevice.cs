using UsbMesh.Actors;
using UsbMesh.Devices;
using UsbMesh.Mesh.Identity;
using UsbMesh.Usb;

namespace UsbMesh.Sessions.Client;

/// <summary>
/// A device of another node, opened for a program on this node: transfers as tasks, many in flight, per-endpoint order
/// kept, and <see cref="Gone"/> when the device is gone for good (unplugged there, or the link stayed down past the
/// grace period). A cut within the grace period only delays transfers.
/// </summary>
/// <example>
/// <code>
/// await using var stick = await RemoteDevice.OpenAsync(system, imports, hubId, "1-1.2");
/// var descriptor = await stick.ControlAsync(SetupPacket.GetDescriptor(DescriptorTypes.Device, 0, 0, 18));
/// await stick.BulkOutAsync(2, command);
/// var reply = await stick.BulkInAsync(1, 512);
/// </code>
/// </example>
public sealed class RemoteDevice : IAsyncDisposable
{
    private readonly IActorRef _holder;
    private readonly TaskCompletionSource<string> _gone;

    private RemoteDevice(IActorRef holder, UsbDevice.Info info, TaskCompletionSource<string> gone)
    {
        _holder = holder;
        Info = info;
        _gone = gone;
    }

    /// <summary>The device's descriptors and speed, as its node described them.</summary>
    public UsbDevice.Info Info { get; }

    /// <summary>Completes with the reason once the device is gone; every pending transfer has ended by then.</summary>
    public Task<string> Gone => _gone.Task;

    /// <summary>Imports <paramref name="busId"/> of <paramref name="node"/> through the node's <see cref="ImportsActor"/>.</summary>
    /// <exception cref="InvalidOperationException">The import was refused or its node did not answer; the message says why.</exception>
    public static async Task<RemoteDevice> OpenAsync(ActorSystem system, IActorRef imports, NodeId node, string busId, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var opened = await imports.Ask(new Imports.Open(node, busId), limit).ConfigureAwait(false) switch
        {
            Imports.Opened o => o,
            Imports.OpenFailed failed => throw new InvalidOperationException(failed.Reason),
            var other => throw new InvalidOperationException($"unexpected answer {other}"),
        };
        var gone = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = system.ActorOf(RemoteDeviceHolder.Props(opened.Device, gone));
        var claim = await holder.Ask(RemoteDeviceHolder.ClaimIt.Instance, limit).ConfigureAwait(false);
        if (claim is not UsbDevice.Claimed)
        {
            system.Stop(holder);
            throw new InvalidOperationException($"{busId} of node {node.Short} is in use here");
        }

        return new RemoteDevice(holder, opened.Info, gone);
    }

    /// <summary>A control transfer on endpoint 0 (IN or OUT by the setup packet's direction).</summary>
    public Task<UrbResult> ControlAsync(SetupPacket setup, ReadOnlyMemory<byte> outData = default, CancellationToken cancellationToken = default) =>
        SubmitAsync(UrbRequest.Control(setup, outData), cancellationToken);

    /// <summary>Reads up to <paramref name="length"/> bytes from bulk IN endpoint <paramref name="endpoint"/>.</summary>
    public Task<UrbResult> BulkInAsync(int endpoint, int length, CancellationToken cancellationToken = default) =>
        SubmitAsync(UrbRequest.BulkIn(endpoint, length), cancellationToken);

    /// <summary>Writes <paramref name="data"/> to bulk OUT endpoint <paramref name="endpoint"/>.</summary>
    public Task<UrbResult> BulkOutAsync(int endpoint, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        SubmitAsync(UrbRequest.BulkOut(endpoint, data), cancellationToken);

    /// <summary>Waits for a report of up to <paramref name="length"/> bytes on interrupt IN endpoint <paramref name="endpoint"/>.</summary>
    public Task<UrbResult> InterruptInAsync(int endpoint, int length, int interval = 1, CancellationToken cancellationToken = default) =>
        SubmitAsync(UrbRequest.InterruptIn(endpoint, length, interval), cancellationToken);

    /// <summary>Any transfer; cancelling unlinks it (the task then ends <see cref="UrbStatus.Unlinked"/>, or with its
    /// real result if it completed first).</summary>
    public Task<UrbResult> SubmitAsync(UrbRequest request, CancellationToken cancellationToken = default)
    {
        var submitted = new RemoteDeviceHolder.Transfer(request, new TaskCompletionSource<UrbResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        _holder.Tell(submitted);
        // A transfer that reaches the holder after it stopped still ends: the device is gone.
        _gone.Task.ContinueWith(_ => submitted.Result.TrySetResult(new UrbResult(UrbStatus.DeviceGone, 0)), TaskScheduler.Default);
        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() => _holder.Tell(new RemoteDeviceHolder.Cancel(submitted)));
            submitted.Result.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }

        return submitted.Result.Task;
    }

    /// <summary>Ends the import: the exporting node frees the device at once.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _holder.Ask<UsbDevice.Released>(RemoteDeviceHolder.ReleaseIt.Instance, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            // Gone already; nothing to release.
        }
    }
}
