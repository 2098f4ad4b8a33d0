using System.Buffers.Binary;
using UsbMesh.Devices;
using UsbMesh.Gadgets.MassStorage;
using UsbMesh.Usb;

namespace UsbMesh.Gadgets.Tests.Backends;

/// <summary>What a host does with a backend, written out: enumeration as Linux does it, BOT commands.</summary>
internal static class HostSide
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    public static async Task<UrbResult> Run(IUsbDeviceBackend backend, UrbRequest request) =>
        await backend.SubmitAsync(request, CancellationToken.None).WaitAsync(Patience);

    public static Task<UrbResult> Control(IUsbDeviceBackend backend, SetupPacket setup, byte[]? outData = null) =>
        Run(backend, UrbRequest.Control(setup, outData ?? ReadOnlyMemory<byte>.Empty));

    public static async Task<byte[]> GetDescriptor(IUsbDeviceBackend backend, byte type, byte index, ushort length, ushort langId = 0,
        RequestRecipient recipient = RequestRecipient.Device)
    {
        var result = await Control(backend, SetupPacket.GetDescriptor(type, index, langId, length, recipient));
        Assert.Equal(UrbStatus.Completed, result.Status);
        Assert.Equal(result.ActualLength, result.InData.Length);
        return result.InData.ToArray();
    }

    /// <summary>The Linux hub driver's sequence: device 64 then 18, configuration 9 then wTotalLength, strings 0 and 1..3.</summary>
    public static async Task<(DeviceDescriptor Device, ConfigurationDescriptor Configuration, byte[] ConfigurationBytes, string[] Strings)> Enumerate(IUsbDeviceBackend backend)
    {
        var first = await GetDescriptor(backend, DescriptorTypes.Device, 0, 64);
        Assert.Equal(18, first.Length);
        var device = DeviceDescriptor.Parse(await GetDescriptor(backend, DescriptorTypes.Device, 0, 18));

        var header = await GetDescriptor(backend, DescriptorTypes.Configuration, 0, 9);
        Assert.Equal(9, header.Length);
        var total = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(2));
        var bytes = await GetDescriptor(backend, DescriptorTypes.Configuration, 0, total);
        Assert.Equal(total, bytes.Length);
        Assert.Equal(header, bytes[..9]);
        var configuration = ConfigurationDescriptor.Parse(bytes);

        var languages = StringDescriptor.ParseLanguageIds(await GetDescriptor(backend, DescriptorTypes.String, 0, 255));
        Assert.Equal([StringDescriptor.LanguageEnglishUnitedStates], languages);
        var strings = new List<string>();
        foreach (var index in new[] { device.ManufacturerStringIndex, device.ProductStringIndex, device.SerialNumberStringIndex })
        {
            // Linux reads the first two bytes first on some paths, then the whole string (255).
            var head = await GetDescriptor(backend, DescriptorTypes.String, index, 2, languages[0]);
            var full = await GetDescriptor(backend, DescriptorTypes.String, index, 255, languages[0]);
            Assert.Equal(head[0], full.Length);
            strings.Add(StringDescriptor.Parse(full).Text);
        }

        return (device, configuration, bytes, [.. strings]);
    }

    public static byte[] Cbw(uint tag, uint length, bool dataIn, byte[] cdb)
    {
        var cbw = new byte[CommandBlockWrapper.Length];
        new CommandBlockWrapper(tag, length, dataIn ? (byte)0x80 : (byte)0, 0, (byte)cdb.Length).WriteTo(cbw, cdb);
        return cbw;
    }

    public static CommandStatusWrapper ParseCsw(UrbResult result)
    {
        Assert.Equal(UrbStatus.Completed, result.Status);
        Assert.True(CommandStatusWrapper.TryParse(result.InData.Span, out var csw), "not a CSW");
        return csw;
    }
}
