using System.Buffers.Binary;
using System.Net;
using UsbMesh.Devices;
using UsbMesh.Usb;
using UsbMesh.UsbIp;

namespace UsbMesh.Usbipd.Client;

/// <summary>
/// A device imported from a usbipd server, as a device backend: it sits behind an ordinary
/// <see cref="UsbDeviceActor"/>, so the node offers it like a local device. Transfers become CMD_SUBMIT on the
/// imported connection; SET_CONFIGURATION, SET_INTERFACE and CLEAR_FEATURE(ENDPOINT_HALT) are sent as the standard
/// control requests, which the server carries out (the kernel's stub and the node's own endpoint both do).
/// </summary>
/// <remarks>
/// The descriptors are read once, while importing, with GET_DESCRIPTOR over the imported connection (the device's,
/// then each configuration's header and whole); the speed and the active configuration come from the import reply.
/// When the connection ends (<see cref="Closed"/>), every pending and later transfer completes as
/// <see cref="UrbStatus.DeviceGone"/>, and the other operations fail with it.
/// </remarks>
public sealed class UsbIpClientBackend : IUsbDeviceBackend
{
    private readonly UsbIpClientConnection _connection;
    private byte _activeConfiguration;

    private UsbIpClientBackend(UsbIpClientConnection connection, DeviceDescriptor device, IReadOnlyList<ConfigurationDescriptor> configurations)
    {
        _connection = connection;
        Device = device;
        Configurations = configurations;
        Speed = UsbSpeeds.FromLinux(connection.Device.Speed);
        _activeConfiguration = connection.Device.ConfigurationValue;
    }

    /// <inheritdoc />
    public DeviceDescriptor Device { get; }

    /// <inheritdoc />
    public IReadOnlyList<ConfigurationDescriptor> Configurations { get; }

    /// <inheritdoc />
    public UsbSpeed Speed { get; }

    /// <inheritdoc />
    public byte ActiveConfigurationValue => Volatile.Read(ref _activeConfiguration);

    /// <summary>The device record of the import reply (the server's bus id, numbers and path).</summary>
    public UsbIpDevice Record => _connection.Device;

    /// <summary>Completes, with the reason, when the imported connection has ended (the server or the device went).</summary>
    public Task<string> Closed => _connection.Closed;

    /// <summary>Imports <paramref name="busId"/> from <paramref name="server"/> and reads its descriptors.</summary>
    /// <param name="server">The usbipd server.</param>
    /// <param name="busId">The device's bus id there.</param>
    /// <param name="settings">Caps and timeouts (defaults when null).</param>
    /// <param name="cancellationToken">Cancels the import.</param>
    /// <exception cref="UsbIpImportRefusedException">The server refused the import.</exception>
    /// <exception cref="UsbIpProtocolException">The server does not speak USB/IP.</exception>
    /// <exception cref="IOException">The connection failed, or a descriptor could not be read.</exception>
    /// <exception cref="TimeoutException">The server took too long.</exception>
    public static async Task<UsbIpClientBackend> ImportAsync(
        EndPoint server, string busId, UsbIpClientSettings? settings = null, CancellationToken cancellationToken = default)
    {
        settings ??= UsbIpClientSettings.Default;
        var connection = await UsbIpClient.ImportAsync(server, busId, settings, cancellationToken).ConfigureAwait(false);
        try
        {
            var deviceBytes = await GetDescriptorAsync(connection, DescriptorTypes.Device, 0, DeviceDescriptor.Size, settings, cancellationToken).ConfigureAwait(false);
            var device = Parse(() => DeviceDescriptor.Parse(deviceBytes), "device descriptor");
            var configurations = new List<ConfigurationDescriptor>(device.NumConfigurations);
            for (var i = 0; i < device.NumConfigurations; i++)
            {
                var index = (byte)i;
                var header = await GetDescriptorAsync(connection, DescriptorTypes.Configuration, index, ConfigurationDescriptor.Size, settings, cancellationToken).ConfigureAwait(false);
                if (header.Length < 4)
                {
                    throw new IOException($"configuration {index}: the device returned {header.Length} bytes of its header");
                }

                var total = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(2));
                var whole = await GetDescriptorAsync(connection, DescriptorTypes.Configuration, index, total, settings, cancellationToken).ConfigureAwait(false);
                configurations.Add(Parse(() => ConfigurationDescriptor.Parse(whole), $"configuration {index}"));
            }

            return new UsbIpClientBackend(connection, device, configurations);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public Task<UrbResult> SubmitAsync(UrbRequest request, CancellationToken unlink) => _connection.SubmitAsync(request, unlink);

    /// <inheritdoc />
    public async Task SetConfigurationAsync(byte value)
    {
        await ControlAsync(SetupPacket.SetConfiguration(value)).ConfigureAwait(false);
        Volatile.Write(ref _activeConfiguration, value);
    }

    /// <inheritdoc />
    public Task SetInterfaceAsync(byte interfaceNumber, byte alternate) => ControlAsync(SetupPacket.SetInterface(interfaceNumber, alternate));

    /// <inheritdoc />
    public Task ClearHaltAsync(byte endpointAddress) => ControlAsync(SetupPacket.ClearEndpointHalt(endpointAddress));

    /// <summary>
    /// Best effort: SET_FEATURE(PORT_RESET) to the device's port, which the kernel's stub turns into a device reset
    /// (stub_rx.c) and the node's endpoint into its backend's reset; a server that refuses it leaves the device as
    /// it is, which is not worth failing the host's request for. Only a server that has gone fails it.
    /// </summary>
    public async Task ResetAsync()
    {
        var reset = new SetupPacket(StandardRequests.PortRequestType, (byte)StandardRequest.SetFeature, StandardRequests.PortFeatureReset, 0, 0);
        var result = await _connection.SubmitAsync(UrbRequest.Control(reset)).ConfigureAwait(false);
        if (result.Status == UrbStatus.DeviceGone)
        {
            throw new UsbBackendException(UrbStatus.DeviceGone, "the usbipd server is gone");
        }
    }

    /// <summary>Closes the imported connection; the server gives the device back to its own side.</summary>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private async Task ControlAsync(SetupPacket setup)
    {
        var result = await _connection.SubmitAsync(UrbRequest.Control(setup)).ConfigureAwait(false);
        if (result.Status != UrbStatus.Completed)
        {
            throw new UsbBackendException(result.Status, $"the usbipd server answered {setup} with {result.Status}");
        }
    }

    private static async Task<byte[]> GetDescriptorAsync(
        UsbIpClientConnection connection, byte type, byte index, int length, UsbIpClientSettings settings, CancellationToken cancellationToken)
    {
        var request = UrbRequest.Control(SetupPacket.GetDescriptor(type, index, 0, (ushort)length));
        using var unlink = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        unlink.CancelAfter(settings.ReplyTimeout);
        UrbResult result;
        try
        {
            // The unlink lets a server that is alive but slow give the URB back; WaitAsync bounds one that is not.
            result = await connection.SubmitAsync(request, unlink.Token).WaitAsync(settings.ReplyTimeout * 2, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"GET_DESCRIPTOR(0x{type:x2}, {index}) got no answer within {settings.ReplyTimeout.TotalSeconds:0.#} s");
        }

        if (result.Status != UrbStatus.Completed)
        {
            throw new IOException($"GET_DESCRIPTOR(0x{type:x2}, {index}) failed: {result.Status}");
        }

        return result.InData.ToArray();
    }

    private static T Parse<T>(Func<T> parse, string what)
    {
        try
        {
            return parse();
        }
        catch (UsbDescriptorException e)
        {
            throw new IOException($"the {what} is malformed: {e.Message}", e);
        }
    }
}
