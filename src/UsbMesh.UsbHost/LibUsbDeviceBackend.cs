using System.Collections.Concurrent;
using UsbMesh.Devices;
using UsbMesh.LibUsb;

namespace UsbMesh.UsbHost;

/// <summary>
/// A real USB device behind <see cref="IUsbDeviceBackend"/>: URBs become asynchronous libusb transfers, completed on
/// the <see cref="UsbHostActor"/>'s event thread; unlinks become <c>libusb_cancel_transfer</c>. The interfaces of
/// the active configuration are claimed when a lease first uses the device (detaching the local kernel drivers
/// when <see cref="DetachKernelDrivers"/> is on) and released when the lease ends, which gives the device back to
/// the local drivers.
/// </summary>
/// <remarks>
/// A device that vanishes completes its transfers with NO_DEVICE (→ ESHUTDOWN); from then on every submit fails the
/// same way at once. Disposing cancels what is in flight, waits (bounded) for libusb to give the transfers back,
/// then releases the interfaces and closes the handle.
/// </remarks>
public sealed class LibUsbDeviceBackend : IUsbDeviceBackend
{
    private static readonly TimeSpan DisposeWait = TimeSpan.FromSeconds(2);

    private readonly LibUsbDevice _device;
    private readonly LibUsbDeviceConnection _connection;
    private readonly LibUsbDeviceMemory _mapped;
    private readonly ConcurrentDictionary<LibUsbTransfer, TaskCompletionSource<UrbResult>> _inFlight = new();
    private readonly object _claimGate = new();
    private readonly HashSet<int> _claimed = [];

    // The configuration whose interfaces are all claimed (-1: none): every URB checks, and almost always this is it.
    private int _claimedConfiguration = -1;
    private volatile bool _gone;
    private volatile bool _disposed;
    private Task? _disposal;

    private LibUsbDeviceBackend(LibUsbDevice device, LibUsbDeviceConnection connection, bool detachKernelDrivers)
    {
        _device = device;
        _connection = connection;
        _mapped = new LibUsbDeviceMemory(connection.Handle);
        DetachKernelDrivers = detachKernelDrivers && connection.SetAutoDetachKernelDriver(true);
        Device = device.GetDeviceDescriptor();
        Speed = device.Speed;
        var configurations = new List<ConfigurationDescriptor>(Device.NumConfigurations);
        for (byte i = 0; i < Device.NumConfigurations; i++)
        {
            configurations.Add(connection.GetConfigurationDescriptor(i));
        }

        Configurations = configurations;
        ActiveConfigurationValue = (byte)connection.GetConfiguration();
    }

    /// <inheritdoc/>
    public DeviceDescriptor Device { get; }

    /// <inheritdoc/>
    public IReadOnlyList<ConfigurationDescriptor> Configurations { get; }

    /// <inheritdoc/>
    public UsbSpeed Speed { get; }

    /// <inheritdoc/>
    public byte ActiveConfigurationValue { get; private set; }

    /// <summary>Whether claiming an interface detaches its local kernel driver (and releasing re-attaches it).</summary>
    public bool DetachKernelDrivers { get; }

    /// <summary>Transfers submitted and not yet completed.</summary>
    public int TransfersInFlight => _inFlight.Count;

    /// <summary>
    /// Opens <paramref name="device"/> and reads its descriptors (synchronous libusb I/O: call it from the host actor,
    /// never from a libusb callback). Takes ownership of the device reference.
    /// </summary>
    /// <param name="device">The device; disposed with the backend, or at once if opening fails.</param>
    /// <param name="detachKernelDrivers">Whether leases take interfaces from the local kernel drivers.</param>
    public static LibUsbDeviceBackend Open(LibUsbDevice device, bool detachKernelDrivers)
    {
        ArgumentNullException.ThrowIfNull(device);
        LibUsbDeviceConnection? connection = null;
        try
        {
            connection = device.Open();
            return new LibUsbDeviceBackend(device, connection, detachKernelDrivers);
        }
        catch
        {
            connection?.Dispose();
            device.Dispose();
            throw;
        }
    }

    /// <summary>Marks the device unplugged: URBs not yet started fail with ESHUTDOWN at once.</summary>
    public void MarkGone() => _gone = true;

    /// <inheritdoc/>
    public Task<UrbResult> SubmitAsync(UrbRequest request, CancellationToken unlink)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_gone || _disposed)
        {
            return Task.FromResult(UrbResult.Failed(UrbStatus.DeviceGone));
        }

        if (unlink.IsCancellationRequested)
        {
            return Task.FromResult(UrbResult.Failed(UrbStatus.Unlinked));
        }

        try
        {
            EnsureClaimed();
        }
        catch (LibUsbException e)
        {
            return Task.FromResult(UrbResult.Failed(MarkIfGone(e.Error).ToUrbStatus()));
        }

        // Continuations run on the event thread, where the completion is set: the pipe actor's PipeTo is one Tell,
        // and a hop through the thread pool first would cost a wake-up per URB.
        var completion = new TaskCompletionSource<UrbResult>();
        var buffer = LibUsbUrb.BufferFor(request, _mapped);
        LibUsbTransfer transfer;
        try
        {
            transfer = LibUsbUrb.Allocate(request, buffer, t => OnCompleted(t, request, buffer));
        }
        catch
        {
            buffer.Release();
            throw;
        }

        try
        {
            LibUsbUrb.Fill(transfer, _connection.Handle, request);
            _inFlight[transfer] = completion;
            transfer.Submit();
        }
        catch (LibUsbException e)
        {
            _inFlight.TryRemove(transfer, out _);
            transfer.Dispose();
            buffer.Release();
            return Task.FromResult(UrbResult.Failed(MarkIfGone(e.Error).ToUrbStatus()));
        }

        if (unlink.CanBeCanceled)
        {
            // The completion follows the cancel either way: CANCELLED, or the real result if it won the race.
            var registration = unlink.Register(static state => ((LibUsbTransfer)state!).Cancel(), transfer);
            completion.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return completion.Task;
    }

    /// <inheritdoc/>
    public Task SetConfigurationAsync(byte value) => Run(() =>
    {
        if (value == ActiveConfigurationValue)
        {
            // The importing host configures a device it finds configured already; resetting the configuration
            // here would tear down the interfaces under the lease for nothing (usbip-host skips it too).
            return;
        }

        lock (_claimGate)
        {
            ReleaseClaims();
            _connection.SetConfiguration(value == 0 ? -1 : value);
            ActiveConfigurationValue = (byte)_connection.GetConfiguration();
        }
    });

    /// <inheritdoc/>
    public Task SetInterfaceAsync(byte interfaceNumber, byte alternate) => Run(() =>
    {
        EnsureClaimed();
        _connection.SetInterfaceAltSetting(interfaceNumber, alternate);
    });

    /// <inheritdoc/>
    public Task ClearHaltAsync(byte endpointAddress) => Run(() =>
    {
        EnsureClaimed();
        _connection.ClearHalt(endpointAddress);
    });

    /// <inheritdoc/>
    public Task ResetAsync() => Run(() =>
    {
        try
        {
            _connection.Reset();
        }
        catch (LibUsbException e) when (e.Error == LibUsbError.NotFound)
        {
            // The device came back as a new one (its descriptors changed): this handle is dead, and hotplug reports
            // the departure and the arrival, which replace this device's actor.
            _gone = true;
            throw;
        }
    });

    /// <inheritdoc/>
    public Task LeaseEndedAsync() => Run(() =>
    {
        lock (_claimGate)
        {
            ReleaseClaims();
        }
    });

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        lock (_claimGate)
        {
            _disposal ??= DisposeCoreAsync();
        }

        return new ValueTask(_disposal);
    }

    private async Task DisposeCoreAsync()
    {
        _disposed = true;
        foreach (var transfer in _inFlight.Keys)
        {
            transfer.Cancel();
        }

        // The completions come from the host's event loop; a device that is gone gives them back at once.
        var pending = _inFlight.Values.Select(c => c.Task).ToArray();
        await Task.WhenAny(Task.WhenAll(pending), Task.Delay(DisposeWait)).ConfigureAwait(false);
        lock (_claimGate)
        {
            _claimed.Clear(); // The connection releases and re-attaches on dispose.
            _mapped.Dispose();
            _connection.Dispose();
        }

        _device.Dispose();
    }

    private void OnCompleted(LibUsbTransfer transfer, UrbRequest request, TransferBuffer buffer)
    {
        // On the event thread: build the result, hand it over, give the native memory back.
        UrbResult result;
        try
        {
            result = LibUsbUrb.Result(transfer, request, buffer);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            result = UrbResult.Failed(UrbStatus.Other);
        }
        finally
        {
            buffer.Release();
        }

        if (result.Status == UrbStatus.DeviceGone)
        {
            _gone = true;
        }

        if (_inFlight.TryRemove(transfer, out var completion))
        {
            completion.TrySetResult(result);
        }

        transfer.Dispose();
    }

    private void EnsureClaimed()
    {
        lock (_claimGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_claimedConfiguration == ActiveConfigurationValue)
            {
                return;
            }

            var configuration = Configurations.FirstOrDefault(c => c.ConfigurationValue == ActiveConfigurationValue);
            foreach (var interfaceNumber in configuration?.Interfaces.Select(i => (int)i.InterfaceNumber).Distinct() ?? [])
            {
                if (!_claimed.Contains(interfaceNumber))
                {
                    _connection.ClaimInterface(interfaceNumber);
                    _claimed.Add(interfaceNumber);
                }
            }

            _claimedConfiguration = ActiveConfigurationValue;
        }
    }

    private void ReleaseClaims()
    {
        foreach (var interfaceNumber in _claimed)
        {
            try
            {
                _connection.ReleaseInterface(interfaceNumber);
            }
            catch (LibUsbException)
            {
                // Gone or already released: the kernel forgets claims of a vanished device by itself.
            }
        }

        _claimed.Clear();
        _claimedConfiguration = -1;
    }

    private LibUsbError MarkIfGone(LibUsbError error)
    {
        if (error == LibUsbError.NoDevice)
        {
            _gone = true;
        }

        return error;
    }

    private Task Run(Action action)
    {
        if (_gone || _disposed)
        {
            return Task.FromException(new UsbBackendException(UrbStatus.DeviceGone, "the device is gone"));
        }

        // Synchronous libusb calls (ioctls) run off the calling actor's thread.
        return Task.Run(() =>
        {
            try
            {
                action();
            }
            catch (LibUsbException e)
            {
                throw new UsbBackendException(MarkIfGone(e.Error).ToUrbStatus(), e.Message, e);
            }
        });
    }
}
